// Behind NAT: the 227 reply names the public address given with --nat-address, not the
// address the server listens on. There is no router here, so the client connects to the
// server directly (as a router forwarding that port would make it).
import { connectData } from "../../wire/data-socket.ts";
import { defineScenario } from "../scenario.ts";

export default defineScenario({
  title: "--nat-address 203.0.113.7: the 227 reply names the public address",
  since: 3,
  server: { files: { "readme.txt": "Hello from ftp-lab!\n" }, args: ["--nat-address", "203.0.113.7"] },
  async run({ connect, note, transcript }) {
    const ftp = await connect();
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS guest@example.com", 230);
    const announced = await ftp.pasv();
    note(`227 names ${announced.host}, the router's public address.\nNo router here: the client connects to ${ftp.host} instead`, "client");
    const data = await connectData(ftp.host, announced.port, 10_000, transcript);
    await ftp.sendExpect("LIST", [125, 150]);
    await data.readAll();
    await ftp.readReply();
    await ftp.quit();
  },
});
