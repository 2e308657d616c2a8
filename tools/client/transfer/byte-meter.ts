// Counting the bytes that flow through a pipeline, for the progress bar and for resuming.
//
//   pipeline(dataSocket, meter, fileStream)      // a download
//   pipeline(fileStream, meter, dataSocket)      // an upload
//   meter.bytes -> 524288 so far; onBytes(524288) is called on each chunk
//
// It passes each chunk on unchanged, so backpressure works through it: when the file (or
// the socket) cannot take more, the meter's buffer fills, pipeline() stops reading the
// source, and nothing piles up in memory however fast the other side is.
//
// `cutAfter` is for experiments and tests (--break-after): the data connection is reset
// once that many bytes have passed, as if the network had failed, to watch a resume.

import { Transform, type TransformCallback } from "node:stream";
import { CommandError } from "../protocol/errors.ts";

/** An error of the local file (it has a path), not of the connection: worth saying so, not resuming. */
export function localFileError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  return e && typeof e.path === "string" ? new CommandError(`${e.path}: ${e.code ?? e.message}`) : err;
}

export class ByteMeter extends Transform {
  bytes = 0;

  constructor(
    private readonly onBytes: (total: number) => void,
    private readonly cut?: { after: number; connection: { resetAndDestroy?(): unknown; destroy(): unknown } },
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const cut = this.cut;
    if (cut && this.bytes + chunk.length >= cut.after) {
      // Let the bytes before the cut through, then fail like a broken network.
      const keep = Math.max(0, cut.after - this.bytes);
      this.bytes += keep;
      this.onBytes(this.bytes);
      if (keep > 0) this.push(chunk.subarray(0, keep));
      const conn = cut.connection;
      // Give the kept bytes a moment to reach the file or the socket first.
      setImmediate(() => (conn.resetAndDestroy ? conn.resetAndDestroy() : conn.destroy()));
      done(new Error(`data connection cut after ${cut.after} bytes (--break-after)`));
      return;
    }
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    done(null, chunk);
  }
}
