// The load client: as cheap as an FTP client can be, so that the server, not the client, is
// what the bench measures. Raw net sockets; downloads land in one shared 1 MiB buffer (the
// `onread` option: no Buffer per read, the bytes are only counted); uploads write the same
// immutable 1 MiB chunk again and again with backpressure; replies are parsed from latin1
// strings. Passive mode (PASV) only, binary type.
//
// Every socket is registered with a Tracker; a row that times out aborts its tracker, which
// destroys the sockets, so every pending promise rejects instead of hanging.

import net from "node:net";
import { parsePasvLine } from "../wire/passive.ts";

export interface Reply {
  code: number;
  text: string;
}

/** Sockets of one row, destroyed together when the row times out. */
export class Tracker {
  readonly sockets = new Set<net.Socket>();
  reason: Error | null = null;

  add(socket: net.Socket): net.Socket {
    if (this.reason) socket.destroy(this.reason);
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    return socket;
  }

  abort(reason: Error): void {
    this.reason = reason;
    for (const s of this.sockets) s.destroy(reason);
  }
}

/** Where downloaded bytes go: one buffer for every data socket (nothing keeps the bytes). */
const SINK = Buffer.allocUnsafe(1 << 20);

/** What uploads send: 1 MiB of a fixed pattern (not zeros, in case anything compresses). */
export const CHUNK: Buffer = (() => {
  const b = Buffer.allocUnsafe(1 << 20);
  let x = 0x12345678;
  for (let i = 0; i < b.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
})();

export class FtpReplyError extends Error {
  constructor(
    readonly command: string,
    readonly reply: Reply,
  ) {
    super(`${command ? `${command.split(" ")[0]}: ` : ""}${reply.code} ${reply.text}`.trim());
  }
}

export function connectSocket(options: net.NetConnectOpts, tracker: Tracker): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = tracker.add(net.connect(options));
    const onError = (err: Error) => reject(err);
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.off("error", onError);
      resolve(socket);
    });
  });
}

/**
 * No 220 after the TCP handshake. A server that speaks first and whose listen backlog
 * overflowed (vsftpd's is 32) may never have accepted a connection that the client sees as
 * open: with SYN cookies the server kept no state, so nothing will ever arrive.
 */
export class NoGreeting extends Error {
  constructor(ms: number) {
    super(`no greeting within ${ms / 1000} s`);
  }
}

