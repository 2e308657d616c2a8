/**
 * A raw FTP control connection, for tests that care about exact bytes.
 *
 * basic-ftp is a real client and forgiving; this is the opposite: it shows precisely what the
 * server sent, refuses malformed replies with an explanation, records a transcript of control
 * and data connections, and remembers every line sent so a failure can print a `printf | nc`
 * line that replays the session.
 */
import net, { type Socket } from "node:net";
import { escapeBytes } from "./bytes.ts";
import {
  listenActive,
  connectData,
  readAll,
  type ActiveListener,
  type DataSocket,
} from "./data-socket.ts";
import { HarnessError } from "./errors.ts";
import { expectCode, explainFailure, reproLine, type ExplainContext } from "./explain.ts";
import { isLoopback, parseEpsv, parsePasv, type HostPort } from "./passive.ts";
import { ReplyParser, type Reply } from "./reply.ts";
import { Transcript, type TranscriptEntry, type TranscriptTextOptions } from "./transcript.ts";

export interface FtpSocketOptions {
  /** Time allowed for each reply (and for connecting plus the greeting). Default 10 s. */
  timeoutMs?: number;
  /** Share one transcript between several connections (e.g. to draw them in one diagram). */
  transcript?: Transcript;
  /**
   * Source address of the control connection (and of passive data connections), e.g.
   * "127.0.0.2" to play a client from another network: on Linux all of 127.0.0.0/8 is
   * loopback. Default: the OS's choice. Loopback addresses only.
   */
  localAddress?: string;
  /** The command that started the server, shown in failure messages (see ExplainContext.server). */
  server?: string;
  /**
   * Default true. False keeps no transcript and no history of sent lines (so no repro line in
   * errors either): for load tools whose sessions run for hours (tools/soak).
   */
  record?: boolean;
}

/** Why no more replies can come. Kept as data so each waiting call can word its own error. */
type Failure =
  | { kind: "protocol"; detail: string }
  | { kind: "closed-by-server"; partial: string }
  | { kind: "error"; code: string; partial: string }
  | { kind: "closed-by-test" };

interface Waiter {
  what: string;
  resolve(r: Reply): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const TRANSCRIPT_TAIL = 6;

export class FtpSocket {
  /** The server's first reply (usually 220; a 421 here means "go away", e.g. too many connections). */
  greeting!: Reply;
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  /** The source address asked for (FtpSocketOptions.localAddress), if any. */
  readonly localAddress: string | undefined;

  private readonly sock: Socket;
  private readonly log: Transcript;
  private readonly parser = new ReplyParser();
  private readonly queue: Reply[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: Failure | null = null;
  private connected = false;
  private readonly history: Array<string | Buffer> = [];
  private lastSent: string | Buffer | undefined;
  private readonly closedP: Promise<void>;
  private readonly cleanups: Array<() => unknown> = [];
  private ports = { localPort: 0, remotePort: 0 };
  private readonly serverCommand: string | undefined;
  private readonly record: boolean;

  private constructor(host: string, port: number, opts: FtpSocketOptions) {
    this.host = host;
    this.serverCommand = opts.server;
    this.port = port;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.record = opts.record ?? true;
    this.log = opts.transcript ?? new Transcript({ record: this.record });
    this.localAddress = opts.localAddress;
    // Listeners go on before any byte can arrive, so nothing is missed.
    this.sock = net.connect({ host, port, ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}) });
    this.sock.setNoDelay(true);
    this.sock.on("connect", () => {
      this.connected = true;
      this.ports = { localPort: this.sock.localPort ?? 0, remotePort: this.sock.remotePort ?? 0 };
      this.log.add({ conn: "control", dir: "C", bytes: Buffer.alloc(0), event: "open", text: "", ...this.ports });
    });
    this.sock.on("data", (chunk: Buffer) => this.onData(chunk));
    this.sock.on("end", () => {
      this.log.add({ conn: "control", dir: "S", bytes: Buffer.alloc(0), event: "close", text: "", ...this.ports });
    });
    this.sock.on("error", (err: NodeJS.ErrnoException) => {
      this.fail({ kind: "error", code: err.code ?? err.message, partial: this.parser.describePartial() });
    });
    this.closedP = new Promise<void>((resolve) => {
      this.sock.on("close", () => {
        this.fail({ kind: "closed-by-server", partial: this.parser.describePartial() });
        resolve();
      });
    });
  }

  /** Connect and read the greeting (whatever its code). */
  static async connect(host: string, port: number, opts: FtpSocketOptions = {}): Promise<FtpSocket> {
    if (opts.localAddress !== undefined && !isLoopback(opts.localAddress)) {
      throw new HarnessError(`FtpSocket.connect: localAddress ${opts.localAddress} is not a loopback address; the harness stays on loopback.`);
    }
    const ftp = new FtpSocket(host, port, opts);
    try {
      ftp.greeting = await ftp.waitReply(ftp.timeoutMs, "the greeting");
    } catch (err) {
      ftp.destroy();
      throw err;
    }
    return ftp;
  }

