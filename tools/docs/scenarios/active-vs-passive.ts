// The same download twice in one session: passive (the client connects to the server) and
// active (the server connects to the client).
import { defineScenario } from "../scenario.ts";

export default defineScenario({
  title: "the same RETR in passive mode (PASV) and in active mode (PORT)",
  since: 6,
  server: { files: { "notes.txt": "twelve bytes" } },
  async run({ connect, note }) {
    const ftp = await connect();
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS guest@example.com", 230);
    await ftp.sendExpect("TYPE I", 200);
    note("passive: the server listens, the client connects");
    const passive = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("RETR notes.txt", [125, 150]);
    await passive.readAll();
    await ftp.readReply();
    note("active: the client listens, the server connects");
    const listener = await ftp.activeListener();
    await ftp.sendExpect(`PORT ${listener.portArg}`, 200);
    await ftp.sendExpect("RETR notes.txt", [125, 150]);
    await ftp.readAll(await listener.accept());
    await ftp.readReply();
    await ftp.quit();
  },
});
