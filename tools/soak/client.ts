// A small FTP client for the soak: a control connection that reads replies with the test
// harness's strict parser (three digits, space or dash, CRLF: anything else is a violation),
// and passive data connections that hash what they receive instead of keeping it. Unlike the
// harness's FtpSocket it records nothing, so hours of traffic cost no memory.

import { createHash } from "node:crypto";
import net from "node:net";
import { parsePasv } from "../../test/harness/passive.ts";
import { ReplyParser, type Reply } from "../../test/harness/reply.ts";

export type { Reply };

/** Something the server did that it must not do (as opposed to what the client provoked). */
export class Violation extends Error {
  override name = "Violation";
}

export const REPLY_TIMEOUT_MS = 30_000;

export class Control {
  private readonly parser = new ReplyParser();
  private readonly replies: Reply[] = [];
  private readonly waiters: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }> = [];
  private failure: Error | null = null;
  closed = false;
  greeting!: Reply;

  private constructor(
    readonly socket: net.Socket,
    readonly host: string,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      const { replies, error } = this.parser.push(chunk);
      this.replies.push(...replies);
      if (error) this.fail(new Violation(`malformed reply: ${error}`));
      this.deliver();
    });
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => {
      this.closed = true;
      this.fail(new Error("connection closed"));
    });
  }

  static async connect(host: string, port: number, localAddress?: string): Promise<Control> {
    const socket = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    const c = new Control(socket, host);
    c.greeting = await c.next();
    return c;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.deliver();
  }

  private deliver(): void {
    while (this.waiters.length && this.replies.length) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      w.resolve(this.replies.shift()!);
    }
    if (this.failure && !this.replies.length) {
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(this.failure);
      }
    }
  }

  /** The next reply; a server that does not answer within the timeout is a violation. */
  next(timeoutMs = REPLY_TIMEOUT_MS): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.timer === timer);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Violation(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ resolve, reject, timer });
      this.deliver();
    });
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  send(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.next();
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

  /** PASV, then connect to the announced port (from `localAddress` if given). */
  async pasv(localAddress?: string): Promise<{ port: number; open: () => Promise<net.Socket> }> {
    const r = await this.expect("PASV", 227);
    const hp = parsePasv(r);
    if ("error" in hp) throw new Violation(`bad PASV reply: ${hp.error}`);
    return {
      port: hp.port,
      open: () =>
        new Promise((resolve, reject) => {
          const s = net.connect({ host: this.host, port: hp.port, ...(localAddress ? { localAddress } : {}) });
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
      this.socket.destroy();
    }
  }

  /** Vanish: reset the connection. */
  reset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
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