  private onData(chunk: Buffer): void {
    this.log.add({ conn: "control", dir: "S", bytes: chunk, ...this.ports });
    if (this.failure) return;
    const { replies, error } = this.parser.push(chunk);
    this.queue.push(...replies);
    if (error) this.fail({ kind: "protocol", detail: error });
    this.deliver();
  }

  /** Record the first reason the stream ended; later ones are consequences. */
  private fail(f: Failure): void {
    this.failure ??= f;
    this.deliver();
  }

  private deliver(): void {
    while (this.waiters.length && this.queue.length) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      w.resolve(this.queue.shift()!);
    }
    if (this.failure && this.queue.length === 0) {
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(this.failureError(w.what));
      }
    }
  }

  private where(): string {
    return `${this.host}:${this.port}`;
  }

  /** Last few transcript lines plus the repro line: the context every stream error gets. */
  private errorFooter(): string {
    const lines = this.log.text().split("\n").filter(Boolean).slice(-TRANSCRIPT_TAIL);
    const out = lines.length ? ["  transcript (last lines):", ...lines.map((l) => "    " + l)] : [];
    if (this.history.length) out.push(`  reproduce:  ${reproLine({ sent: "", host: this.host, port: this.port, history: this.history })}`);
    return out.length ? "\n" + out.join("\n") : "";
  }

  private failureError(what: string): HarnessError {
    const f = this.failure!;
    let head: string;
    switch (f.kind) {
      case "protocol":
        head = `Malformed reply (waiting for ${what}) from ${this.where()}: ${f.detail}`;
        break;
      case "closed-by-server":
        head = `The server at ${this.where()} closed the connection before a complete reply to ${what}; ${f.partial}.`;
        break;
      case "error":
        head = this.connected
          ? `The connection to ${this.where()} failed (${f.code}) while waiting for ${what}; ${f.partial}.`
          : `Could not connect to ${this.where()} (${f.code}). Is the server running and listening on that port?`;
        break;
      case "closed-by-test":
        head = `The test closed the connection to ${this.where()} while waiting for ${what}.`;
        break;
    }
    return new HarnessError(head + this.errorFooter());
  }

  private waitReply(timeoutMs: number, what: string): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        const head = this.connected
          ? `No complete reply to ${what} within ${timeoutMs} ms from ${this.where()}; ${this.parser.describePartial()}.`
          : `Could not connect to ${this.where()} within ${timeoutMs} ms.`;
        reject(new HarnessError(head + this.errorFooter()));
      }, timeoutMs);
      const w: Waiter = { what, resolve, reject, timer };
      this.waiters.push(w);
      this.deliver();
    });
  }

  private write(bytes: Buffer, original: string | Buffer): void {
    if (this.record) this.history.push(original);
    this.lastSent = original;
    if (this.failure || !this.sock.writable) return; // the pending read will explain why
    this.log.add({ conn: "control", dir: "C", bytes, ...this.ports });
    this.sock.write(bytes);
  }

  private label(line: string | Buffer): string {
    return `"${escapeBytes(line)}"`;
  }

  /**
   * Send a command and resolve with the next complete reply. Strings get CRLF appended;
   * Buffers are sent exactly as given. Note "next": a reply that arrived unasked (or one
   * left unread from an earlier sendRaw) is returned first.
   */
  send(line: string | Buffer, timeoutMs = this.timeoutMs): Promise<Reply> {
    const bytes = typeof line === "string" ? Buffer.from(line + "\r\n", "utf8") : line;
    this.write(bytes, line);
    return this.waitReply(timeoutMs, this.label(line));
  }

  /** Write bytes as they are (no CRLF added), without waiting for anything. */
  sendRaw(data: Buffer | string): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    this.write(bytes, bytes);
  }

  /** Wait for the next reply (e.g. the "226" that follows a "150" once a transfer ends). */
  readReply(timeoutMs = this.timeoutMs): Promise<Reply> {
    const what = this.lastSent === undefined ? "the greeting" : `the next reply after ${this.label(this.lastSent)}`;
    return this.waitReply(timeoutMs, what);
  }

  /** Send, then check the code with an FTP-aware explanation on mismatch. */
  async sendExpect(line: string | Buffer, expected: number | readonly number[], why?: string): Promise<Reply> {
    const reply = await this.send(line);
    return expectCode(reply, expected, this.context(why));
  }

  /** Everything sent on this control connection, in order (strings were sent with CRLF added). */
  sentLines(): Array<string | Buffer> {
    return [...this.history];
  }

  /** Context for explain.ts helpers: last command, address and full history (for the repro line). */
  context(why?: string): ExplainContext {
    return {
      sent: this.lastSent ?? "",
      host: this.host,
      port: this.port,
      history: this.sentLines(),
      ...(why ? { why } : {}),
      ...(this.serverCommand ? { server: this.serverCommand } : {}),
    };
  }

  /** PASV: expects 227 and returns the announced address. */
  async pasv(): Promise<HostPort> {
    const reply = await this.sendExpect("PASV", 227, 'PASV must be answered with "227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)"');
    const r = parsePasv(reply);
    if ("error" in r) {
      throw explainFailure(
        `Malformed PASV reply: ${r.error}.`,
        reply,
        this.context("the data port is p1*256+p2, and each of the six numbers must be 0-255"),
      );
    }
    return r;
  }

  /** EPSV (RFC 2428): expects 229 and returns the control host with the announced port. */
  async epsv(): Promise<HostPort> {
    const reply = await this.sendExpect("EPSV", 229, 'EPSV must be answered with "229 Entering Extended Passive Mode (|||port|)"');
    const r = parseEpsv(reply, this.host);
    if ("error" in r) {
      throw explainFailure(`Malformed EPSV reply: ${r.error}.`, reply, this.context("RFC 2428 format: (|||port|)"));
    }
    return r;
  }

  /**
   * PASV or EPSV, then connect to the announced address. `host` overrides the announced one
   * (e.g. when testing masquerade, where the reply names an outside address on purpose); the
   * harness refuses to connect anywhere but loopback.
   */
  async openPassiveData(mode: "PASV" | "EPSV" = "PASV", opts: { host?: string } = {}): Promise<DataSocket> {
    const hp = mode === "PASV" ? await this.pasv() : await this.epsv();
    const host = opts.host ?? hp.host;
    if (!isLoopback(host)) {
      throw explainFailure(
        `The ${mode} reply points at ${host}:${hp.port}, which is not a loopback address; the harness only connects to loopback. ` +
          `(Testing masquerade? Pass { host } to connect to the control host instead.)`,
        undefined,
        this.context(`the server should announce the address the client reached it on (${this.host}) unless masquerading`),
      );
    }
    // From the control connection's source address: the server refuses data connections from
    // any other address (RFC 2577), so a client playing 127.0.0.2 must use it here too.
    const ds = await connectData(host, hp.port, this.timeoutMs, this.log, this.localAddress);
    this.cleanups.push(() => ds.destroy());
    return ds;
  }

  /** A local listener for active mode: send `PORT ${l.portArg}` or `EPRT ${l.eprtArg}`, then `await l.accept()`. */
  async activeListener(host = "127.0.0.1"): Promise<ActiveListener> {
    const l = await listenActive(host, this.log, this.timeoutMs);
    this.cleanups.push(() => l.close());
    return l;
  }

  /** Read a data connection until the server closes it (idle timeout: this socket's timeoutMs). */
  readAll(socket: Socket | DataSocket, idleTimeoutMs = this.timeoutMs): Promise<Buffer> {
    return socket instanceof net.Socket ? readAll(socket, idleTimeoutMs) : socket.readAll(idleTimeoutMs);
  }

  transcript(): TranscriptEntry[] {
    return this.log.entries();
  }

  transcriptText(opts?: TranscriptTextOptions): string {
    return this.log.text(opts);
  }

  get localPort(): number {
    return this.ports.localPort;
  }

  /** True once the connection is gone (closed by either side, or failed). */
  get isClosed(): boolean {
    return this.sock.destroyed;
  }

  /** Resolves when the connection is closed (by the server, or by close()/destroy()). */
  closed(): Promise<void> {
    return this.closedP;
  }

  /** Send QUIT, return its reply (normally 221) and wait for the server to close the connection. */
  async quit(): Promise<Reply> {
    const reply = await this.send("QUIT");
    await Promise.race([this.closedP, new Promise((r) => setTimeout(r, this.timeoutMs).unref())]);
    this.destroy();
    return reply;
  }

  /** Close politely (FIN), give the server a moment, then make sure everything is gone. */
  async close(): Promise<void> {
    if (!this.sock.destroyed) {
      this.failure ??= { kind: "closed-by-test" };
      this.log.add({ conn: "control", dir: "C", bytes: Buffer.alloc(0), event: "close", text: "", ...this.ports });
      this.sock.end();
      const t = setTimeout(() => this.sock.destroy(), 1000);
      await this.closedP;
      clearTimeout(t);
    }
    this.destroy();
  }

  /** Vanish: reset (RST) the control connection, as a client that dies does, and drop everything this socket opened. */
  reset(): void {
    this.failure ??= { kind: "closed-by-test" };
    if (!this.sock.destroyed) this.sock.resetAndDestroy();
    this.destroy();
  }

  /** Drop the control connection and everything this socket opened (data sockets, listeners). */
  destroy(): void {
    this.failure ??= { kind: "closed-by-test" };
    this.sock.destroy();
    for (const c of this.cleanups.splice(0)) void c();
    this.deliver();
  }
}
