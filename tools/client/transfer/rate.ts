// Speed and time left, from the byte count over the last few seconds.
//
//   const rate = new RateMeter();
//   rate.sample(0) ... (1 s later) rate.sample(524_288)
//   rate.perSecond()            -> about 524288 (bytes/s; 0 in the first half second)
//   rate.secondsLeft(1_048_576) -> about 2 (s, for 1 MB still to go)
//
// A window (3 s) rather than the average since the start: the number follows a throttled
// server or a busy network within seconds, and a resumed transfer does not count the bytes
// it skipped.

export class RateMeter {
  private readonly samples: { t: number; bytes: number }[] = [];
  private first: { t: number; bytes: number } | null = null;

  constructor(
    private readonly windowMs = 3000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  sample(bytes: number): void {
    const t = this.now();
    this.first ??= { t, bytes };
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
  }

  /** Over the window; 0 ("not known yet") in the first half second, when a burst would mislead. */
  perSecond(): number {
    const last = this.samples[this.samples.length - 1];
    const first = this.samples[0];
    if (!first || !last || !this.first || last.t - this.first.t < 500) return 0;
    return ((last.bytes - first.bytes) * 1000) / Math.max(last.t - first.t, 1);
  }

  /** Since the first sample: the speed to report once a transfer is over. */
  average(): number {
    const last = this.samples[this.samples.length - 1];
    if (!last || !this.first || last.t <= this.first.t) return 0;
    return ((last.bytes - this.first.bytes) * 1000) / (last.t - this.first.t);
  }

  secondsLeft(remaining: number): number {
    const rate = this.perSecond();
    return rate > 0 ? remaining / rate : Number.POSITIVE_INFINITY;
  }
}
