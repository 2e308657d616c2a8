//> 0 line-reader
// The control connection is a stream of bytes; commands are lines ending in CRLF.
//
//   bytes in:   "USER anna\r\nPA" "SS secret\r\n"
//   lines out:  "USER anna", "PASS secret"
//
// TCP does not keep message boundaries: a line may arrive in pieces, or several lines in one
// packet (a client that pipelines). We also accept a bare LF, as most servers do, and refuse
// lines longer than a limit so that a client cannot make us buffer without end.
//> final telnet-and-urgent
//
// The final server also strips the Telnet control sequences that clients send before ABOR
// (RFC 959 section 4.1.3). One more wrinkle: clients that send "ABOR\r\n" as TCP urgent data (Python's ftplib does)
// lose the last byte, the LF, on Linux: it is taken out of the stream as the "out-of-band"
// byte. So a chunk that ends in CR also ends the line, and an LF that then starts the next
// chunk is skipped, whichever way the bytes arrive.
//<

export type LineEvent = { kind: "line"; bytes: Buffer } | { kind: "overlong" };

const LF = 0x0a;
const CR = 0x0d;

export class LineReader {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  /** True while we are skipping the rest of an overlong line, up to its LF. */
  private discarding = false;
//> final urgent-cr-state
  /** The last chunk ended in CR, taken as the line's end: skip an LF that follows. */
  private skipLF = false;
//<

  constructor(private readonly maxLength: number) {}

  /** True while a line has begun and not ended (its bytes wait here, or an overlong one is skipped). */
  get partial(): boolean {
    return this.pendingLength > 0 || this.discarding;
  }

//> final discard-pending
  /** Forgets a half-read line (clear text sent behind AUTH TLS); returns its length in bytes. */
  discard(): number {
    const bytes = this.pendingLength;
    this.pending = [];
    this.pendingLength = 0;
    this.discarding = false;
    this.skipLF = false;
    return bytes;
  }

//<
  /** Feed a chunk; returns the complete lines (and overlong notices) it finished. */
  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
//> final urgent-cr-skip
    if (this.skipLF && chunk[0] === LF) start = 1;
    this.skipLF = false;
//<
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
//> final urgent-cr-end
    if (!this.discarding && this.pendingLength > 1 && chunk[chunk.length - 1] === CR) {
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingLength = 0;
      this.skipLF = true;
      events.push({ kind: "line", bytes: completeLine(line) });
    }
//<
    return events;
  }
}

/** A line's bytes without the CR before its LF. */
function completeLine(bytes: Buffer): Buffer {
  let line = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
//> final telnet-strip
  line = stripTelnet(line);
//<
  return line;
}
//> final telnet

const IAC = 0xff;

/**
 * Telnet commands: IAC IP / IAC DM before ABOR (Python's ftplib sends them), WILL/WONT/DO/DONT
 * option negotiation (three bytes), and IAC IAC, which stands for a literal 0xFF byte.
 */
export function stripTelnet(line: Buffer): Buffer {
  if (!line.includes(IAC)) return line;
  const out: number[] = [];
  for (let i = 0; i < line.length; i++) {
    const byte = line[i]!;
    if (byte !== IAC) {
      out.push(byte);
      continue;
    }
    const next = line[i + 1];
    if (next === IAC) {
      out.push(IAC);
      i += 1;
    } else if (next !== undefined && next >= 0xfb && next <= 0xfe) {
      i += 2; // option negotiation: IAC, verb, option
    } else if (next !== undefined && next >= 0xf0) {
      i += 1; // IP, DM, AO, AYT, ...: two bytes
    }
    // Otherwise a lone IAC: its command byte (DM, sent as urgent data) never arrived.
  }
  return Buffer.from(out);
}
//<
//<
