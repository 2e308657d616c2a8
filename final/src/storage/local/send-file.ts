//> 0 send-file
// Sending a file over the data connection as fast as the machine allows, for the common case
// (binary, no speed limit): wait for a turn to read, read a chunk of the file into a pooled
// buffer, hand it to the socket, give the buffer back once the socket has taken it, and again.
//
//   sendFile(handle, 0, socket)   ->  every byte of the file, then the socket is ended
//
// A stream pipeline allocates a fresh buffer for every chunk, which costs more CPU (garbage
// collection) than the copy itself. The buffers come from a pool shared by all transfers
// (buffer-pool.ts), and the loop runs on plain callbacks: a promise per chunk is garbage too,
// and with 200 downloads at once that garbage was most of the server's memory peak.

import { read } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import type { Socket } from "node:net";
import { finished } from "node:stream";
import { transferBuffers } from "./buffer-pool.ts";

export function sendFile(handle: FileHandle, start: number, socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => new FileSender(handle.fd, start, socket, resolve, reject).next());
}

/**
 * One download's loop: next() -> a read turn -> read -> write -> next(). The file handle stays
 * open until the promise settles, which is never while a read is on its way (ABOR closes the
 * file only after that: a read on a closed, reused descriptor would send another file).
 */
class FileSender {
  private buffer: Buffer | null = null;
  private settled = false;

  constructor(
    private readonly fd: number,
    private position: number,
    private readonly socket: Socket,
    private readonly resolve: () => void,
    private readonly reject: (err: Error) => void,
  ) {
    transferBuffers.begin();
  }

  next(): void {
    if (this.socket.destroyed) return this.settle(this.socket.errored ?? destroyed());
    transferBuffers.readTurn(this.startRead);
  }

  private readonly startRead = (buffer: Buffer): void => {
    this.buffer = buffer;
    read(this.fd, buffer, 0, buffer.length, this.position, this.afterRead);
  };

  private readonly afterRead = (err: Error | null, bytesRead: number): void => {
    transferBuffers.readDone();
    const buffer = this.buffer!;
    if (err || bytesRead === 0) {
      this.giveBack();
      if (err) return this.settle(err);
      return this.end();
    }
    this.position += bytesRead;
    // The callback comes once the system has the bytes: then the buffer is free again.
    this.socket.write(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead), this.afterWrite);
  };

  private readonly afterWrite = (err?: Error | null): void => {
    this.giveBack();
    if (err) return this.settle(err);
    this.next();
  };

  private giveBack(): void {
    if (this.buffer) transferBuffers.giveBack(this.buffer);
    this.buffer = null;
  }

  private end(): void {
    const { socket } = this;
    // ABOR may have closed the socket while the last read was on its way: end()'s callback
    // would then never come (the transfer hung with no reply; curl caught it in CI).
    if (socket.destroyed) return this.settle(socket.errored ?? destroyed());
    socket.end();
    // finished() also reports a socket destroyed or reset while the end is on its way.
    const cleanup = finished(socket, { readable: false }, (err) => {
      cleanup();
      this.settle(err ?? null);
    });
  }

  private settle(err: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    transferBuffers.end();
    if (err) this.reject(err);
    else this.resolve();
  }
}

function destroyed(): Error {
  return Object.assign(new Error("the data connection was closed"), { code: "ERR_STREAM_DESTROYED" });
}
//<
