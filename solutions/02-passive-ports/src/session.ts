// One client's control connection, from the 220 greeting to QUIT.
//
//   S: 220 ftp-lab FTP server ready.
//   C: USER anna
//   S: 331 Password required for anna.
//   C: PASS s3cret
//   S: 230 Login successful.
//
// Lines are read as they come and queued; commands run one at a time, in order, each with
// exactly one final reply. The data connection the client prepared (PASV) and the transfer
// that runs on it are kept by session/data-connections.ts.

import type { Socket } from "node:net";
import type { Account } from "./auth/authorizer.ts";
import type { CommandSpec } from "./commands/spec.ts";
import { plainIp } from "./data/address.ts";
import type { Jail } from "./fs/jail.ts";
import type { Fields, Level } from "./log.ts";
import type { ServerOptions } from "./options.ts";
import type { Storage } from "./storage/storage.ts";
import { isUnexpected, toFtpError } from "./storage/errors.ts";
import type { Codec } from "./protocol/codec.ts";
import { parseCommandLine } from "./protocol/command-line.ts";
import { LineReader, type LineEvent } from "./protocol/line-reader.ts";
import { FtpError, formatReply, isFinal } from "./protocol/reply.ts";
import { DataConnections, type TransferWork } from "./session/data-connections.ts";

/** What a session needs from the server that owns it. */
export interface SessionHost {
  readonly options: ServerOptions;
  readonly commands: ReadonlyMap<string, CommandSpec>;
  sessionClosed(session: Session): void;
  /** Counts a failed login from this address (by `from`); true when the address is now banned. */
  loginFailed(ip: string, from?: Session): boolean;
  /** Is this address banned (too many failed logins)? */
  isBanned(ip: string): boolean;
}

/** How long a closing connection may linger before we drop it. */
const CLOSE_GRACE_MS = 5_000;

let nextId = 1;

export class Session {
  readonly id = nextId++;
  readonly remoteIp: string;
  readonly localIp: string;
  readonly options: ServerOptions;

  // Login state.
  account: Account | null = null;
  jail: Jail | null = null;
  /** The user's files (storage/storage.ts), on virtual paths: what the commands act through. */
  storage: Storage | null = null;
  pendingUser: string | null = null;
  failedLogins = 0;

  // Where the client stands, and how files travel.
  cwd = "/";
  type: "A" | "I" = "A";
  /** How this session's commands and replies are encoded (the server's, until OPTS UTF8 changes it). */
  codec: Codec;
  /** The prepared data connection and the running transfer. */
  readonly dataConnections: DataConnections;
  /** REST's offset for the next RETR or STOR (the transfer commands read it in every stage). */
  restOffset = 0;
  /** After "EPSV ALL" (RFC 2428 section 4) only EPSV may set up data connections. */
  epsvAll = false;

  private readonly reader: LineReader;
  private readonly queue: LineEvent[] = [];
  private busy = false;
  private closed = false;
  private inputHolds = 0;
  private finalReplies = 0;

  constructor(
    private readonly host: SessionHost,
    /** The control connection (a TLSSocket once AUTH TLS succeeded). */
    public control: Socket,
  ) {
    this.options = host.options;
    this.remoteIp = plainIp(control.remoteAddress);
    this.localIp = plainIp(control.localAddress);
    this.codec = this.options.codec;
    this.reader = new LineReader(this.options.maxLineLength);
    this.dataConnections = new DataConnections(this);
  }

  start(): void {
    const { control } = this;
    control.setNoDelay(true);
    this.readFrom(control);
    control.on("close", () => this.onClosed());
    this.log("info", "connected", { remote: this.remoteIp });
    this.reply(220, this.options.banner);
  }

