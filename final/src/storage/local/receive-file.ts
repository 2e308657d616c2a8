//> 0 receive-file
// Receiving an upload as fast as the machine allows, for the common case (binary, no speed
// limit, no quota): the data socket reads straight into a buffer of ours split in two halves
// (Node's `onread` socket option), and while one half is written to the file the other fills.
// Nothing is allocated per read and nothing is copied in JavaScript.
//
//   const receiver = new FileReceiver(file, 0);
//   const socket = net.connect({ host, port, onread: receiver.onread });
//   await receiver.finished(socket);      // every byte is in the file, at its place
//
// The usual way, a socket's 'data' events piped to a file stream, gets a fresh 64 KiB buffer
// for every read; allocating and collecting those cost more CPU than writing the file.

import { write } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import type { OnReadOpts, Socket } from "node:net";
import { transferBuffers } from "./buffer-pool.ts";

/** A half with less room than this is written out: tiny reads would mean many system calls. */
const MIN_ROOM = 16 * 1024;

/** Bytes of one half waiting to be written, and where they go. */
interface Block {
  half: number;
  length: number;
  position: number | null;
}

export class FileReceiver {
  /** Bytes written to the file so far, one after another from the start. */
  written = 0;
  /** Give this to the socket (net.connect's or new Socket's `onread` option). */
  readonly onread: OnReadOpts;
  private buffer: Buffer | null = null;
  private halves: Buffer[] = [];
  private current = 0;
  private fill = 0;
  private readonly busy = [false, false];
  private readonly queue: Block[] = [];
  /** Where the next block goes; null appends (APPE: the file is open with O_APPEND). */
  private position: number | null;
  private writing = false;
  private started = false;
  private paused = false;
  private ended = false;
  private writeError: Error | null = null;
  private connectionError: Error | null = null;
  private socket: Socket | null = null;
  private settle: { resolve: () => void; reject: (err: Error) => void } | null = null;

  constructor(
    private readonly file: FileHandle,
    start: number | "append",
  ) {
    this.position = start === "append" ? null : start;
    this.onread = { buffer: () => this.nextBuffer(), callback: (n) => this.received(n) };
  }

  /** True once a socket reads into our buffers (the data channel took `onread`). */
  get attached(): boolean {
    return this.buffer !== null;
  }

  /**
   * Writes what arrives until the client closes the connection. Nothing is written before
   * this is called (STOR empties the old file first); what arrived meanwhile waits.
   */
  finished(socket: Socket): Promise<void> {
    this.socket = socket;
    this.started = true;
    return new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
      const onEnd = () => {
        this.ended = true;
        this.seal();
        this.check();
      };
      const onClose = () => {
        // Closed before the end of the data: the client vanished, ABOR, a timeout.
        if (!this.ended) {
          this.connectionError ??= socket.errored ?? prematureClose();
          this.seal(); // what did arrive is kept, for REST
        }
        this.check();
      };
      // The socket may have ended before the transfer got this far (a small, quick upload).
      if (socket.readableEnded) onEnd();
      else socket.once("end", onEnd);
      if (socket.destroyed) onClose();
      else socket.once("close", onClose);
      socket.on("error", (err) => (this.connectionError ??= err));
      this.pump();
    });
  }

  /** Gives the buffer back (after finished() settled, or when it never ran). Idempotent. */
  release(): void {
    if (!this.buffer || this.writing) return;
    transferBuffers.giveBack(this.buffer);
    transferBuffers.end();
    this.buffer = null;
    this.halves = [];
  }

  private nextBuffer(): Buffer {
    if (!this.buffer) {
      transferBuffers.begin();
      this.buffer = transferBuffers.borrowForUpload();
      const half = this.buffer.length / 2;
      this.halves = [this.buffer.subarray(0, half), this.buffer.subarray(half)];
    }
    // While paused this is the half still being written: the socket reads into it only
    // after resume(), which comes once that write is done.
    return this.halves[this.current]!.subarray(this.fill);
  }

  /** `n` new bytes at `fill` in the current half. Returning false pauses the socket. */
  private received(n: number): boolean {
    this.fill += n;
    if (this.halves[this.current]!.length - this.fill < MIN_ROOM) this.seal();
    return !this.paused;
  }

  /** The current half goes to the write queue; reading goes on in the other one. */
  private seal(): void {
    if (this.fill === 0 || this.writeError) return;
    this.queue.push({ half: this.current, length: this.fill, position: this.position });
    if (this.position !== null) this.position += this.fill;
    this.busy[this.current] = true;
    this.current ^= 1;
    this.fill = 0;
    if (this.busy[this.current]) this.paused = true;
    this.pump();
  }

  /** One write at a time, in order, so `written` always means "the first N bytes". */
  private pump(): void {
    if (!this.started || this.writing || this.writeError) return;
    const block = this.queue.shift();
    if (!block) return this.check();
    this.writing = true;
    writeAll(this.file.fd, this.halves[block.half]!, block.length, block.position, (err) => {
      this.writing = false;
      if (err) {
        this.writeError = err; // disk full, I/O error: stop reading, report it
        this.queue.length = 0;
        this.socket?.destroy();
        return this.check();
      }
      this.written += block.length;
      this.busy[block.half] = false;
      if (this.paused && !this.busy[this.current]) {
        this.paused = false;
        this.socket?.resume();
      }
      this.pump();
    });
  }

  private check(): void {
    if (!this.settle || this.writing) return;
    if (!this.writeError) {
      if (this.queue.length > 0) return; // still writing what arrived
      if (!this.ended && !this.connectionError) return; // still receiving
    }
    // All data arrived (the end came): an error after it does not undo the upload.
    const error = this.writeError ?? (this.ended ? null : this.connectionError);
    const { resolve, reject } = this.settle;
    this.settle = null;
    this.release();
    if (error) reject(error);
    else resolve();
  }
}

/**
 * At most this much per write(2). Linux caches a bigger write in 2 MiB pages ("large folios"),
 * whole free 2 MiB blocks of memory, which a virtual machine may have handed back to its host:
 * measured here, 512 MiB written 2 MiB at a time cost 1.2 s of system time, 1 MiB at a time
 * 0.1 s (and uploads ran at 300 instead of 2,000 MiB/s now and then).
 */
const MAX_WRITE = 1024 * 1024;

/**
 * Writes `length` bytes of `buffer` at `position` (null: at the end), then calls `done`.
 * Callbacks, not FileHandle's promises: no promise (garbage) for every write of every upload.
 */
function writeAll(fd: number, buffer: Buffer, length: number, position: number | null, done: (err: Error | null) => void): void {
  let written = 0;
  const next = (err: Error | null, bytesWritten: number): void => {
    if (err) return done(err);
    if (bytesWritten === 0) return done(Object.assign(new Error("the file took no bytes"), { code: "EIO" }));
    written += bytesWritten;
    if (written === length) return done(null);
    writeSome();
  };
  const writeSome = (): void => {
    write(fd, buffer, written, Math.min(length - written, MAX_WRITE), position === null ? null : position + written, next);
  };
  writeSome();
}

function prematureClose(): Error {
  return Object.assign(new Error("data connection closed before the end of the upload"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}
//<
