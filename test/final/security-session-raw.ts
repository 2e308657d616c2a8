/**
 * A bare control connection for the security-session-* tests: replies parsed by hand, so a
 * test can stop reading them (socket.pause()), write many lines in one packet, and turn the
 * very same TCP connection into TLS after "234" (what FtpSocket, plain text only, cannot).
 *
 * Loopback only; every wait has a timeout.
 */
import net from "node:net";
import tls from "node:tls";
import { Duplex } from "node:stream";
import { HarnessError, isLoopback } from "../harness/index.ts";

export interface RawReply {
  code: number;
  lines: string[];
}

export class RawControl {
  socket: net.Socket | tls.TLSSocket;
  private text = "";
  private current: RawReply | null = null;
  private readonly replies: RawReply[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;
  /** Every reply so far, for messages. */
  readonly transcript: string[] = [];
  readonly closed: Promise<void>;
  private readonly tcp: net.Socket;

  private constructor(socket: net.Socket) {
    this.tcp = socket;
    this.socket = socket;
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.ended = true;
        this.waiter?.();
        resolve();
      }),
    );
    this.listen(socket);
  }

  static async connect(host: string, port: number): Promise<RawControl> {
    if (!isLoopback(host)) throw new Error(`RawControl: ${host} is not loopback`);
    const socket = net.connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    const ctl = new RawControl(socket);
    await ctl.expect(220, "the greeting");
    return ctl;
  }

  private readonly onData = (chunk: Buffer) => {
    this.text += chunk.toString("latin1");
    for (;;) {
      const eol = this.text.indexOf("\r\n");
      if (eol === -1) break;
      const line = this.text.slice(0, eol);
      this.text = this.text.slice(eol + 2);
      this.transcript.push(line);
      if (this.transcript.length > 200) this.transcript.shift();
      if (!this.current) {
        this.current = { code: Number(line.slice(0, 3)), lines: [line] };
        if (line[3] === "-") continue;
      } else {
        this.current.lines.push(line);
        if (!(line.startsWith(`${this.current.code} `) || line === String(this.current.code))) continue;
      }
      this.replies.push(this.current);
      this.current = null;
    }
    this.waiter?.();
  };

  private listen(socket: net.Socket | tls.TLSSocket): void {
    socket.on("data", this.onData);
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** The next reply, or null when none comes within `ms` or the connection closes first. */
  async next(ms = 5000): Promise<RawReply | null> {
    const deadline = Date.now() + ms;
    while (!this.replies.length && !this.ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, deadline - Date.now());
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiter = done;
      });
      this.waiter = null;
    }
    return this.replies.shift() ?? null;
  }

  async expect(code: number | number[], why: string, ms = 5000): Promise<RawReply> {
    const r = await this.next(ms);
    const codes = Array.isArray(code) ? code : [code];
    if (!r || !codes.includes(r.code)) {
      throw new HarnessError(
        `Expected ${codes.join("/")} (${why}), got ${r ? r.lines.join(" | ") : this.ended ? "a closed connection" : `nothing within ${ms} ms`}\n  last lines: ${this.transcript.slice(-8).join(" | ")}`,
      );
    }
    return r;
  }

  async send(line: string, code: number | number[], why: string): Promise<RawReply> {
    this.write(line + "\r\n");
    return this.expect(code, why);
  }

  /** After "234": the TLS handshake over this same TCP connection (any certificate is accepted). */
  async startTls(): Promise<void> {
    this.tcp.off("data", this.onData);
    const secure = tls.connect({ socket: this.tcp as net.Socket, rejectUnauthorized: false });
    secure.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => resolve());
      secure.once("error", reject);
    });
    this.socket = secure;
    this.listen(secure);
  }

  /** PASV, parsed: the data port. */
  async pasv(): Promise<number> {
    const r = await this.send("PASV", 227, "PASV");
    const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(r.lines[0]!);
    if (!m) throw new HarnessError(`no address in ${r.lines[0]}`);
    return Number(m[5]) * 256 + Number(m[6]);
  }

  destroy(): void {
    this.socket.destroy();
    this.tcp.destroy();
  }
}

export async function connectTcp(host: string, port: number): Promise<net.Socket> {
  if (!isLoopback(host)) throw new Error(`connectTcp: ${host} is not loopback`);
  const socket = net.connect({ host, port });
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return socket;
}

/**
 * TLS (client side) over a TCP data connection through a stream of our own, so that the test
 * can still write raw bytes to the TCP socket after the handshake (garbage in the TLS stream).
 */
export async function tlsOverOwnStream(tcp: net.Socket): Promise<{ secure: tls.TLSSocket; rawWrite: (b: Buffer) => void }> {
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      if (tcp.destroyed) return cb();
      tcp.write(chunk, () => cb());
    },
    final(cb) {
      tcp.end();
      cb();
    },
  });
  tcp.on("data", (d: Buffer) => duplex.push(d));
  tcp.on("end", () => duplex.push(null));
  tcp.on("close", () => duplex.destroy());
  const secure = tls.connect({ socket: duplex, rejectUnauthorized: false });
  secure.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    secure.once("secureConnect", () => resolve());
    secure.once("error", reject);
  });
  return { secure, rawWrite: (b) => tcp.write(b) };
}
