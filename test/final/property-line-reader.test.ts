/**
 * Properties of command-line framing (final/src/protocol/line-reader.ts): bytes from the
 * control connection, cut into lines.
 *
 * The reference is a plain model of the whole byte stream: split at every LF; a segment
 * longer than the limit (its CR counted) is one "overlong" event; any other segment, less
 * one trailing CR, with Telnet commands removed, is a line; an unfinished segment longer
 * than the limit is one "overlong" event as soon as it is seen. The reader must produce
 * exactly the model's events however TCP cuts the stream into chunks, with one documented
 * exception: a chunk that ends in CR ends the line there (the LF of an ABOR sent as urgent
 * data is lost on Linux), tested on its own below.
 *
 * Limits are small (1-64 bytes) so that overlong lines are cheap to generate; the reader is
 * the same code whatever the limit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunksOf, cutsFor, hostileBytes, lineBytes, loadSrc, params, PROPERTY_TIMEOUT_MS } from "./property-arbitraries.ts";

type LineReaderModule = typeof import("../../final/src/protocol/line-reader.ts");
const { LineReader, stripTelnet } = await loadSrc<LineReaderModule>("protocol/line-reader.ts");

const CR = 0x0d;
const LF = 0x0a;
const IAC = 0xff;

type Ev = { kind: "line"; text: string } | { kind: "overlong" };

/** Events in a form that compares well and prints readably (latin1 keeps every byte). */
function norm(events: ReturnType<InstanceType<typeof LineReader>["push"]>): Ev[] {
  return events.map((e) => (e.kind === "line" ? { kind: "line", text: e.bytes.toString("latin1") } : { kind: "overlong" }));
}

function feed(max: number, chunks: Buffer[]): { events: Ev[]; maxPending: number } {
  const reader = new LineReader(max);
  const events: Ev[] = [];
  let maxPending = 0;
  for (const chunk of chunks) {
    events.push(...norm(reader.push(chunk)));
    // What the reader holds between chunks: the bound that keeps a client from making us buffer.
    const held = (reader as unknown as { pending: Buffer[] }).pending.reduce((n, b) => n + b.length, 0);
    maxPending = Math.max(maxPending, held);
  }
  return { events, maxPending };
}

/** RFC 854, independently of the server's code: IAC IAC is 0xFF, IAC + verb + option and IAC + command are dropped. */
function refStripTelnet(line: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < line.length; i++) {
    const b = line[i]!;
    if (b !== IAC) {
      out.push(b);
      continue;
    }
    const next = line[i + 1];
    if (next === undefined) break; // a lone IAC at the end: its command never came
    if (next === IAC) {
      out.push(IAC);
      i++;
    } else if (next >= 0xfb) {
      i += 2; // WILL, WONT, DO, DONT + option
    } else if (next >= 0xf0) {
      i += 1; // IP, DM, AYT, ...
    }
    // IAC followed by a non-command byte: the IAC is dropped, the byte kept.
  }
  return Buffer.from(out);
}

function model(stream: Buffer, max: number): Ev[] {
  const events: Ev[] = [];
  let start = 0;
  while (start < stream.length) {
    const lf = stream.indexOf(LF, start);
    if (lf === -1) {
      if (stream.length - start > max) events.push({ kind: "overlong" });
      break;
    }
    const seg = stream.subarray(start, lf);
    if (seg.length > max) events.push({ kind: "overlong" });
    else {
      const body = seg.length && seg[seg.length - 1] === CR ? seg.subarray(0, -1) : seg;
      events.push({ kind: "line", text: refStripTelnet(body).toString("latin1") });
    }
    start = lf + 1;
  }
  return events;
}

const limit = fc.integer({ min: 1, max: 64 });

/** Lines of hostile bytes (no CR or LF inside), each ended by CRLF or a bare LF; maybe an unfinished tail. */
const wellFramedStream = fc
  .record({
    lines: fc.array(fc.record({ body: lineBytes(80), crlf: fc.boolean() }), { maxLength: 12 }),
    tail: fc.option(lineBytes(80), { nil: undefined }),
  })
  .map(({ lines, tail }) =>
    Buffer.concat([...lines.map((l) => Buffer.concat([l.body, Buffer.from(l.crlf ? "\r\n" : "\n")])), tail ?? Buffer.alloc(0)]),
  );

