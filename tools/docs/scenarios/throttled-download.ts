// A download under --write-limit: the bytes flow at the configured rate, so the transfer
// takes about size / rate seconds (the diagram cannot show time; the note says it).
import { defineScenario } from "../scenario.ts";

const SIZE = 10_000;

export default defineScenario({
  title: "RETR with --write-limit 10K: the download is paced",
  since: 5,
  server: { files: { "big.bin": Buffer.alloc(SIZE, 0x61) }, args: ["--write-limit", "10K"] },
  async run({ connect, note }) {
    const ftp = await connect();
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS guest@example.com", 230);
    await ftp.sendExpect("TYPE I", 200);
    const data = await ftp.openPassiveData("PASV");
    note(`--write-limit 10K = 10240 bytes/s:\nthe ${SIZE} bytes take about 1 second`, "server");
    await ftp.sendExpect("RETR big.bin", [125, 150]);
    await data.readAll();
    await ftp.readReply();
    await ftp.quit();
  },
});
