// The soak's FTP client: the wire kit's control connection (tools/wire/ftp-socket.ts: the
// strict reply parser, three digits, space or dash, CRLF, anything else is a violation) with
// recording off, so hours of traffic cost no memory; short one-line violations instead of the
// kit's long explanations; and passive data connections that hash what they receive instead
// of keeping it.

import { createHash } from "node:crypto";
import net from "node:net";
import { FtpSocket } from "../wire/ftp-socket.ts";
import { parsePasv } from "../wire/passive.ts";
import type { Reply } from "../wire/reply.ts";

export type { Reply };

/** Something the server did that it must not do (as opposed to what the client provoked). */
export class Violation extends Error {
  override name = "Violation";
}

export const REPLY_TIMEOUT_MS = 30_000;

export class Control {
  private constructor(readonly ftp: FtpSocket) {}

  static async connect(host: string, port: number): Promise<Control> {
    return new Control(await FtpSocket.connect(host, port, { timeoutMs: REPLY_TIMEOUT_MS, record: false }));
  }

  get greeting(): Reply {
    return this.ftp.greeting;
  }

  /** The next reply; a server that does not answer within the timeout is a violation. */
  next(): Promise<Reply> {
    return this.ftp.readReply();
  }

  /** Bytes as they are (no CRLF added), without waiting for a reply. */
  write(data: string | Buffer): void {
    this.ftp.sendRaw(data);
  }

  send(line: string): Promise<Reply> {
    return this.ftp.send(line);
  }

  /** Send and require one of the codes; anything else is a violation. */
  async expect(line: string, codes: number | number[]): Promise<Reply> {
    const r = await this.send(line);
    const want = Array.isArray(codes) ? codes : [codes];
    if (!want.includes(r.code)) throw new Violation(`${line.split(" ")[0]} got ${r.lines[0]?.slice(0, 120)}, expected ${want.join("/")}`);
    return r;
  }

  async expectNext(codes: number[], what: string): Promise<Reply> {
    const r = await this.next();
    if (!codes.includes(r.code)) throw new Violation(`${what}: got ${r.lines[0]?.slice(0, 120)}, expected ${codes.join("/")}`);
    return r;
  }

  /** PASV, then connect to the announced port (on the control connection's host). */
  async pasv(): Promise<{ port: number; open: () => Promise<net.Socket> }> {
    const r = await this.expect("PASV", 227);
    const hp = parsePasv(r);
    if ("error" in hp) throw new Violation(`bad PASV reply: ${hp.error}`);
    return {
      port: hp.port,
      open: () =>
        new Promise((resolve, reject) => {
          const s = net.connect({ host: this.ftp.host, port: hp.port });
          s.once("connect", () => resolve(s));
          s.once("error", reject);
        }),
    };
  }

  /** Close politely (QUIT). */
  async quit(): Promise<void> {
    try {
      await this.expect("QUIT", 221);
    } finally {
      this.ftp.destroy();
    }
  }

  /** Vanish: reset the connection. */
  reset(): void {
    this.ftp.reset();
  }

  destroy(): void {
    this.ftp.destroy();
  }
}

/** Read a data connection to its end, hashing; resolves with the byte count and SHA-256. */
export function drain(socket: net.Socket, stopAfter?: number): Promise<{ bytes: number; sha256: string; ended: boolean }> {
  return new Promise((resolve) => {
    const hash = createHash("sha256");
    let bytes = 0;
    let done = false;
    const finish = (ended: boolean) => {
      if (done) return;
      done = true;
      resolve({ bytes, sha256: hash.digest("hex"), ended });
    };
    socket.on("data", (chunk: Buffer) => {
      if (done) return;
      hash.update(chunk);
      bytes += chunk.length;
      if (stopAfter !== undefined && bytes >= stopAfter) finish(false);
    });
    socket.on("end", () => finish(true));
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
  });
}

/** Write `data` and close (FIN): the end of an upload. */
export function sendAll(socket: net.Socket, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    socket.on("error", () => resolve());
    socket.end(data, () => resolve());
  });
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
