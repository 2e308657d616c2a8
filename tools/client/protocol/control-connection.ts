// The control connection: command lines out, replies back, strictly one after the other.
//
//   const control = await ControlConnection.open({ host: "127.0.0.1", port: 2121, ... }, trace);
//   await control.read()                 -> { code: 220, message: "ftp-lab FTP server ready." }
//   await control.command("USER anna")   -> { code: 331, ... }   trace: "C: USER anna", "S: 331 ..."
//   await control.command("PASS s3cret") -> { code: 230, ... }   trace: "C: PASS ******", "S: 230 ..."
//   await control.startTls()             after "234" to AUTH TLS: the same conversation, encrypted
//
// Replies are queued as they arrive, so a reply that comes early (a 226 before the client has
// finished reading the data connection) waits for its reader instead of being lost. When the
// connection closes, every waiting and future read fails with a ConnectionError.

import type net from "node:net";
import type { TLSSocket } from "node:tls";
import { dial } from "./dial.ts";
import { ConnectionError, UsageError } from "./errors.ts";
import { ReplyParser, type Reply } from "./reply-parser.ts";
import { connectImplicit, describeTls, secureSocket, type TlsSettings } from "./tls-upgrade.ts";
import { maskSecrets, type Trace } from "./trace.ts";

export interface ControlTarget {
  host: string;
  port: number;
  /** TLS from the first byte (ftps://). */
  implicitTls: boolean;
  tls: TlsSettings;
  timeoutMs: number;
}

interface Waiter {
  resolve(reply: Reply): void;
  reject(err: Error): void;
}

export class ControlConnection {
  private readonly parser = new ReplyParser();
  private readonly replies: Reply[] = [];
  private readonly waiters: Waiter[] = [];
  private closedBy: Error | null = null;
  private readonly onData = (chunk: Buffer) => this.received(chunk);
  private readonly onEnd = () => this.lost(new ConnectionError("the server closed the control connection"));
  private readonly onError = (err: Error) => this.lost(new ConnectionError(`control connection: ${err.message}`));

  private constructor(
    private socket: net.Socket,
    readonly target: ControlTarget,
    public trace: Trace,
  ) {
    this.attach(socket);
  }

  /** Connect (and for ftps:// do the TLS handshake); the 220 greeting is the first read(). */
  static async open(target: ControlTarget, trace: Trace): Promise<ControlConnection> {
    trace("D", `connecting to ${target.host}:${target.port}${target.implicitTls ? " (implicit TLS)" : ""}`);
    let socket: net.Socket;
    try {
      socket = target.implicitTls ? await connectImplicit(target.port, target.tls) : await dial(target.host, target.port, target.timeoutMs);
    } catch (err) {
      throw new ConnectionError(`cannot connect to ${target.host}:${target.port}: ${(err as Error).message}`);
    }
    trace("D", `control connection from ${socket.localAddress}:${socket.localPort}`);
    if (target.implicitTls) trace("T", `${describeTls(socket as TLSSocket, target.tls)} on the control connection`);
    return new ControlConnection(socket, target, trace);
  }

  get closed(): boolean {
    return this.closedBy !== null;
  }
  get secure(): TLSSocket | null {
    return "encrypted" in this.socket ? (this.socket as TLSSocket) : null;
  }
  /** Our end of the control connection: active mode listens on this address. */
  get localAddress(): string {
    return this.socket.localAddress ?? "127.0.0.1";
  }
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? this.target.host;
  }

  /** Send one command line (without CRLF). Names with line breaks cannot be sent at all. */
  send(line: string): void {
    if (/[\r\n]/.test(line)) throw new UsageError("a command or name cannot contain a line break");
    if (this.closedBy) throw this.closedBy;
    this.trace("C", maskSecrets(line));
    this.socket.write(`${line}\r\n`);
  }

  /**
   * The next reply. `timeoutMs` (default: the target's) bounds the wait; Infinity waits
   * as long as it takes (the final reply of a long transfer).
   */
  read(timeoutMs = this.target.timeoutMs): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closedBy) return Promise.reject(this.closedBy);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i !== -1) this.waiters.splice(i, 1);
          // The conversation is out of step now: a late reply would be taken for the next one.
          const err = new ConnectionError(`no reply from the server within ${timeoutMs / 1000} s`);
          this.lost(err);
          this.socket.destroy();
          reject(err);
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** send + read: the first reply to the command (for RETR that is the 150). */
  async command(line: string, timeoutMs?: number): Promise<Reply> {
    this.send(line);
    return this.read(timeoutMs);
  }

  /** After "234" to AUTH TLS: the TLS handshake on this socket, then carry on encrypted. */
  async startTls(): Promise<void> {
    const raw = this.socket;
    this.detach(raw);
    try {
      this.socket = await secureSocket(raw, this.target.tls, "control connection");
    } catch (err) {
      this.lost(new ConnectionError(`TLS on the control connection failed: ${(err as Error).message}`));
      raw.destroy();
      throw this.closedBy;
    }
    this.attach(this.socket);
    this.trace("T", `${describeTls(this.socket as TLSSocket, this.target.tls)} on the control connection`);
  }

  /** QUIT politely (short wait for 221), then close. */
  async quit(): Promise<void> {
    if (this.closedBy) return;
    try {
      await this.command("QUIT", 3000);
    } catch {
      // closing anyway
    }
    this.close();
  }

  close(): void {
    this.lost(new ConnectionError("the control connection was closed"));
    this.socket.destroy();
  }

  private attach(socket: net.Socket): void {
    socket.on("data", this.onData);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
    socket.on("error", this.onError);
  }

  private detach(socket: net.Socket): void {
    socket.off("data", this.onData);
    socket.off("end", this.onEnd);
    socket.off("close", this.onEnd);
    socket.off("error", this.onError);
  }

  private received(chunk: Buffer): void {
    let replies: Reply[];
    try {
      replies = this.parser.push(chunk);
    } catch (err) {
      this.lost(new ConnectionError(`the server does not speak FTP: ${(err as Error).message}`));
      this.socket.destroy();
      return;
    }
    for (const reply of replies) {
      for (const line of reply.lines) this.trace("S", line);
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(reply);
      else this.replies.push(reply);
      // 421: the server is closing the session (idle timeout, shutting down).
      if (reply.code === 421) this.lost(new ConnectionError(`the server closed the session: 421 ${reply.message}`));
    }
  }

  private lost(err: ConnectionError): void {
    if (this.closedBy) return;
    this.closedBy = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}
