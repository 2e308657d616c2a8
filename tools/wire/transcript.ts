/**
 * A record of every byte on the wire, control and data, in order, with timestamps and ports.
 *
 * Two uses: when a test fails, the transcript is the story of what happened; and the docs draw
 * their sequence diagrams from real transcripts, so the pictures show what really happens
 * (e.g. whether the data connection opens before or after "150").
 */
import { escapeBytes } from "./bytes.ts";

export interface TranscriptEntry {
  /** Milliseconds since the transcript started. */
  t: number;
  conn: "control" | "data";
  /** Who sent it (or who opened / closed the connection): C = client (the test), S = server. */
  dir: "C" | "S";
  /** Control: the bytes decoded as UTF-8. Data: a short escaped preview (payloads can be megabytes). */
  text: string;
  /** The exact bytes (empty for open/close events). */
  bytes: Buffer;
  /** Port on the test's side of this connection. */
  localPort: number;
  /** Port on the server's side of this connection. */
  remotePort: number;
  /** Set for connection events instead of payload. */
  event?: "open" | "close";
}

export interface TranscriptTextOptions {
  /** Prefix each line with its time, e.g. "[  12.3 ms] ". */
  times?: boolean;
}

const PREVIEW = 48;

export class Transcript {
  private readonly start = performance.now();
  private readonly list: TranscriptEntry[] = [];

  /** `record: false` keeps nothing (a client that runs for hours must not grow). */
  constructor(private readonly opts: { record?: boolean } = {}) {}

  add(e: Omit<TranscriptEntry, "t" | "text"> & { text?: string }): void {
    if (this.opts.record === false) return;
    const text =
      e.text ??
      (e.conn === "control"
        ? e.bytes.toString("utf8")
        : escapeBytes(e.bytes.subarray(0, PREVIEW)) + (e.bytes.length > PREVIEW ? "…" : ""));
    this.list.push({ ...e, text, t: Math.round((performance.now() - this.start) * 10) / 10 });
  }

  entries(): TranscriptEntry[] {
    return [...this.list];
  }

  /**
   * Render as lines: `C: USER x`, `S: 331 Password please`, and for data connections
   * `D: 11 bytes (server port 40125 -> client port 51514)`.
   * Control bytes are re-split into lines (a reply written 1 byte at a time still shows as
   * one line); a line that never got its \r\n is marked "[no CRLF]".
   */
  text(opts: TranscriptTextOptions = {}): string {
    const out: string[] = [];
    const stamp = (t: number) => (opts.times ? `[${t.toFixed(1).padStart(7)} ms] ` : "");
    // Unfinished control line per direction, carried across entries.
    const carry: Record<"C" | "S", { bytes: Buffer; t: number }> = {
      C: { bytes: Buffer.alloc(0), t: 0 },
      S: { bytes: Buffer.alloc(0), t: 0 },
    };
    const flush = (dir: "C" | "S") => {
      const c = carry[dir];
      if (c.bytes.length) out.push(`${stamp(c.t)}${dir}: ${escapeBytes(c.bytes)} [no CRLF]`);
      c.bytes = Buffer.alloc(0);
    };
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const ports =
        e.dir === "S"
          ? `server port ${e.remotePort} -> client port ${e.localPort}`
          : `client port ${e.localPort} -> server port ${e.remotePort}`;
      if (e.conn === "control") {
        if (e.event === "close") {
          flush(e.dir);
          out.push(`${stamp(e.t)}${e.dir}: [closes the control connection]`);
          continue;
        }
        if (e.event === "open") {
          out.push(`${stamp(e.t)}C: [connects: ${ports}]`);
          continue;
        }
        const c = carry[e.dir];
        if (c.bytes.length === 0) c.t = e.t;
        let buf = c.bytes.length ? Buffer.concat([c.bytes, e.bytes]) : e.bytes;
        for (let end = buf.indexOf("\r\n"); end >= 0; end = buf.indexOf("\r\n")) {
          out.push(`${stamp(c.t)}${e.dir}: ${escapeBytes(buf.subarray(0, end))}`);
          buf = buf.subarray(end + 2);
          c.t = e.t;
        }
        c.bytes = buf;
        continue;
      }
      if (e.event === "open") {
        out.push(`${stamp(e.t)}D: [connect: ${ports}]`);
        continue;
      }
      if (e.event === "close") {
        out.push(`${stamp(e.t)}D: [EOF from ${e.dir === "S" ? "server" : "client"}: ${ports}]`);
        continue;
      }
      // Sum consecutive payload chunks of the same data connection and direction.
      let n = e.bytes.length;
      while (i + 1 < list.length) {
        const next = list[i + 1]!;
        if (next.conn !== "data" || next.event || next.dir !== e.dir || next.localPort !== e.localPort) break;
        n += next.bytes.length;
        i++;
      }
      out.push(`${stamp(e.t)}D: ${n} bytes (${ports})`);
    }
    flush("C");
    flush("S");
    return out.join("\n");
  }
}