/** One control connection. */
export class Control {
  private buffer = "";
  private multi: { code: number; lines: string[] } | null = null;
  private readonly replies: Reply[] = [];
  private waiter: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: net.Socket,
    readonly host: string,
  ) {
    socket.setNoDelay(true);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (err) => this.fail(err));
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.once("close", () => this.fail(new Error("control connection closed")));
  }

  /** Connects and waits for the greeting; a 4xx/5xx greeting (e.g. 421 too many) is an error. */
  static async connect(host: string, port: number, tracker: Tracker, greetingTimeoutMs = 0): Promise<Control> {
    const socket = await connectSocket({ host, port }, tracker);
    const control = new Control(socket, host);
    let timer: NodeJS.Timeout | undefined;
    if (greetingTimeoutMs > 0) timer = setTimeout(() => socket.destroy(new NoGreeting(greetingTimeoutMs)), greetingTimeoutMs);
    const greeting = await control.next().finally(() => clearTimeout(timer));
    if (greeting.code !== 220) {
      control.destroy();
      throw new FtpReplyError("connect", greeting);
    }
    return control;
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.charCodeAt(nl - 1) === 13 ? this.buffer.slice(0, nl - 1) : this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const code = Number(line.slice(0, 3));
    const isCode = line.length >= 3 && Number.isInteger(code) && code >= 100 && code < 600;
    if (this.multi) {
      this.multi.lines.push(line);
      if (isCode && code === this.multi.code && (line.length === 3 || line[3] === " ")) {
        const reply = { code, text: this.multi.lines.join("\n").slice(4) };
        this.multi = null;
        this.deliver(reply);
      }
      return;
    }
    if (!isCode) return; // stray text between replies: ignore
    if (line[3] === "-") this.multi = { code, lines: [line] };
    else this.deliver({ code, text: line.slice(4) });
  }

  private deliver(reply: Reply): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w.resolve(reply);
    } else this.replies.push(reply);
  }

  /** The next reply (preliminary ones included). */
  next(): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`, "latin1");
  }

  /** Sends a command and returns its reply; a code outside `expect` is an error. */
  async cmd(line: string, expect: readonly number[]): Promise<Reply> {
    this.send(line);
    const reply = await this.next();
    if (!expect.includes(reply.code)) throw new FtpReplyError(line, reply);
    return reply;
  }

  async login(user = "anonymous", password = "bench@ftp-lab.invalid"): Promise<void> {
    const r = await this.cmd(`USER ${user}`, [230, 331]);
    if (r.code === 331) await this.cmd(`PASS ${password}`, [230]);
    await this.cmd("TYPE I", [200]);
  }

  /** PASV; the address in the reply (0.0.0.0 means: the control connection's host). */
  async passive(): Promise<{ host: string; port: number }> {
    const r = await this.cmd("PASV", [227]);
    const hp = parsePasvLine(`${r.code} ${r.text}`);
    if ("error" in hp) throw new FtpReplyError("PASV", r);
    return { host: hp.host === "0.0.0.0" ? this.host : hp.host, port: hp.port };
  }

  /** QUIT, then waits for the server to close the connection. */
  async quit(): Promise<void> {
    await this.cmd("QUIT", [221]);
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A connection whose incoming bytes are only counted (into the shared sink buffer). */
export async function connectSink(
  address: { host: string; port: number },
  tracker: Tracker,
): Promise<{ socket: net.Socket; bytes: () => number; ended: Promise<void> }> {
  let bytes = 0;
  const socket = await connectSocket(
    {
      ...address,
      onread: {
        buffer: SINK,
        callback: (n: number) => {
          bytes += n;
          return true;
        },
      },
    },
    tracker,
  );
  const ended = new Promise<void>((resolve, reject) => {
    socket.once("end", () => resolve());
    socket.once("close", () => resolve());
    socket.once("error", reject);
  });
  ended.catch(() => {}); // the caller awaits it, or gives up on the transfer
  return { socket, bytes: () => bytes, ended };
}

/** Downloads `path` (or lists it, with command LIST); resolves to the number of bytes received. */
export async function retrieve(control: Control, path: string, tracker: Tracker, command = "RETR"): Promise<number> {
  const address = await control.passive();
  const data = await connectSink(address, tracker);
  try {
    await control.cmd(`${command}${path ? ` ${path}` : ""}`, [125, 150]);
    const [, done] = await Promise.all([data.ended, control.next()]);
    if (done.code !== 226 && done.code !== 250) throw new FtpReplyError(command, done);
    return data.bytes();
  } finally {
    data.socket.destroy();
  }
}

/** Writes `size` bytes of CHUNK with backpressure, then ends the socket. */
export function writeBytes(socket: net.Socket, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = size;
    socket.once("error", reject);
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length);
        left -= n;
        if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
          socket.once("drain", pump);
          return;
        }
      }
      socket.end(() => resolve());
    };
    pump();
  });
}

/** Uploads `size` bytes of the pattern as `path`. */
export async function store(control: Control, path: string, size: number, tracker: Tracker): Promise<void> {
  const address = await control.passive();
  const data = await connectSocket(address, tracker);
  try {
    data.on("data", () => {}); // nothing is expected, but never let the socket stall
    await control.cmd(`STOR ${path}`, [125, 150]);
    await writeBytes(data, size);
    const done = await control.next();
    if (done.code !== 226 && done.code !== 250) throw new FtpReplyError("STOR", done);
  } finally {
    data.destroy();
  }
}

/** How long a client waits for the greeting before it connects again, and how often. */
export const GREETING_TIMEOUT_MS = 2000;
export const CONNECT_ATTEMPTS = 5;

/**
 * Opens `count` sessions at once and logs each in; failures are collected, not thrown. A
 * connection that gets no greeting in GREETING_TIMEOUT_MS is dropped and made again (as a
 * client with a timeout would), up to CONNECT_ATTEMPTS times; `retries` counts those.
 */
export async function openSessions(
  host: string,
  port: number,
  count: number,
  tracker: Tracker,
): Promise<{ sessions: Control[]; errors: Error[]; retries: number }> {
  let retries = 0;
  const connect = async (): Promise<Control> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Control.connect(host, port, tracker, GREETING_TIMEOUT_MS);
      } catch (err) {
        if (!(err instanceof NoGreeting) || attempt >= CONNECT_ATTEMPTS || tracker.reason) throw err;
        retries++;
      }
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: count }, async () => {
      const c = await connect();
      try {
        await c.login();
      } catch (err) {
        c.destroy();
        throw err;
      }
      return c;
    }),
  );
  return { ...collect(settled), retries };
}

export function collect<T>(settled: PromiseSettledResult<T>[]): { sessions: T[]; errors: Error[] } {
  const sessions: T[] = [];
  const errors: Error[] = [];
  for (const s of settled) {
    if (s.status === "fulfilled") sessions.push(s.value);
    else errors.push(s.reason instanceof Error ? s.reason : new Error(String(s.reason)));
  }
  return { sessions, errors };
}

/** "3/200 failed: 421 Too many connections (2×); ECONNRESET (1×)" */
export function describeErrors(errors: readonly Error[], total: number): string {
  const counts = new Map<string, number>();
  for (const e of errors) {
    const code = (e as NodeJS.ErrnoException).code;
    const text = (code && !e.message.includes(code) ? `${code} ${e.message}` : e.message).replace(/\s+/g, " ").slice(0, 100);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
  return `${errors.length}/${total} failed: ${top.map(([t, n]) => (n > 1 ? `${t} (${n}×)` : t)).join("; ")}`;
}
