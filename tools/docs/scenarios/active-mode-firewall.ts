// Active mode behind a client firewall: the client says "connect to me" with PORT, but its
// firewall turns the server's connection away (here: nothing is listening any more on that
// port, so the connection is refused; a firewall that silently drops it makes the server
// wait for its timeout instead). Passive mode, which the client starts itself, still works.
import { defineScenario } from "../scenario.ts";

export default defineScenario({
  title: "active mode fails when the client's firewall refuses the server's connection; passive works",
  since: 6,
  server: { files: { "notes.txt": "twelve bytes" } },
  async run({ connect, note }) {
    const ftp = await connect();
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS guest@example.com", 230);
    await ftp.sendExpect("TYPE I", 200);
    const listener = await ftp.activeListener();
    await listener.close();
    note("the client's firewall refuses connections from outside");
    await ftp.sendExpect(`PORT ${listener.portArg}`, 200);
    // 150 first (the server is about to dial), then 425 when the connection is refused.
    await ftp.sendExpect("RETR notes.txt", 150);
    const failed = await ftp.readReply();
    if (failed.code !== 425) throw new Error(`expected 425 after the refused active connection, got ${failed.code}`);
    note("passive: the client opens the connection itself, so the firewall lets it out");
    const passive = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("RETR notes.txt", [125, 150]);
    await passive.readAll();
    await ftp.readReply();
    await ftp.quit();
  },
});
