// The control connection is a stream of bytes; commands are lines ending in CRLF.
//
//   bytes in:   "USER anna\r\nPA" "SS secret\r\n"
//   lines out:  "USER anna", "PASS secret"
//
// TCP does not keep message boundaries: a line may arrive in pieces, or several lines in one
// packet (a client that pipelines). We also accept a bare LF, as most servers do, and refuse
// lines longer than a limit so that a client cannot make us buffer without end.

export type LineEvent = { kind: "line"; bytes: Buffer } | { kind: "overlong" };

const LF = 0x0a;
const CR = 0x0d;

export class LineReader {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** True while we are skipping the rest of an overlong line, up to its LF. */
  private discarding = false;

  constructor(private readonly maxLength: number) {}

  /** True while a line has begun and not ended (its bytes wait here, or an overlong one is skipped). */
  get partial(): boolean {
    return this.pendingLength > 0 || this.discarding;
  }

  /** Feed a chunk; returns the complete lines (and overlong notices) it finished. */
  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf;
      if (this.discarding) {
        if (lf !== -1) this.discarding = false;
      } else if (this.pendingLength + (end - start) > this.maxLength) {
        // Say so once, as soon as we know, then drop bytes until the line ends.
        events.push({ kind: "overlong" });
        this.pending = [];
        this.pendingLength = 0;
        this.discarding = lf === -1;
      } else if (lf === -1) {
        this.pending.push(chunk.subarray(start));
        this.pendingLength += chunk.length - start;
      } else {
        const piece = chunk.subarray(start, end);
        const line = this.pending.length ? Buffer.concat([...this.pending, piece]) : piece;
        this.pending = [];
        this.pendingLength = 0;
        events.push({ kind: "line", bytes: completeLine(line) });
      }
      if (lf === -1) break;
      start = lf + 1;
    }
    return events;
  }
}

/** A line's bytes without the CR before its LF. */
function completeLine(bytes: Buffer): Buffer {
  let line = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
  return line;
}
