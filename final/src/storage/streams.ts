//> 0 storage-streams
// The generic streams of a storage's handles, built on one positioned read or write call,
// so every backend (memory, local disk, later an object store's ranged reads) gets the
// same stream behaviour: backpressure, a read bounded by `end`, errors as stream errors.
//
//   positionedReadable((buf, pos) => handle.read(buf, 0, buf.length, pos), 100)   bytes 100..EOF
//   positionedWritable((buf, pos) => write(buf, pos), 0, (n) => (written += n))  from byte 0 on
//
// Neither stream ever closes the file: the handle does, in close(). (An fs stream closes its
// descriptor when it is destroyed, and a later truncate or close would then hit a closed,
// perhaps reused, descriptor number.)

import { Readable, Writable } from "node:stream";

/** Bytes read per chunk: few calls per MiB, little memory per slow client. */
export const STREAM_CHUNK = 256 * 1024;

/**
 * Reads from `start` to `end` (exclusive; undefined: until a read returns 0, so a file that
 * grows while it is read is read to its new end, as a download on a POSIX disk is).
 */
export function positionedReadable(
  read: (buffer: Buffer, position: number) => Promise<number>,
  start: number,
  end?: number,
  chunk = STREAM_CHUNK,
): Readable {
  let position = start;
  return new Readable({
    highWaterMark: chunk,
    read() {
      const want = end === undefined ? chunk : Math.min(chunk, end - position);
      if (want <= 0) {
        this.push(null);
        return;
      }
      const buffer = Buffer.allocUnsafe(want);
      read(buffer, position).then(
        (n) => {
          if (this.destroyed) return;
          if (n === 0) return void this.push(null);
          position += n;
          this.push(n === want ? buffer : buffer.subarray(0, n));
        },
        (err: Error) => this.destroy(err),
      );
    },
  });
}

/**
 * Writes each chunk at `start` and onwards (null: wherever the write call puts it, an append),
 * one write at a time, in order; `wrote` counts the bytes that landed.
 */
export function positionedWritable(
  write: (buffer: Buffer, position: number | null) => Promise<void>,
  start: number | null,
  wrote: (bytes: number) => void,
  chunk = STREAM_CHUNK,
): Writable {
  let position = start;
  return new Writable({
    highWaterMark: chunk,
    write(buffer: Buffer, _encoding, done) {
      write(buffer, position).then(
        () => {
          if (position !== null) position += buffer.length;
          wrote(buffer.length);
          done();
        },
        (err: Error) => done(err),
      );
    },
  });
}
//<
