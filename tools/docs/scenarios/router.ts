// Port mapping: a server behind a router announces the router's public address and takes
// passive ports from the range the router forwards; it prints what to forward. The session
// really goes through a router: tools/router (what `npm run router` runs) listens on 127.0.0.2,
// the router's "public" address, and forwards the control port and the passive range to the
// server on 127.0.0.1. The diagram has no lane of its own for the router (diagrams.ts draws
// Client, Server and data lanes only), so notes say where it sits.
import { connectData } from "../../wire/data-socket.ts";
import { FtpSocket } from "../../wire/ftp-socket.ts";
import { startRouter } from "../../router/router.ts";
import { defineScenario } from "../scenario.ts";

const PUBLIC = "127.0.0.2";

export default defineScenario({
  title: `behind a router (npm run router on ${PUBLIC}): --nat-address ${PUBLIC} with --range 60000-60009`,
  since: 7,
  server: { files: { "readme.txt": "Hello from ftp-lab!\n" }, range: { from: 60000, to: 60009 }, args: ["--nat-address", PUBLIC] },
  async run({ host, port, range, note, serverLine, transcript }) {
    if (!range) throw new Error("the router scenario needs the server's --range");
    note(`the server prints:\n${(await serverLine(/^Behind a router/)).replace(/; /g, ";\n")}`, "server");
    const router = await startRouter({
      publicAddress: PUBLIC,
      serverAddress: host,
      forwards: [
        { from: port, to: port, target: port },
        { from: range.from, to: range.to, target: range.from },
      ],
    });
    let ftp: FtpSocket | undefined;
    try {
      note(`npm run router -- --forward ${port} --forward ${range.from}-${range.to}:\nit forwards ${PUBLIC}:${port} and ${PUBLIC}:${range.from}-${range.to} to the server at ${host};\nthe client talks to ${PUBLIC} only`);
      ftp = await FtpSocket.connect(PUBLIC, port, { timeoutMs: 10_000, transcript });
      await ftp.sendExpect("USER anonymous", 331);
      await ftp.sendExpect("PASS guest@example.com", 230);
      const announced = await ftp.pasv();
      note(`the client connects where the 227 says, ${announced.host}:${announced.port}:\nthe router forwards it to ${host}:${announced.port}`, "client");
      const data = await connectData(announced.host, announced.port, 10_000, transcript);
      await ftp.sendExpect("LIST", [125, 150]);
      await data.readAll();
      await ftp.readReply();
      await ftp.quit();
    } finally {
      ftp?.destroy();
      await router.close();
    }
  },
});
