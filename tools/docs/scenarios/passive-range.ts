// Passive ports from a configured range: PASV and EPSV each open a port from --range, and
// the client makes both data connections to the server.
import { defineScenario } from "../scenario.ts";

export default defineScenario({
  title: "PASV and EPSV with --range 60000-60009: the client connects to a port from the range",
  since: 2,
  server: { files: { "readme.txt": "Hello from ftp-lab!\n", "notes.txt": "twelve bytes" }, range: { from: 60000, to: 60009 } },
  async run({ connect }) {
    const ftp = await connect();
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS guest@example.com", 230);
    const first = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("LIST", [125, 150]);
    await first.readAll();
    await ftp.readReply();
    await ftp.sendExpect("TYPE I", 200);
    const second = await ftp.openPassiveData("EPSV");
    await ftp.sendExpect("RETR notes.txt", [125, 150]);
    await second.readAll();
    await ftp.readReply();
    await ftp.quit();
  },
});
