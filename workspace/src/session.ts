// One client's control connection, from the 220 greeting to QUIT.
//
//   S: 220 ftp-lab FTP server ready.
//   C: USER anna
//   S: 331 Password required for anna.
//   C: PASS s3cret
//   S: 230 Login successful.
//
// Lines are read as they come and queued; commands run one at a time, in order, each with
// exactly one final reply. While a transfer runs, ABOR and STAT go to a small queue of their
// own and run beside it (they must reach a busy transfer); everything else waits for the
// transfer to end, so QUIT during a download lets the download finish first. Both queues wait
// for the client to read its replies, and stop reading when full.

import { once } from "node:events";
import type { OnReadOpts, Socket } from "node:net";
import type { Account } from "./auth/authorizer.ts";
import type { CommandSpec } from "./commands/spec.ts";
import type { DataChannel } from "./data/channel.ts";
import { plainIp } from "./data/address.ts";
import type { Jail } from "./fs/jail.ts";
import type { Fields, Level } from "./log.ts";
import type { ServerOptions } from "./options.ts";
import type { Storage } from "./storage/storage.ts";
import { isUnexpected, toFtpError } from "./storage/errors.ts";
import type { Codec } from "./protocol/codec.ts";
import { parseCommandLine } from "./protocol/command-line.ts";
import { LineReader, type LineEvent } from "./protocol/line-reader.ts";
import { FtpError, formatReply, isFinal, oneLine } from "./protocol/reply.ts";
import { Throttle, TokenBucket } from "./transfer/throttle.ts";
import { Transfer, isConnectionError } from "./transfer/transfer.ts";

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

