// The other end of the machine-limit measurements (limits.ts), in its own process as a server
// would be: listens on 127.0.0.1:0, prints `PORT n`, serves one connection, prints
// `CPU seconds` (spent from the connection on) and exits.
//
//   send BYTES          blast BYTES from memory (loopback TCP, server → client)
//   recv                read and drop everything (loopback TCP, client → server)
//   file-stream FILE    fs.createReadStream(FILE).pipe(socket)  (file → socket, Node's plain way)
//   file-bigreads FILE  1 MiB fs.read()s, each written before the next (sendfile-like)
//   file-recv FILE      socket.pipe(fs.createWriteStream(FILE))  (socket → file, as STOR does)

import { createReadStream, createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import net from "node:net";
import { CHUNK, writeBytes } from "./ftp-client.ts";

const [mode = "", arg = ""] = process.argv.slice(2);

let cpuAtConnection: NodeJS.CpuUsage | undefined;

function done(): void {
  const u = process.cpuUsage(cpuAtConnection);
  process.stdout.write(`CPU ${(u.user + u.system) / 1e6}\n`, () => process.exit(0));
}

async function bigReads(socket: net.Socket, file: string): Promise<void> {
  const fh = await open(file, "r");
  const buf = Buffer.allocUnsafe(CHUNK.length);
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    await new Promise<void>((resolve, reject) => socket.write(buf.subarray(0, bytesRead), (err) => (err ? reject(err) : resolve())));
  }
  await fh.close();
  socket.end();
}

const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  cpuAtConnection = process.cpuUsage();
  server.close();
  socket.on("error", (err) => {
    process.stderr.write(`limit-peer ${mode}: ${err.message}\n`);
    process.exit(1);
  });
  socket.once("close", done);
  switch (mode) {
    case "send":
      void writeBytes(socket, Number(arg));
      break;
    case "recv":
      socket.on("data", () => {});
      socket.once("end", () => socket.end());
      break;
    case "file-stream":
      createReadStream(arg).pipe(socket);
      break;
    case "file-bigreads":
      void bigReads(socket, arg);
      break;
    case "file-recv": {
      const out = createWriteStream(arg);
      socket.pipe(out);
      out.once("finish", () => socket.end());
      break;
    }
    default:
      process.stderr.write(`limit-peer: unknown mode ${mode}\n`);
      process.exit(2);
  }
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`PORT ${(server.address() as net.AddressInfo).port}\n`);
});
