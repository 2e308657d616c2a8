/**
 * Failure messages that know FTP.
 *
 * A bare "expected 530 to be 230" teaches nothing. These messages show what was sent, the exact
 * bytes that came back (with \r, \n and friends made visible and a caret under the first wrong
 * spot), a likely cause in plain words, and a `printf ... | nc` line that replays the session
 * by hand, so the learner can poke at their server outside the test.
 */
import { escapeBytes, escapeWindow, hexdumpWindow, ncRepro } from "./bytes.ts";
import { HarnessError } from "./errors.ts";
import type { Reply } from "./reply.ts";

export interface ExplainContext {
  /** The command this reply answers (string: a line without CRLF; Buffer: raw bytes). */
  sent: string | Buffer;
  /** Where the server listens: used for the reproduction line. */
  host: string;
  port: number;
  /** The likely cause, in words a learner understands. */
  why?: string;
  /** Everything sent on the control connection so far (FtpSocket.sentLines()); defaults to [sent]. */
  history?: ReadonlyArray<string | Buffer>;
  /** How the server under test was started (`... -p 0 ...`), so a learner can start it again. */
  server?: string;
}

/** Common reply codes and what they usually mean, used when the test gave no `why`. */
const CODE_HINTS: Record<number, string> = {
  421: "the server is closing the connection (too many connections, idle timeout, or shutting down)",
  425: "the server could not open the data connection",
  426: "the data connection was closed before the transfer finished",
  500: "the server did not recognise the command (is it implemented? are verbs matched case-insensitively?)",
  501: "the server did not accept the command's arguments",
  502: "the server says this command is not implemented",
  503: "bad sequence of commands (e.g. PASS before USER, RNTO without RNFR, RETR before PASV/PORT)",
  530: "not logged in (wrong user or password, or this command needs a login first)",
  550: "file unavailable: not found, no permission, or outside the user's root",
};

const LABEL = 11;
const pad = (label: string) => label.padEnd(LABEL);
const indent = " ".repeat(LABEL + 2);

function sentText(sent: string | Buffer): string {
  return sent.length === 0 ? "(nothing yet)" : escapeBytes(sent);
}

/** How a headline names the command: `"PASS x"`, or "the greeting" before anything was sent. */
function replyTo(sent: string | Buffer): string {
  return sent.length === 0 ? "as the greeting" : `to "${escapeBytes(sent)}"`;
}

export function reproLine(ctx: Pick<ExplainContext, "sent" | "host" | "port" | "history">): string {
  const lines = ctx.history ?? (ctx.sent.length ? [ctx.sent] : []);
  return ncRepro(lines, ctx.host, ctx.port);
}

/** Common tail: likely cause and reproduction. */
function tail(ctx: Partial<ExplainContext>, fallbackWhy?: string): string[] {
  const out: string[] = [];
  const why = ctx.why ?? fallbackWhy;
  if (why) out.push(`  ${pad("cause:")}${why}`);
  if (ctx.host !== undefined && ctx.port !== undefined && (ctx.sent !== undefined || ctx.history)) {
    // The test's server is gone by the time anyone reads this: say how to start it again on
    // the same port, so the reproduction line works as printed.
    if (ctx.server) out.push(`  ${pad("server:")}${ctx.server.replace(/ -p 0( |$)/, ` -p ${ctx.port}$1`)}`);
    out.push(`  ${pad("reproduce:")}${reproLine(ctx as ExplainContext)}`);
  }
  return out;
}

/** Index of the first byte where `a` and `b` differ, or the shorter length if one is a prefix. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** "received:" line with a caret line under byte `at`. */
function receivedWithCaret(raw: Buffer, at: number): string[] {
  const w = escapeWindow(raw, at);
  const lines = [`  ${pad("received:")}${w.text}`];
  if (w.caret !== undefined) lines.push(`${indent}${" ".repeat(w.caret)}^`);
  return lines;
}

/**
 * Check the reply code. Returns the reply so calls can be chained; throws a HarnessError that
 * explains the mismatch otherwise.
 */
