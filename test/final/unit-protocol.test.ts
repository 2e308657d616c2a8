/**
 * Unit tests of the pure protocol modules: LineReader (bytes -> command lines) and
 * formatReply (reply text -> bytes on the wire).
 */
import { describe, expect, it } from "vitest";
import { LineReader, stripTelnet, type LineEvent } from "../../final/src/protocol/line-reader.ts";
import { formatReply, oneLine, quotePath } from "../../final/src/protocol/reply.ts";
import { parseReply } from "../harness/index.ts";

/** Readable form of reader events: lines as latin1 strings, overlong as a marker. */
function show(events: LineEvent[]): string[] {
  return events.map((e) => (e.kind === "line" ? e.bytes.toString("latin1") : "<overlong>"));
}

function feed(reader: LineReader, ...chunks: Array<string | Buffer>): string[] {
  const out: string[] = [];
  for (const c of chunks) out.push(...show(reader.push(typeof c === "string" ? Buffer.from(c, "latin1") : c)));
  return out;
}

describe("LineReader", () => {
  it("splits CRLF lines and keeps the argument as sent", () => {
    expect(feed(new LineReader(100), "USER anna\r\n")).toEqual(["USER anna"]);
    expect(feed(new LineReader(100), "RETR  two  spaces \r\n")).toEqual(["RETR  two  spaces "]);
  });

  it("returns every line of a pipelined chunk, in order", () => {
    expect(feed(new LineReader(100), "USER a\r\nPASS b\r\nPWD\r\nQUIT\r\n")).toEqual(["USER a", "PASS b", "PWD", "QUIT"]);
  });

  it("joins a line that arrives in pieces, byte by byte", () => {
    const r = new LineReader(100);
    const bytes = "USER anna\r\nPASS s3cret\r\n";
    const out: string[] = [];
    for (const ch of bytes) out.push(...feed(r, ch));
    expect(out).toEqual(["USER anna", "PASS s3cret"]);
  });

  it("accepts a bare LF as line end", () => {
    expect(feed(new LineReader(100), "NOOP\nSYST\n")).toEqual(["NOOP", "SYST"]);
  });

  it("keeps an incomplete line until its end arrives", () => {
    const r = new LineReader(100);
    expect(feed(r, "NO")).toEqual([]);
    expect(feed(r, "OP")).toEqual([]);
    expect(feed(r, "\r\n")).toEqual(["NOOP"]);
  });

  it("a CR at the end of one chunk and the LF at the start of the next give exactly one line", () => {
    const r = new LineReader(100);
    const first = feed(r, "NOOP\r");
    const second = feed(r, "\nSYST\r\n");
    expect([...first, ...second]).toEqual(["NOOP", "SYST"]);
  });

  it("a CR-ended chunk followed by a chunk without LF does not lose or merge the next line", () => {
    const r = new LineReader(100);
    expect([...feed(r, "ABOR\r"), ...feed(r, "NOOP\r\n")]).toEqual(["ABOR", "NOOP"]);
  });

  it("an empty line is reported as an empty line (the session answers 500)", () => {
    expect(feed(new LineReader(100), "\r\n")).toEqual([""]);
  });

  it("an overlong line gives exactly one overlong event, even across many chunks, and the next line is fine", () => {
    const r = new LineReader(16);
    const out = feed(r, "RETR " + "x".repeat(10), "y".repeat(10), "z".repeat(50), "w".repeat(50) + "\r\n", "NOOP\r\n");
    expect(out).toEqual(["<overlong>", "NOOP"]);
  });

  it("an overlong line inside one chunk gives one event and the following lines survive", () => {
    const out = feed(new LineReader(8), "NOOP\r\n" + "A".repeat(40) + "\r\nSYST\r\n");
    expect(out).toEqual(["NOOP", "<overlong>", "SYST"]);
  });

  it("a line of exactly the limit is accepted", () => {
    // The limit counts the line without its LF (the CR may count); 8 bytes of text is safe at 10.
    expect(feed(new LineReader(10), "ABCDEFGH\r\n")).toEqual(["ABCDEFGH"]);
  });

  it("strips Telnet IAC IP / IAC DM before ABOR", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xf4, 0xff, 0xf2]), Buffer.from("ABOR\r\n")]);
    expect(feed(new LineReader(100), bytes)).toEqual(["ABOR"]);
  });

  it("strips a lone IAC whose DM was taken as urgent data", () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xf4, 0xff]), Buffer.from("ABOR\r\n")]);
    expect(feed(new LineReader(100), bytes)).toEqual(["ABOR"]);
  });

  it("strips Telnet option negotiation (IAC WILL/WONT/DO/DONT x) and keeps IAC IAC as one 0xFF byte", () => {
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfd, 0x01]), // IAC DO ECHO
      Buffer.from("RETR a"),
      Buffer.from([0xff, 0xff]), // IAC IAC = a literal 0xFF in the name
      Buffer.from("b"),
      Buffer.from([0xff, 0xfc, 0x03]), // IAC WONT SGA
      Buffer.from("\r\n"),
    ]);
    const [ev] = new LineReader(100).push(bytes);
    expect(ev?.kind).toBe("line");
    expect((ev as { bytes: Buffer }).bytes).toEqual(Buffer.concat([Buffer.from("RETR a"), Buffer.from([0xff]), Buffer.from("b")]));
  });

  it("stripTelnet leaves a line without IAC untouched", () => {
    const b = Buffer.from("NOOP");
    expect(stripTelnet(b)).toEqual(b);
  });
});

