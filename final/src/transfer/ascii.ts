//> 0 ascii
// TYPE A (ASCII) transfers send lines ending in CRLF, whatever the server's own convention.
// On this (Unix) server files end lines with LF, so:
//
//   download (RETR):  "a\nb\r\n"  ->  "a\r\nb\r\n"   (a bare LF gains a CR; CRLF stays)
//   upload (STOR):    "a\r\nb\r\n" ->  "a\nb\n"      (CRLF becomes LF; a lone CR stays)
//
// The stream arrives in chunks, and a CR may end one chunk while its LF starts the next, so
// both directions remember the last byte of the previous chunk.

import { Transform, type TransformCallback } from "node:stream";

const CR = 0x0d;
const LF = 0x0a;

/** LF -> CRLF, for sending a local file in ASCII mode. */
export class ToNetworkLines extends Transform {
  private lastWasCR = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const parts: Buffer[] = [];
    let start = 0;
    for (let lf = chunk.indexOf(LF); lf !== -1; lf = chunk.indexOf(LF, lf + 1)) {
      const before = lf === 0 ? this.lastWasCR : chunk[lf - 1] === CR;
      if (!before) {
        parts.push(chunk.subarray(start, lf), CRLF);
        start = lf + 1;
      }
    }
    parts.push(chunk.subarray(start));
    if (chunk.length) this.lastWasCR = chunk[chunk.length - 1] === CR;
    done(null, parts.length === 1 ? chunk : Buffer.concat(parts));
  }
}

/** CRLF -> LF, for storing an ASCII upload. */
export class ToLocalLines extends Transform {
  private pendingCR = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.length === 0) return done();
    const parts: Buffer[] = [];
    let start = 0;
    if (this.pendingCR) {
      // The CR ending the previous chunk is dropped if this chunk starts with its LF.
      if (chunk[0] !== LF) parts.push(CR_ONLY);
      this.pendingCR = false;
    }
    for (let cr = chunk.indexOf(CR); cr !== -1; cr = chunk.indexOf(CR, cr + 1)) {
      if (cr === chunk.length - 1) {
        parts.push(chunk.subarray(start, cr));
        start = chunk.length;
        this.pendingCR = true;
      } else if (chunk[cr + 1] === LF) {
        parts.push(chunk.subarray(start, cr));
        start = cr + 1;
      }
    }
    parts.push(chunk.subarray(start));
    done(null, Buffer.concat(parts));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.pendingCR ? CR_ONLY : undefined);
  }
}

const CRLF = Buffer.from([CR, LF]);
const CR_ONLY = Buffer.from([CR]);
//<