/** Lines waiting to run before we stop reading from a client that pipelines too much. */
const MAX_QUEUED_LINES = 64;
/** Urgent lines (ABOR, STAT) waiting beside a transfer before we stop reading. */
const MAX_URGENT_LINES = 8;
/** The longest a command line may take to arrive (less when the idle timeout is shorter). */
const LINE_DEADLINE_SEC = 60;
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

  // Transfer parameters.
  cwd = "/";
  type: "A" | "I" = "A";
  restOffset = 0;
  renameFrom: { vpath: string } | null = null;
  data: DataChannel | null = null;
  transfer: Transfer | null = null;
  utf8 = true;
  /** How this session's commands and replies are encoded (the server's, until OPTS UTF8 changes it). */
  codec: Codec;
  /** After "EPSV ALL" (RFC 2428 section 4) only EPSV may set up data connections. */
  epsvAll = false;
  mlstFacts = new Set(["type", "size", "modify", "perm", "unix.mode"]);

  private readonly reader: LineReader;
  private readonly queue: Array<LineEvent> = [];
  private busy = false;
  /** Urgent lines read during a transfer, each with the number of queued lines read before it. */
  private readonly urgentQueue: Array<{ event: LineEvent; after: number }> = [];
  private urgentBusy = false;
  /** Lines ever put in `queue`, and taken from it: where an urgent line stands among them. */
  private queuedCount = 0;
  private takenCount = 0;
  /** When the line being read began to arrive; null when no line is half-read. */
  private lineStarted: number | null = null;
  private lineTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private inputHolds = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  /** When the session last became idle (nothing queued, nothing running); null while it works. */
  private idleSince: number | null = null;
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
  }

  start(): void {
    const { control } = this;
    control.setNoDelay(true);
    this.readFrom(control);
    control.on("close", () => this.onClosed());
    this.log("info", "connected", { remote: this.remoteIp });
    this.reply(220, this.options.banner);
    this.becameIdle();
  }

  /** Commands come from this socket (the TCP one, or the TLS one after AUTH TLS). */
  private readFrom(socket: Socket): void {
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

  /** The first line of a multi-line reply whose body is written with writeContinuation. */
  replyPart(code: number, text: string): void {
    if (this.closed || this.control.writableEnded) return;
    this.control.write(this.codec.encode(`${code}-${oneLine(text)}\r\n`));
  }

  /** Body lines of a long multi-line reply, waiting when the client reads slowly. */
  async writeContinuation(chunk: Buffer): Promise<void> {
    if (this.closed || this.control.writableEnded) throw new FtpError(426, "Connection closed.");
    if (!this.control.write(chunk)) await once(this.control, "drain");
  }

  get commands(): ReadonlyMap<string, CommandSpec> {
    return this.host.commands;
  }

  log(level: Level, message: string, fields?: Fields): void {
    if (!this.options.log.enabled(level)) return;
    this.options.log.log(level, message, { session: this.id, user: this.account?.name, ...fields });
  }

  // ---- reading commands ------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    const events = this.reader.push(chunk);
    this.watchLine(events.length > 0);
    // Only complete commands keep a session alive: a client that dribbles a byte now and then
    // is idle all the same.
    if (!events.length) return;
    this.idleSince = null;
    for (const event of events) {
      if (event.kind === "line" && this.transfer && this.isUrgent(event.bytes)) {
        this.urgentQueue.push({ event, after: this.queuedCount });
        continue;
      }
      this.queue.push(event);
      this.queuedCount++;
    }
    // A full queue stops reading, except while a transfer runs: then ABOR and STAT must stay
    // readable behind pipelined lines, so only a much longer queue stops it.
    if (this.queue.length > (this.transfer ? MAX_QUEUED_LINES * 4 : MAX_QUEUED_LINES)) this.holdInput();
    if (this.urgentQueue.length > MAX_URGENT_LINES) this.holdInputForUrgent();
    if (this.urgentQueue.length) void this.pumpUrgent();
    void this.pump();
  }

  /**
   * Urgent lines run one at a time beside the transfer, each waiting, like the queue, until the
   * client has read its reply: a client that sends STAT after STAT and reads nothing must not
   * make us buffer replies without end.
   */
  private async pumpUrgent(): Promise<void> {
    if (this.urgentBusy) return;
    this.urgentBusy = true;
    while (this.urgentQueue.length && !this.closed) {
      await this.execute(this.urgentQueue.shift()!.event);
      if (this.control.writableNeedDrain && !this.closed) await this.drained();
      if (this.inputHeldForUrgent && this.urgentQueue.length <= MAX_URGENT_LINES / 2) this.releaseUrgentHold();
    }
    this.urgentBusy = false;
  }

  /**
   * The transfer is over: urgent lines still waiting are ordinary ones now; they join the
   * queue where they were read, so replies keep the order of the commands.
   */
  private requeueUrgent(): void {
    let inserted = 0;
    for (const { event, after } of this.urgentQueue.splice(0)) {
      this.queue.splice(Math.max(0, after - this.takenCount) + inserted++, 0, event);
      this.queuedCount++;
    }
    if (this.inputHeldForUrgent) this.releaseUrgentHold();
  }

  private isUrgent(bytes: Buffer): boolean {
    const { verb } = parseCommandLine(this.codec.decode(bytes));
    return this.host.commands.get(verb)?.urgent === true;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length && !this.closed) {
      const event = this.queue.shift()!;
      this.takenCount++;
      if (this.queue.length <= MAX_QUEUED_LINES / 2 && this.inputHeldForQueue) this.releaseQueueHold();
      await this.execute(event);
      // A client that does not read its replies must not make us buffer them without end:
      // the next command waits until the socket has taken what we wrote (and the queue,
      // full, stops reading).
      if (this.control.writableNeedDrain && !this.closed) await this.drained();
    }
    this.busy = false;
    this.becameIdle();
  }

  private drained(): Promise<void> {
    const control = this.control;
    return new Promise((resolve) => {
      const done = () => {
        control.off("drain", done);
        control.off("close", done);
        resolve();
      };
      control.once("drain", done);
      control.once("close", done);
    });
  }

  private inputHeldForQueue = false;
  private holdInput(): void {
    if (this.inputHeldForQueue) return;
    this.inputHeldForQueue = true;
    this.pauseInput();
  }
  private releaseQueueHold(): void {
    this.inputHeldForQueue = false;
    this.resumeInput();
  }
  private inputHeldForUrgent = false;
  private holdInputForUrgent(): void {
    if (this.inputHeldForUrgent) return;
    this.inputHeldForUrgent = true;
    this.pauseInput();
  }
  private releaseUrgentHold(): void {
    this.inputHeldForUrgent = false;
    this.resumeInput();
  }

  /** Stop reading from the client (the bad-password delay, a full queue); nests. */
  pauseInput(): void {
    if (this.inputHolds++ === 0) this.control.pause();
  }
  resumeInput(): void {
    if (--this.inputHolds === 0 && !this.closed) {
      this.control.resume();
      // A half-read line's deadline counts from now: the client could not send while we did not read.
      if (this.lineStarted !== null) this.lineStarted = Date.now();
    }
  }

  // ---- the deadline for a whole command line ----------------------------------------------

  /** After a chunk: is a line half-read now, and since when? (`completed`: the chunk ended lines.) */
  private watchLine(completed: boolean): void {
    if (!this.reader.partial) {
      this.lineStarted = null;
      return;
    }
    if (this.lineStarted === null || completed) this.lineStarted = Date.now();
    if (!this.lineTimer) this.setLineTimer(this.lineLimitSec() * 1000);
  }

  /** min(idle timeout, 60 s); 60 s when there is no idle timeout. */
  private lineLimitSec(): number {
    const idle = this.options.idleTimeoutSec;
    return idle > 0 ? Math.min(idle, LINE_DEADLINE_SEC) : LINE_DEADLINE_SEC;
  }

  private setLineTimer(ms: number): void {
    this.lineTimer = setTimeout(this.lineCheck, ms);
    this.lineTimer.unref();
  }

  private readonly lineCheck = (): void => {
    this.lineTimer = null;
    if (this.closed || this.lineStarted === null) return;
    const limitSec = this.lineLimitSec();
    // Not reading (a full queue, the wrong-password delay): the client cannot finish its line.
    if (this.inputHolds > 0) return this.setLineTimer(limitSec * 1000);
    const left = this.lineStarted + limitSec * 1000 - Date.now();
    if (left > 0) return this.setLineTimer(left);
    this.log("warn", "command line not completed in time", { seconds: limitSec });
    this.close(421, `Command line not completed within ${limitSec} seconds; closing control connection.`);
  };

  private async execute(event: LineEvent): Promise<void> {
    if (event.kind === "overlong") {
      this.renameFrom = null;
      this.log("warn", "command line too long", { limit: this.options.maxLineLength });
      this.reply(500, `Command line too long (the limit is ${this.options.maxLineLength} bytes).`);
      return;
    }
    const line = this.codec.decode(event.bytes);
    const { verb, arg } = parseCommandLine(line);
    // RNTO must come right after RNFR (RFC 959 section 4.1.3): any other line cancels it,
    // even one that fails.
    if (verb !== "RNTO") this.renameFrom = null;
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

  // ---- paths -----------------------------------------------------------------------------

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

  // ---- data connections and transfers ----------------------------------------------------

  private uploadBucket: TokenBucket | null = null;
  private downloadBucket: TokenBucket | null = null;

  /**
   * The stages to put between source and destination of a transfer: a throttle when the
   * operator set a rate limit for that direction, nothing otherwise.
   */
  throttle(direction: "upload" | "download"): Throttle[] {
    if (direction === "upload") {
      if (!this.options.readLimit) return [];
      this.uploadBucket ??= new TokenBucket(this.options.readLimit);
      return [new Throttle(this.uploadBucket)];
    }
    if (!this.options.writeLimit) return [];
    this.downloadBucket ??= new TokenBucket(this.options.writeLimit);
    return [new Throttle(this.downloadBucket)];
  }

  setDataChannel(channel: DataChannel | null): void {
    this.data?.close();
    this.data = channel;
  }

  /**
   * Runs one transfer over the prepared data connection: 150 (or 125), the work, then 226;
   * or 425 when no connection comes, 426 when it breaks or ABOR arrives, 4xx/5xx on a disk
   * error. The data connection is used once and closed.
   */
  async runTransfer(
    command: string,
    path: string,
    opening: string | { exact: string },
    work: (socket: Socket, transfer: Transfer) => Promise<void>,
    /** Runs after the work, before the final reply: close files, remove a file never written. */
    finish?: (connected: boolean) => Promise<void>,
    /** An upload's own buffers for the data socket to read into (transfer/receive-file.ts). */
    onread?: OnReadOpts,
  ): Promise<void> {
    const channel = this.data;
    if (!channel) {
      await finish?.(false);
      throw new FtpError(425, "Use PASV, EPSV, PORT or EPRT first.");
    }
    this.data = null;
    const transfer = new Transfer(command, path, channel);
    this.transfer = transfer;
    let final: FtpError;
    let result = "ok";
    try {
      const text = typeof opening === "object" ? opening.exact : `${channel.connected ? "Data connection already open" : "Opening data connection"}; ${opening}`;
      this.reply(channel.connected ? 125 : 150, text);
      let socket = await Promise.race([channel.connect(onread), transfer.aborted]);
      transfer.socket = socket;
      // A transfer that makes no progress for this long is cut (a vanished or stuck client).
      if (this.options.dataTimeoutSec) {
        socket.setTimeout(this.options.dataTimeoutSec * 1000, () => {
          transfer.timedOut = true;
          socket.destroy();
        });
      }
      await work(socket, transfer);
      final = new FtpError(226, "Transfer complete.");
    } catch (err) {
      if (transfer.timedOut) {
        final = new FtpError(421, `Data connection stalled for ${this.options.dataTimeoutSec} seconds; transfer aborted.`);
      } else if (transfer.abortRequested) {
        final = new FtpError(426, "Transfer aborted.");
      } else if (isConnectionError(err)) {
        final = new FtpError(426, "Data connection closed; transfer aborted.");
      } else {
        final = toFtpError(err);
        if (isUnexpected(err)) this.log("error", "transfer failed", { command, path, error: String(err) });
      }
      result = transfer.timedOut ? "timed out" : transfer.abortRequested ? "aborted" : final.message;
    }
    channel.close();
    try {
      await finish?.(transfer.socket !== null);
    } catch (err) {
      // The data arrived but could not be put away (closing the file failed): say so.
      this.log("error", "transfer cleanup failed", { command, path, error: String(err) });
      if (final.code < 400) final = toFtpError(err);
      result = final.message;
    }
    this.reply(final.code, final.message);
    this.transfer = null;
    this.requeueUrgent();
    transfer.finished();
    const seconds = (Date.now() - transfer.started) / 1000;
    this.log(result === "ok" ? "info" : "warn", "transfer", { command, path, bytes: transfer.bytes, seconds, result });
  }

  // ---- timers and closing ----------------------------------------------------------------

  /**
   * The idle clock starts now. Its timer is set once and, when it fires, looks at how long the
   * session has really been idle: re-setting a timer for every command was 7 % of a login's CPU.
   */
  private becameIdle(): void {
    if (this.closed || this.busy || this.transfer || !this.options.idleTimeoutSec) return;
    this.idleSince = Date.now();
    if (!this.idleTimer) this.setIdleTimer(this.options.idleTimeoutSec * 1000);
  }

  private setIdleTimer(ms: number): void {
    this.idleTimer = setTimeout(this.idleCheck, ms);
    this.idleTimer.unref();
  }

  private readonly idleCheck = (): void => {
    this.idleTimer = null;
    if (this.closed) return;
    const limitMs = this.options.idleTimeoutSec * 1000;
    // Working (a command or a transfer): look again a whole timeout later; becameIdle() restarts the clock.
    if (this.idleSince === null || this.busy || this.transfer) return this.setIdleTimer(limitMs);
    const left = this.idleSince + limitMs - Date.now();
    if (left > 0) return this.setIdleTimer(left);
    this.log("info", "idle timeout", { seconds: this.options.idleTimeoutSec });
    this.close(421, `Idle timeout (${this.options.idleTimeoutSec} seconds); closing control connection.`);
  };

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** Says goodbye (if given a reply) and closes the control connection. */
  close(code?: number, text?: string): void {
    if (this.closed) return;
    if (code !== undefined && text !== undefined) this.reply(code, text);
    this.closed = true;
    this.queue.length = 0;
    this.urgentQueue.length = 0;
    this.control.end();
    // A client that never closes its side must not hold the socket forever.
    setTimeout(() => this.control.destroy(), CLOSE_GRACE_MS).unref();
    this.cleanup();
  }

  /** Forgets the login and all state, as after REIN. */
  resetState(): void {
    this.transfer?.abort();
    this.setDataChannel(null);
    this.account = null;
    this.jail = null;
    this.storage = null;
    this.pendingUser = null;
    this.cwd = "/";
    this.type = "A";
    this.restOffset = 0;
    this.renameFrom = null;
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
    this.clearIdleTimer();
    if (this.lineTimer) clearTimeout(this.lineTimer);
    this.transfer?.abort();
    this.data?.close();
    this.data = null;
    this.log("info", "disconnected");
    this.host.sessionClosed(this);
  }
}