describe("formatReply", () => {
  it("a one-line reply is 'code text CRLF'", () => {
    expect(formatReply(200, "NOOP ok.")).toBe("200 NOOP ok.\r\n");
  });

  it("a multi-line reply starts 'code-', ends 'code ', and its middle lines start with a space", () => {
    const wire = formatReply(211, ["Features:", "UTF8", "211 looks like an end", "SIZE", "End"]);
    expect(wire).toBe("211-Features:\r\n UTF8\r\n 211 looks like an end\r\n SIZE\r\n211 End\r\n");
    // And the harness' strict parser sees exactly one reply.
    const r = parseReply(wire);
    expect(r.code).toBe(211);
    expect(r.lines).toHaveLength(5);
  });

  it("every middle line of a long multi-line reply starts with a space", () => {
    const lines = ["first", ...Array.from({ length: 50 }, (_, i) => `${200 + i} line`), "last"];
    const wire = formatReply(214, lines).split("\r\n").slice(0, -1);
    expect(wire[0]).toBe("214-first");
    expect(wire.at(-1)).toBe("214 last");
    for (const l of wire.slice(1, -1)) expect(l.startsWith(" "), `continuation line "${l}"`).toBe(true);
  });

  it("a CR or LF inside a single-line text cannot start a new reply line", () => {
    for (const evil of ["a\r\n230 forged", "a\r230 forged", "a\n230 forged"]) {
      const wire = formatReply(550, evil);
      // However the text is split, no line on the wire may begin with a code + space other than the last.
      const lines = wire.split("\r\n").slice(0, -1);
      for (const l of lines) expect(l.includes("\r") || l.includes("\n"), JSON.stringify(l)).toBe(false);
      const r = parseReply(wire);
      expect(r.code).toBe(550);
    }
  });

  it("a CR or LF inside a line of a multi-line reply is replaced, so the reply stays one reply", () => {
    const wire = formatReply(250, ["Listing /x", "type=file; /evil\r\n250 forged", "End."]);
    expect(wire.split("\r\n").slice(0, -1)).toHaveLength(3);
    const r = parseReply(wire);
    expect(r.lines).toHaveLength(3);
    expect(r.lines[2]).toBe("250 End.");
  });

  it("oneLine replaces CR and LF with spaces and keeps everything else", () => {
    expect(oneLine("a\r\nb\rc\nd é")).toBe("a  b c d é");
  });

  it("quotePath doubles quotes inside a path name (RFC 959 appendix II)", () => {
    expect(quotePath('/say "hi"')).toBe('"/say ""hi"""');
    expect(quotePath("/")).toBe('"/"');
  });
});
