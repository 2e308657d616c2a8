/**
 * final/src/storage/local/send-file.ts when the data connection is closed under it (ABOR, a client
 * that goes away) while a read is on its way: the promise must settle, with an error, so that
 * the session sends its 426. It once hung when the close came just before the end of the file
 * (curl's `-r` range download, which sends ABOR as soon as it has its bytes, caught it in CI).
 * Real sockets on loopback, real files.
 */
import fs from "node:fs";
import { open } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sendFile } from "../../final/src/storage/local/send-file.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-sendfile-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A connected pair on loopback: the server's side is what sendFile writes to. */
async function socketPair(): Promise<{ server: net.Socket; client: net.Socket; close(): void }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once("connection", resolve));
  const client = net.connect((listener.address() as net.AddressInfo).port, "127.0.0.1");
  client.on("error", () => {});
  const server = await accepted;
  server.on("error", () => {});
  return { server, client, close: () => (client.destroy(), listener.close()) };
}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still pending after ${ms} ms (hung)`)), ms))]);
}

describe("sendFile when the socket is closed while a read is on its way", () => {
  for (const size of [0, 10, 3 * 1024 * 1024]) {
    it(`a ${size}-byte file: the promise rejects (no hang), and the file can be closed`, async () => {
      const file = path.join(dir, `f-${size}.bin`);
      fs.writeFileSync(file, Buffer.alloc(size, 7));
      const handle = await open(file, "r");
      const pair = await socketPair();
      try {
        const sending = sendFile(handle, 0, pair.server);
        pair.server.destroy(); // the read has started; its result finds the socket gone
        await expect(within(3000, sending)).rejects.toMatchObject({ code: expect.stringMatching(/^(ERR_STREAM_DESTROYED|ERR_STREAM_PREMATURE_CLOSE|EPIPE|ECONNRESET)$/) });
      } finally {
        await handle.close();
        pair.close();
      }
    });
  }
});