  /** Commands come from this socket (the TCP one, or the TLS one after AUTH TLS). */
  readFrom(socket: Socket): void {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.log("verbose", "control connection error", { error: err.message }));
  }

  // ---- replies and logging ---------------------------------------------------------------

  reply(code: number, text: string | readonly string[]): void {
    if (this.closed || this.control.writableEnded) return;
    if (isFinal(code)) this.finalReplies++;
    const wire = formatReply(code, text);
    if (this.options.log.enabled("debug")) this.log("debug", "reply", { text: wire.trimEnd() });
    this.control.write(this.codec.encode(wire));
  }

  get commands(): ReadonlyMap<string, CommandSpec> {
    return this.host.commands;
  }

  log(level: Level, message: string, fields?: Fields): void {
    if (!this.options.log.enabled(level)) return;
    this.options.log.log(level, message, { session: this.id, user: this.account?.name, ...fields });
  }

  // ---- reading and running commands ------------------------------------------------------

  private onData(chunk: Buffer): void {
    let events = this.reader.push(chunk);
    this.queue.push(...events);
    void this.pump();
  }

  /** Runs the queued lines one after the other; a line waits until the one before is answered. */
  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length && !this.closed) {
      const event = this.queue.shift()!;
      await this.execute(event);
    }
    this.busy = false;
  }

  /** One line, one final reply: the checks the command table allows, then the handler. */
  private async execute(event: LineEvent): Promise<void> {
    const line = event.kind === "line" ? this.codec.decode(event.bytes) : "";
    const { verb, arg } = parseCommandLine(line);
    if (event.kind === "overlong") {
      this.log("warn", "command line too long", { limit: this.options.maxLineLength });
      this.reply(500, `Command line too long (the limit is ${this.options.maxLineLength} bytes).`);
      return;
    }
    if (this.options.log.enabled("verbose")) {
      this.log("verbose", "command", { line: verb === "PASS" ? "PASS ******" : line });
    }
    const spec = this.host.commands.get(verb);
    const before = this.finalReplies;
    try {
      if (verb === "") throw new FtpError(500, "Empty command line.");
      if (!spec) throw new FtpError(500, `Unknown command ${JSON.stringify(verb.slice(0, 20))}.`);
      if (spec.auth && !this.account) throw new FtpError(530, "Log in with USER and PASS first.");
      if (spec.arg === "required" && arg.trim() === "") throw new FtpError(501, `Missing argument. ${spec.help}`);
      if (spec.arg === "none" && arg.trim() !== "") throw new FtpError(501, `${spec.name} takes no argument.`);
      await spec.handler(this, arg);
    } catch (err) {
      if (isUnexpected(err)) this.log("error", "command failed", { command: verb, error: String(err) });
      const reply = toFtpError(err);
      this.reply(reply.code, reply.message);
    }
    if (this.finalReplies === before && !this.closed) {
      // A handler that forgot to answer is a bug; the client must still get its reply.
      this.log("error", "no reply sent", { command: verb });
      this.reply(451, "Internal error: no reply.");
    }
  }

  /** Stop reading from the client (the bad-password delay, a full queue); nests. */
  pauseInput(): void {
    if (this.inputHolds++ === 0) this.control.pause();
  }

  resumeInput(): void {
    if (--this.inputHolds === 0 && !this.closed) {
      this.control.resume();
    }
  }

  // ---- login -----------------------------------------------------------------------------

  requireAccount(): Account {
    if (!this.account || !this.jail) throw new FtpError(530, "Log in with USER and PASS first.");
    return this.account;
  }

  loginFailed(): boolean {
    return this.host.loginFailed(this.remoteIp, this);
  }

  /** Whether this session's address is banned now (it may not log in). */
  get banned(): boolean {
    return this.host.isBanned(this.remoteIp);
  }

  // ---- data connections and transfers (session/data-connections.ts) ----------------------

  /** The data connection PASV (or PORT) prepared for the next transfer. */
  get data() {
    return this.dataConnections.pending;
  }

  /** The transfer running now, if any. */
  get transfer() {
    return this.dataConnections.running;
  }

  /** Replaces the prepared data connection (closing the old one); null forgets it. */
  setDataChannel(...args: Parameters<DataConnections["prepare"]>): void {
    this.dataConnections.prepare(...args);
  }

  /** One transfer over the prepared data connection: 150, the work, 226 (or 425, 426...). */
  runTransfer(...args: Parameters<TransferWork>): Promise<void> {
    return this.dataConnections.run(...args);
  }

  /** The throttle stages for a transfer in this direction (none without a rate limit). */
  throttle(direction: "upload" | "download") {
    return this.dataConnections.throttle(direction);
  }

  // ---- closing ---------------------------------------------------------------------------

  /** Says goodbye (if given a reply) and closes the control connection. */
  close(code?: number, text?: string): void {
    if (this.closed) return;
    if (code !== undefined && text !== undefined) this.reply(code, text);
    this.closed = true;
    this.queue.length = 0;
    this.control.end();
    // A client that never closes its side must not hold the socket forever.
    setTimeout(() => this.control.destroy(), CLOSE_GRACE_MS).unref();
    this.cleanup();
  }

  /** Forgets the login and all state, as after REIN. */
  resetState(): void {
    this.dataConnections.reset();
    this.account = null;
    this.jail = null;
    this.storage = null;
    this.pendingUser = null;
    this.cwd = "/";
    this.type = "A";
    this.restOffset = 0;
    this.epsvAll = false;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onClosed(): void {
    if (!this.closed) {
      this.closed = true;
      this.cleanup();
    }
  }

  private cleanupDone = false;
  private cleanup(): void {
    if (this.cleanupDone) return;
    this.cleanupDone = true;
    this.dataConnections.reset();
    this.log("info", "disconnected");
    this.host.sessionClosed(this);
  }
}
