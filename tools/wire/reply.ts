/**
 * FTP replies, parsed from a byte stream exactly as RFC 959 (section 4.2) defines them.
 *
 *   single line:  "230 Logged in.\r\n"
 *   multi-line:   "211-Features:\r\n UTF8\r\n211 End\r\n"   (ends at a line "<same code><space>")
 *
 * TCP is a stream, not messages: one reply may come in many packets and one packet may hold
 * several replies. So the parser is incremental: feed it chunks, it hands back whole replies.
 * It is strict on purpose (every line must end in \r\n, a reply must start with 3 digits and
 * " " or "-"): a lenient client would hide exactly the bugs a learner needs to see.
 */
import { escapeBytes } from "./bytes.ts";

export interface Reply {
  /** The 3-digit reply code. */
  code: number;
  /** Each line as received, without its CRLF (codes included). */
  lines: string[];
  /** The message: lines joined with "\n", without the "123 " / "123-" prefixes of first and last line. */
  text: string;
  /** Exact bytes of the whole reply, CRLFs included. */
  raw: Buffer;
}

const CR = 0x0d;
const LF = 0x0a;

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

export interface ParseResult {
  replies: Reply[];
  /** Set when the stream broke the protocol; nothing after that point can be trusted. */
  error?: string;
}

export class ReplyParser {
  /** Bytes not yet forming a complete line. */
  private pending: Buffer = Buffer.alloc(0);
  /** An open multi-line reply: its code and the raw lines so far. */
  private open: { code: number; raws: Buffer[] } | null = null;
  private broken: string | null = null;

  push(chunk: Buffer): ParseResult {
    const replies: Reply[] = [];
    if (this.broken) return { replies, error: this.broken };
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const lf = this.pending.indexOf(LF);
      if (lf < 0) break;
      const lineRaw = this.pending.subarray(0, lf + 1);
      if (lf === 0 || this.pending[lf - 1] !== CR) {
        this.broken =
          `a reply line ended with a bare \\n (no \\r before it): "${escapeBytes(lineRaw)}". ` +
          `FTP lines must end with \\r\\n.`;
        return { replies, error: this.broken };
      }
      this.pending = this.pending.subarray(lf + 1);
      const reply = this.takeLine(lineRaw);
      if (typeof reply === "string") {
        this.broken = reply;
        return { replies, error: reply };
      }
      if (reply) replies.push(reply);
    }
    return { replies };
  }

  /** Returns a finished Reply, null if more lines are needed, or a string describing a protocol error. */
  private takeLine(lineRaw: Buffer): Reply | null | string {
    if (this.open) {
      this.open.raws.push(lineRaw);
      const c = String(this.open.code);
      const done = lineRaw.length >= 4 && lineRaw.subarray(0, 3).toString("latin1") === c && lineRaw[3] === 0x20;
      if (!done) return null;
      const raws = this.open.raws;
      this.open = null;
      return build(Number(c), raws);
    }
    const sep = lineRaw[3];
    if (!(isDigit(lineRaw[0]) && isDigit(lineRaw[1]) && isDigit(lineRaw[2]) && (sep === 0x20 || sep === 0x2d))) {
      return (
        `a reply did not start with a 3-digit code followed by " " or "-": "${escapeBytes(lineRaw)}". ` +
        `Replies look like "230 Logged in.\\r\\n" (RFC 959 section 4.2).`
      );
    }
    const code = Number(lineRaw.subarray(0, 3).toString("latin1"));
    if (sep === 0x20) return build(code, [lineRaw]);
    this.open = { code, raws: [lineRaw] };
    return null;
  }

  /** Bytes of the reply in progress (complete lines of an open multi-line reply, then any partial line). */
  partial(): Buffer {
    return Buffer.concat([...(this.open?.raws ?? []), this.pending]);
  }

  /** Words for "what are we still waiting for", used in timeout and early-close errors. */
  describePartial(): string {
    const got = this.partial();
    if (got.length === 0) return "received nothing";
    const parts = [`received ${got.length} bytes: "${escapeBytes(got)}"`];
    if (this.pending.length > 0) parts.push(`the last line has no \\r\\n end yet (FTP lines must end with \\r\\n)`);
    if (this.open) parts.push(`multi-line ${this.open.code} reply still open: waiting for a line starting "${this.open.code} "`);
    return parts.join("; ");
  }
}

function build(code: number, raws: Buffer[]): Reply {
  const lines = raws.map((r) => r.subarray(0, r.length - 2).toString("utf8"));
  const texts = lines.map((l, i) => (i === 0 || i === lines.length - 1 ? l.slice(4) : l));
  return { code, lines, text: texts.join("\n"), raw: Buffer.concat(raws) };
}

/** Parse a complete reply from a string or bytes (handy in unit tests). Throws on malformed input. */
export function parseReply(input: string | Buffer): Reply {
  const parser = new ReplyParser();
  const { replies, error } = parser.push(typeof input === "string" ? Buffer.from(input, "utf8") : input);
  if (error) throw new Error(error);
  if (replies.length !== 1 || parser.partial().length > 0) {
    throw new Error(`expected exactly one complete reply in "${escapeBytes(input)}"`);
  }
  return replies[0]!;
}
