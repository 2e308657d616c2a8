// Active mode: the client listens and says where with PORT; the server opens the data
// connection to the client when the transfer starts.
import { defineScenario } from "../scenario.ts";

export default defineScenario({
  title: "PORT: the client listens, the server connects to it",
  since: 6,
  server: { files: { "readme.txt": "Hello from ftp-lab!\n", "notes.txt": "twelve bytes" } },
  async run({ connect }) {
    const ftp = await connect();
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS guest@example.com", 230);
    const listener = await ftp.activeListener();
    await ftp.sendExpect(`PORT ${listener.portArg}`, 200);
    await ftp.sendExpect("LIST", [125, 150]);
    await ftp.readAll(await listener.accept());
    await ftp.readReply();
    await ftp.quit();
  },
});