export function expectCode(reply: Reply, expected: number | readonly number[], ctx: ExplainContext): Reply {
  const list = typeof expected === "number" ? [expected] : [...expected];
  if (list.includes(reply.code)) return reply;
  const want = list.join(" or ");
  // Put the caret at the first digit that differs from the closest expected code.
  const got = String(reply.code);
  const at = Math.max(...list.map((c) => firstDifference(Buffer.from(String(c)), Buffer.from(got))));
  const msg = [
    `Expected reply ${want} ${replyTo(ctx.sent)}, got ${reply.code}.`,
    `  ${pad("sent:")}${sentText(ctx.sent)}`,
    `  ${pad("expected:")}${list.map((c) => `${c} …`).join(" or ")}`,
    ...receivedWithCaret(reply.raw, at),
    ...tail(ctx, CODE_HINTS[reply.code]),
  ];
  throw new HarnessError(msg.join("\n"));
}

/**
 * Check that the reply's raw bytes start with `prefix` (e.g. '257 "/"'), and point at the first
 * byte that differs.
 */
export function expectPrefix(reply: Reply, prefix: string | Buffer, ctx: ExplainContext): Reply {
  const want = typeof prefix === "string" ? Buffer.from(prefix, "utf8") : prefix;
  const at = firstDifference(want, reply.raw);
  if (at === want.length) return reply;
  const msg = [
    `Reply ${replyTo(ctx.sent)} does not start as expected (first difference at byte ${at}).`,
    `  ${pad("sent:")}${sentText(ctx.sent)}`,
    `  ${pad("expected:")}${escapeWindow(want, at).text}…`,
    ...receivedWithCaret(reply.raw, at),
    ...tail(ctx),
  ];
  throw new HarnessError(msg.join("\n"));
}

export interface BytesContext extends Partial<ExplainContext> {
  /** What these bytes are, e.g. 'RETR hello.bin' or 'file written by STOR'. */
  what?: string;
}

/** Guess common causes of wrong data from the data itself. */
function dataHint(actual: Buffer, expected: Buffer): string | undefined {
  const crlf = (b: Buffer) => Buffer.from(b.toString("latin1").replace(/\r?\n/g, "\r\n"), "latin1");
  const lf = (b: Buffer) => Buffer.from(b.toString("latin1").replace(/\r\n/g, "\n"), "latin1");
  if (!actual.equals(expected) && (crlf(expected).equals(actual) || lf(expected).equals(actual))) {
    return "line endings were converted (ASCII mode, TYPE A); in binary mode (TYPE I) bytes must pass unchanged";
  }
  if (actual.length < expected.length && firstDifference(actual, expected) === actual.length) {
    return "the data stops early (truncated): the data connection was closed before everything was sent, or the last chunk was dropped";
  }
  if (actual.length > expected.length && firstDifference(actual, expected) === expected.length) {
    return "extra bytes after the expected end: was something appended, or the file not truncated before writing?";
  }
  return undefined;
}

/** Compare transferred data; on mismatch, show the offset and a hexdump of both sides there. */
export function expectBytes(actual: Buffer, expected: Buffer, ctx: BytesContext = {}): void {
  if (actual.equals(expected)) return;
  const at = firstDifference(actual, expected);
  const what = ctx.what ?? (ctx.sent !== undefined && ctx.sent.length ? escapeBytes(ctx.sent) : "data");
  const [e0, ...eRest] = hexdumpWindow(expected, at);
  const [a0, ...aRest] = hexdumpWindow(actual, at);
  const msg = [
    `Data mismatch for ${what}: first difference at byte ${at} (expected ${expected.length} bytes, received ${actual.length}).`,
    `  ${pad("expected:")}${e0}`,
    ...eRest.map((l) => indent + l),
    `  ${pad("received:")}${a0}`,
    ...aRest.map((l) => indent + l),
    ...tail(ctx, dataHint(actual, expected)),
  ];
  throw new HarnessError(msg.join("\n"));
}

/** A generic explained failure (used by FtpSocket for malformed PASV/EPSV replies and the like). */
export function explainFailure(headline: string, reply: Reply | undefined, ctx: ExplainContext): HarnessError {
  const msg = [
    headline,
    `  ${pad("sent:")}${sentText(ctx.sent)}`,
    ...(reply ? [`  ${pad("received:")}${escapeWindow(reply.raw).text}`] : []),
    ...tail(ctx),
  ];
  return new HarnessError(msg.join("\n"));
}
