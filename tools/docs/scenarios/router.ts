// Port mapping: a server behind a home router announces the router's public address and
// takes passive ports from the range the router forwards; it prints what to forward.
import { connectData } from "../../../test/harness/data-socket.ts";
import { defineScenario } from "../scenario.ts";

export default defineScenario({
  title: "behind a router: --nat-address 203.0.113.7 with --range 60000-60009",
  since: 7,
  server: { files: { "readme.txt": "Hello from ftp-lab!\n" }, range: { from: 60000, to: 60009 }, args: ["--nat-address", "203.0.113.7"] },
  async run({ connect, note, serverLine, transcript }) {
    note(`the server prints:\n${(await serverLine(/^Behind a router/)).replace(/; /g, ";\n")}`, "server");
    const ftp = await connect();
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS guest@example.com", 230);
    const announced = await ftp.pasv();
    note(`the router would forward ${announced.host}:${announced.port} to the server:\nhere the client connects to ${ftp.host}:${announced.port} directly`, "client");
    const data = await connectData(ftp.host, announced.port, 10_000, transcript);
    await ftp.sendExpect("LIST", [125, 150]);
    await data.readAll();
    await ftp.readReply();
    await ftp.quit();
  },
});
