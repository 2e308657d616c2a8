//> 5 throttle
// Bandwidth limits, as a token bucket: tokens (bytes) drip in at `rate` per second, and a
// chunk may pass only when there are tokens for it. Big chunks are cut into slices of about
// 1/10 s of traffic, so the flow stays smooth instead of bursting once a second.
//
//   rate 300K, a 1 MiB download  ->  about 3.4 s, whatever the chunk sizes.
//
// The bucket belongs to the session, so one client cannot escape its limit by opening
// transfers one after the other. With no limit set no Transform is added at all: the
// unthrottled path costs nothing.

import { Transform, type TransformCallback } from "node:stream";

export class TokenBucket {
//> 5 bucket-state
  private tokens = 0;
  private last = performance.now();

//<
  constructor(readonly rate: number) {}

  /**
   * Milliseconds to wait before `bytes` may pass (0: now); takes the tokens when it may.
   *
   *   new TokenBucket(100_000): take(10_000) -> 100 (no tokens saved up yet: wait 0.1 s)
   *   ... 0.1 s later:          take(10_000) -> 0   (10 000 tokens dripped in meanwhile)
   */
  take(bytes: number): number {
//> 5 token-bucket
    const now = performance.now();
    // At most 1/10 s of burst is saved up, so an idle session cannot burst later.
    this.tokens = Math.min(this.tokens + ((now - this.last) / 1000) * this.rate, this.rate / 10);
    this.last = now;
    if (this.tokens >= bytes) {
      this.tokens -= bytes;
      return 0;
    }
    return Math.ceil(((bytes - this.tokens) / this.rate) * 1000);
//<
  }

//> 5 slice
  /** Slice size: about 1/10 s of traffic, at least 1 byte. */
  get slice(): number {
    return Math.max(1, Math.floor(this.rate / 10));
  }
//<
}

export class Throttle extends Transform {
//> 5 throttle-stream
  constructor(private readonly bucket: TokenBucket) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let offset = 0;
    const next = (): void => {
      if (this.destroyed) return;
      if (offset >= chunk.length) return done();
      const piece = chunk.subarray(offset, offset + this.bucket.slice);
      const wait = this.bucket.take(piece.length);
      if (wait > 0) {
        setTimeout(next, wait);
        return;
      }
      offset += piece.length;
      this.push(piece);
      next();
    };
    next();
  }
//<
}
//<
