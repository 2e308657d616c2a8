/**
 * Tiny, deliberately scriptable (and often deliberately broken) FTP servers for the harness
 * self-tests. Each listens on 127.0.0.1 port 0 and is closed by the test that made it.
 */
import net, { type Socket } from "node:net";
import { once } from "node:events";

export interface Fake {
  host: string;
  port: number;
  /** Close the listener and every connection it accepted. */
  close(): Promise<void>;
}

const open = new Set<Fake>();

/** Start a fake server; `onConnection` writes whatever bytes the test wants. */
export async function fakeServer(onConnection: (sock: Socket) => void): Promise<Fake> {
  const sockets = new Set<Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined); // a reset from the test's side is fine
    sock.setNoDelay(true);
    onConnection(sock);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  const fake: Fake = {
    host: "127.0.0.1",
    port,
    close: () =>
      new Promise<void>((resolve) => {
        open.delete(fake);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  open.add(fake);
  return fake;
}

/** For afterEach: close every fake still open. */
export async function closeAllFakes(): Promise<void> {
  await Promise.all([...open].map((f) => f.close()));
}

/** Call `onLine` for each CRLF-terminated command line the client sends. */
export function onLines(sock: Socket, onLine: (line: string) => void): void {
  let buf = "";
  sock.setEncoding("utf8");
  sock.on("data", (chunk: string) => {
    buf += chunk;
    for (let i = buf.indexOf("\r\n"); i >= 0; i = buf.indexOf("\r\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      onLine(line);
    }
  });
}

/** A fake that greets, then answers each command from a table (verb -> reply bytes), default 502. */
export function scripted(greeting: string, table: Record<string, string | ((arg: string, sock: Socket) => void)>): Promise<Fake> {
  return fakeServer((sock) => {
    sock.write(greeting);
    onLines(sock, (line) => {
      const sp = line.indexOf(" ");
      const verb = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      const arg = sp < 0 ? "" : line.slice(sp + 1);
      const answer = table[verb];
      if (typeof answer === "function") answer(arg, sock);
      else sock.write(answer ?? "502 Not implemented.\r\n");
    });
  });
}

/** Write `data` one byte per TCP packet (with a short pause so the kernel can't merge them). */
export async function writeBytewise(sock: Socket, data: string | Buffer): Promise<void> {
  const buf = typeof data === "string" ? Buffer.from(data) : data;
  for (const b of buf) {
    sock.write(Buffer.from([b]));
    await new Promise((r) => setTimeout(r, 2));
  }
}
