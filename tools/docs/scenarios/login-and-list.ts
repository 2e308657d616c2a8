// Anonymous login, where am I, and a listing over a passive data connection.
import { defineScenario } from "../scenario.ts";

export default defineScenario({
  title: "anonymous login, PWD, then LIST over PASV",
  server: { files: { "readme.txt": "Hello from ftp-lab!\n", "notes.txt": "12 bytes...\n", pub: null } },
  async run({ connect }) {
    const ftp = await connect();
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS guest@example.com", 230);
    await ftp.sendExpect("PWD", 257);
    const data = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("LIST", [125, 150]);
    await data.readAll();
    await ftp.readReply();
    await ftp.quit();
  },
});