describe("LineReader: framing is independent of how TCP cuts the stream", () => {
  it(
    "well-framed lines (CRLF or bare LF, any bytes inside), cut anywhere, even after every byte: the model's events",
    () => {
      fc.assert(
        fc.property(limit, wellFramedStream, cutsFor(1200), (max, stream, cuts) => {
          expect(feed(max, chunksOf(stream, cuts)).events).toEqual(model(stream, max));
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "arbitrary bytes (bare CR, NUL, IAC, invalid UTF-8, LFs anywhere), cut anywhere but right after a CR: the model's events",
    () => {
      fc.assert(
        fc.property(limit, hostileBytes(600), fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 16 }), (max, raw, cuts) => {
          // A chunk ending in CR is the ABOR rule (next test); keep chunk ends off CRs.
          const stream = raw.length && raw[raw.length - 1] === CR ? Buffer.concat([raw, Buffer.from([LF])]) : raw;
          const safeCuts = cuts.filter((c) => c > 0 && c < stream.length && stream[c - 1] !== CR);
          expect(feed(max, chunksOf(stream, safeCuts)).events).toEqual(model(stream, max));
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "pipelined: N lines in one chunk give the same events as one chunk per line",
    () => {
      fc.assert(
        fc.property(limit, fc.array(lineBytes(40), { minLength: 1, maxLength: 30 }), (max, bodies) => {
          const lines = bodies.map((b) => Buffer.concat([b, Buffer.from("\r\n")]));
          expect(feed(max, [Buffer.concat(lines)]).events).toEqual(feed(max, lines).events);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("LineReader: limits", () => {
  it(
    "never holds more than the limit between chunks, whatever arrives (no unbounded buffering)",
    () => {
      fc.assert(
        fc.property(limit, hostileBytes(2000), cutsFor(2000), (max, stream, cuts) => {
          const { maxPending, events } = feed(max, chunksOf(stream, cuts));
          expect(maxPending).toBeLessThanOrEqual(max);
          for (const e of events) {
            if (e.kind === "line") {
              expect(e.text.length).toBeLessThanOrEqual(max);
              expect(e.text.includes("\n")).toBe(false);
            }
          }
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "an overlong line gives exactly one overlong event and no piece of it ever becomes a line, however it is cut",
    () => {
      fc.assert(
        fc.property(
          limit,
          fc.array(lineBytes(20), { maxLength: 3 }),
          fc.integer({ min: 1, max: 150 }),
          lineBytes(200),
          fc.boolean(),
          lineBytes(20),
          cutsFor(600),
          (max, before, extra, filler, crlf, after, cuts) => {
            const fits = before.filter((b) => b.length + 2 <= max);
            const tail = after.subarray(0, Math.max(0, max - 2));
            // The overlong line: longer than the limit, from any line bytes (repeated to length).
            const size = max + extra;
            const body = Buffer.alloc(size, 0x41);
            if (filler.length) for (let i = 0; i < size; i++) body[i] = filler[i % filler.length]!;
            const stream = Buffer.concat([
              ...fits.map((b) => Buffer.concat([b, Buffer.from("\r\n")])),
              body,
              Buffer.from(crlf ? "\r\n" : "\n"),
              tail,
              Buffer.from("\r\n"),
            ]);
            const expected: Ev[] = [
              ...fits.map((b) => ({ kind: "line" as const, text: refStripTelnet(b).toString("latin1") })),
              { kind: "overlong" },
              { kind: "line", text: refStripTelnet(tail).toString("latin1") },
            ];
            expect(feed(max, chunksOf(stream, cuts)).events).toEqual(expected);
          },
        ),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("LineReader: a chunk that ends in CR ends the line (ABOR as urgent data loses its LF)", () => {
  it(
    "lines sent as 'line CR' chunks, the LF lost or arriving first in the next chunk: each line once, nothing extra",
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 6, max: 64 }), // room for the closing "NOOP\r"
          fc.array(fc.record({ body: lineBytes(60), lf: fc.constantFrom("lost", "next-chunk") }), { minLength: 1, maxLength: 10 }),
          (max, parts) => {
            const usable = parts
              .map((p) => ({ ...p, body: p.body.subarray(0, max - 1) }))
              .filter((p) => p.body.length >= 1);
            const chunks: Buffer[] = [];
            let carryLF = false;
            for (const p of usable) {
              chunks.push(Buffer.concat([Buffer.from(carryLF ? "\n" : ""), p.body, Buffer.from("\r")]));
              carryLF = p.lf === "next-chunk";
            }
            chunks.push(Buffer.from(carryLF ? "\nNOOP\r\n" : "NOOP\r\n"));
            const expected: Ev[] = [
              ...usable.map((p) => ({ kind: "line" as const, text: refStripTelnet(p.body).toString("latin1") })),
              { kind: "line", text: "NOOP" },
            ];
            expect(feed(max, chunks).events).toEqual(expected);
          },
        ),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("stripTelnet", () => {
  const escapeIAC = (b: Buffer) => Buffer.from([...b].flatMap((x) => (x === IAC ? [IAC, IAC] : [x])));

  it(
    "a line without IAC is returned unchanged; with IAC it only gets shorter",
    () => {
      fc.assert(
        fc.property(lineBytes(200), (line) => {
          const out = stripTelnet(line);
          if (!line.includes(IAC)) expect(out.equals(line)).toBe(true);
          expect(out.length).toBeLessThanOrEqual(line.length);
          expect(out.equals(refStripTelnet(line))).toBe(true);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "IAC IAC stands for 0xFF: stripping a Telnet-escaped line gives back exactly its bytes",
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          const b = Buffer.from(bytes);
          expect(stripTelnet(escapeIAC(b)).equals(b)).toBe(true);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "Telnet commands (IP, DM, AYT, WILL/WONT/DO/DONT x) inserted anywhere between escaped bytes change nothing",
    () => {
      const command = fc.oneof(
        fc.constantFrom(0xf4, 0xf2, 0xf6, 0xf1, 0xf9).map((c) => [IAC, c]),
        fc.tuple(fc.constantFrom(0xfb, 0xfc, 0xfd, 0xfe), fc.integer({ min: 0, max: 255 })).map(([v, o]) => [IAC, v, o]),
      );
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 100 }), fc.array(fc.tuple(fc.nat(), command), { maxLength: 6 }), (bytes, inserts) => {
          const units = [...Buffer.from(bytes)].map((x) => (x === IAC ? [IAC, IAC] : [x]));
          for (const [at, cmd] of inserts) units.splice(at % (units.length + 1), 0, cmd);
          expect(stripTelnet(Buffer.from(units.flat())).equals(Buffer.from(bytes))).toBe(true);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
