//> 0 ban-list
// Slows down password guessing across connections: an address that fails to log in
// `banAfter` times within `seconds` is refused (421 before the greeting) until `seconds`
// after its last failure. Off when banAfter is 0. Memory stays bounded: entries expire, and
// the table is swept when it grows.

interface Record {
  failures: number;
  last: number;
  bannedUntil: number;
}

const SWEEP_AT = 10_000;

export class BanList {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly banAfter: number,
    private readonly seconds: number,
  ) {}

  isBanned(ip: string, now = Date.now()): boolean {
    const record = this.records.get(ip);
    return record !== undefined && record.bannedUntil > now;
  }

  /** Counts one failure; returns true when this address is banned from now on. */
  failed(ip: string, now = Date.now()): boolean {
    if (this.banAfter <= 0) return false;
    const windowMs = this.seconds * 1000;
    let record = this.records.get(ip);
    if (!record || now - record.last > windowMs) record = { failures: 0, last: now, bannedUntil: 0 };
    record.failures++;
    record.last = now;
    if (record.failures >= this.banAfter) record.bannedUntil = now + windowMs;
    this.records.set(ip, record);
    if (this.records.size > SWEEP_AT) this.sweep(now);
    return record.bannedUntil > now;
  }

  private sweep(now: number): void {
    const windowMs = this.seconds * 1000;
    for (const [ip, r] of this.records) if (r.bannedUntil <= now && now - r.last > windowMs) this.records.delete(ip);
  }
}
//<
