//> final session-guard
// The production hardening of a session's control connection, beside the plain core of
// session.ts (read lines, run them one at a time, one reply each). The core calls it at each
// step: lines read (received), a line taken to run (taken), its reply written (commandDone),
// nothing left to do (idle), reading resumed (resumed), a transfer's end (transferEnded), the
// session's end (stop).
//
// - ABOR and STAT must reach a busy transfer: while one runs they go to a small queue of their
//   own and run beside it; everything else waits for the transfer to end, so QUIT during a
//   download lets the download finish first.
// - A client that pipelines without end, or never reads its replies, must not make us buffer
//   without end: both queues wait for the client to read its replies, and stop reading when
//   full.
// - A command line must arrive within a deadline, and a session that does nothing is closed
//   after the idle timeout.
// - AUTH TLS: what was sent behind it in clear text is thrown away (session/start-tls.ts).

import type { LineReader, LineEvent } from "../protocol/line-reader.ts";
import { parseCommandLine } from "../protocol/command-line.ts";
import type { Session } from "../session.ts";

/** Lines waiting to run before we stop reading from a client that pipelines too much. */
const MAX_QUEUED_LINES = 64;
/** Urgent lines (ABOR, STAT) waiting beside a transfer before we stop reading. */
const MAX_URGENT_LINES = 8;
/** The longest a command line may take to arrive (less when the idle timeout is shorter). */
const LINE_DEADLINE_SEC = 60;

export class SessionGuard {
  /** Urgent lines read during a transfer, each with the number of queued lines read before it. */
  private readonly urgentQueue: Array<{ event: LineEvent; after: number }> = [];
  private urgentBusy = false;
  /** Lines ever put in the session's queue: where an urgent line stands among them. */
  private queuedCount = 0;
  private inputHeldForQueue = false;
  private inputHeldForUrgent = false;
  /** When the line being read began to arrive; null when no line is half-read. */
  private lineStarted: number | null = null;
  private lineTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  /** When the session last became idle (nothing queued, nothing running); null while it works. */
  private idleSince: number | null = null;
  /** The session is running a command (between taken() and idle()). */
  private working = false;

  constructor(
    private readonly s: Session,
    private readonly reader: LineReader,
    /** The session's queue of lines to run, in order. */
    private readonly queue: LineEvent[],
    /** Runs one line (the session's dispatcher). */
    private readonly execute: (event: LineEvent) => Promise<void>,
  ) {
    this.idle();
  }

  /** Lines taken from the queue so far (for where an urgent line goes back in). */
  private get takenCount(): number {
    return this.queuedCount - this.queue.length;
  }

  // ---- reading ---------------------------------------------------------------------------

  /** A chunk's lines were read: returns those the session queues (urgent ones wait here). */
  received(events: LineEvent[]): LineEvent[] {
    this.watchLine(events.length > 0);
    // Only complete commands keep a session alive: a client that dribbles a byte now and then
    // is idle all the same.
    if (!events.length) return events;
    this.idleSince = null;
    const toQueue: LineEvent[] = [];
    for (const event of events) {
      if (event.kind === "line" && this.s.transfer && this.isUrgent(event.bytes)) {
        this.urgentQueue.push({ event, after: this.queuedCount + toQueue.length });
        continue;
      }
      toQueue.push(event);
    }
    this.queuedCount += toQueue.length;
    // A full queue stops reading, except while a transfer runs: then ABOR and STAT must stay
    // readable behind pipelined lines, so only a much longer queue stops it.
    const queued = this.queue.length + toQueue.length;
    if (queued > (this.s.transfer ? MAX_QUEUED_LINES * 4 : MAX_QUEUED_LINES)) this.holdInput();
    if (this.urgentQueue.length > MAX_URGENT_LINES) this.holdInputForUrgent();
    if (this.urgentQueue.length) void this.pumpUrgent();
    return toQueue;
  }

  private isUrgent(bytes: Buffer): boolean {
    const { verb } = parseCommandLine(this.s.codec.decode(bytes));
    return this.s.commands.get(verb)?.urgent === true;
  }

  /** The session took a line from its queue to run it. */
  taken(): void {
    this.working = true;
    if (this.queue.length <= MAX_QUEUED_LINES / 2 && this.inputHeldForQueue) this.releaseQueueHold();
  }

  /**
   * A command is done. A client that does not read its replies must not make us buffer them
   * without end: the next command waits until the socket has taken what we wrote (and the
   * queue, full, stops reading).
   */
  async commandDone(): Promise<void> {
    if (this.s.control.writableNeedDrain && !this.s.isClosed) await this.drained();
  }

  /**
   * Urgent lines run one at a time beside the transfer, each waiting, like the queue, until the
   * client has read its reply: a client that sends STAT after STAT and reads nothing must not
   * make us buffer replies without end.
   */
  private async pumpUrgent(): Promise<void> {
    if (this.urgentBusy) return;
    this.urgentBusy = true;
    while (this.urgentQueue.length && !this.s.isClosed) {
      await this.execute(this.urgentQueue.shift()!.event);
      if (this.s.control.writableNeedDrain && !this.s.isClosed) await this.drained();
      if (this.inputHeldForUrgent && this.urgentQueue.length <= MAX_URGENT_LINES / 2) this.releaseUrgentHold();
    }
    this.urgentBusy = false;
  }

  /**
   * The transfer is over: urgent lines still waiting are ordinary ones now; they join the
   * queue where they were read, so replies keep the order of the commands.
   */
  transferEnded(): void {
    const taken = this.takenCount;
    let inserted = 0;
    for (const { event, after } of this.urgentQueue.splice(0)) {
      this.queue.splice(Math.max(0, after - taken) + inserted++, 0, event);
      this.queuedCount++;
    }
    if (this.inputHeldForUrgent) this.releaseUrgentHold();
  }

  private drained(): Promise<void> {
    const control = this.s.control;
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

  private holdInput(): void {
    if (this.inputHeldForQueue) return;
    this.inputHeldForQueue = true;
    this.s.pauseInput();
  }
  private releaseQueueHold(): void {
    this.inputHeldForQueue = false;
    this.s.resumeInput();
  }
  private holdInputForUrgent(): void {
    if (this.inputHeldForUrgent) return;
    this.inputHeldForUrgent = true;
    this.s.pauseInput();
  }
  private releaseUrgentHold(): void {
    this.inputHeldForUrgent = false;
    this.s.resumeInput();
  }

  /** Reading resumed: a half-read line's deadline counts from now (the client could not send meanwhile). */
  resumed(): void {
    if (this.lineStarted !== null) this.lineStarted = Date.now();
  }

  /**
   * What the client sent behind "AUTH TLS" came in clear text, open to anyone on the path: it
   * must not run inside the protected session (STARTTLS command injection, CVE-2011-0411).
   * Queued lines and a half-read one are dropped; the handshake's bytes come after them.
   */
  discardClearText(): void {
    const lines = this.queue.length + this.urgentQueue.length;
    const bytes = this.reader.discard();
    this.queue.length = 0;
    this.urgentQueue.length = 0;
    this.lineStarted = null;
    if (this.inputHeldForQueue) this.releaseQueueHold();
    if (lines || bytes) this.s.log("warn", "clear text sent behind AUTH TLS discarded", { lines, bytes });
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
    const idle = this.s.options.idleTimeoutSec;
    return idle > 0 ? Math.min(idle, LINE_DEADLINE_SEC) : LINE_DEADLINE_SEC;
  }

  private setLineTimer(ms: number): void {
    this.lineTimer = setTimeout(this.lineCheck, ms);
    this.lineTimer.unref();
  }

  private readonly lineCheck = (): void => {
    this.lineTimer = null;
    if (this.s.isClosed || this.lineStarted === null) return;
    const limitSec = this.lineLimitSec();
    // Not reading (a full queue, the wrong-password delay): the client cannot finish its line.
    if (this.s.inputPaused) return this.setLineTimer(limitSec * 1000);
    const left = this.lineStarted + limitSec * 1000 - Date.now();
    if (left > 0) return this.setLineTimer(left);
    this.s.log("warn", "command line not completed in time", { seconds: limitSec });
    this.s.close(421, `Command line not completed within ${limitSec} seconds; closing control connection.`);
  };

  // ---- the idle clock --------------------------------------------------------------------

  /**
   * Nothing queued, nothing running: the idle clock starts now. Its timer is set once and, when
   * it fires, looks at how long the session has really been idle: re-setting a timer for every
   * command was 7 % of a login's CPU.
   */
  idle(): void {
    this.working = false;
    const idleSec = this.s.options.idleTimeoutSec;
    if (this.s.isClosed || this.s.transfer || !idleSec) return;
    this.idleSince = Date.now();
    if (!this.idleTimer) this.setIdleTimer(idleSec * 1000);
  }

  private setIdleTimer(ms: number): void {
    this.idleTimer = setTimeout(this.idleCheck, ms);
    this.idleTimer.unref();
  }

  private readonly idleCheck = (): void => {
    this.idleTimer = null;
    if (this.s.isClosed) return;
    const limitMs = this.s.options.idleTimeoutSec * 1000;
    // Working (a command or a transfer): look again a whole timeout later; idle() restarts the clock.
    if (this.idleSince === null || this.working || this.s.transfer) return this.setIdleTimer(limitMs);
    const left = this.idleSince + limitMs - Date.now();
    if (left > 0) return this.setIdleTimer(left);
    this.s.log("info", "idle timeout", { seconds: this.s.options.idleTimeoutSec });
    this.s.close(421, `Idle timeout (${this.s.options.idleTimeoutSec} seconds); closing control connection.`);
  };

  /** The session ended: no more timers, no more urgent lines. */
  stop(): void {
    this.urgentQueue.length = 0;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.lineTimer) clearTimeout(this.lineTimer);
  }
}
//<
