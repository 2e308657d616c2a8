/**
 * Properties of what happens to a line after framing: decoding (protocol/codec.ts), the
 * verb/argument split (protocol/command-line.ts), and the way replies are written
 * (protocol/reply.ts): whatever text a reply carries, the client reads exactly one reply.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReplyParser } from "../harness/index.ts";
import { anyString, lineBytes, loadSrc, params, PROPERTY_TIMEOUT_MS } from "./property-arbitraries.ts";

const { parseCommandLine } = await loadSrc<typeof import("../../final/src/protocol/command-line.ts")>("protocol/command-line.ts");
const { utf8 } = await loadSrc<typeof import("../../final/src/protocol/codec.ts")>("protocol/codec.ts");
const { formatReply, quotePath, oneLine } = await loadSrc<typeof import("../../final/src/protocol/reply.ts")>("protocol/reply.ts");

const asciiUpper = (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase());

describe("parseCommandLine", () => {
  it(
    "splits at the first space: the argument is kept byte for byte (leading, trailing, inner spaces), the verb has no space and only its ASCII letters upper-cased",
    () => {
      fc.assert(
        fc.property(anyString, (line) => {
          const { verb, arg } = parseCommandLine(line);
          const space = line.indexOf(" ");
          // Only ASCII letters change case: "ſtor" must not become STOR (regressions.test.ts).
          const asciiUpper = (text: string) => text.replace(/[a-z]/g, (c) => c.toUpperCase());
          expect(verb.includes(" ")).toBe(false);
          if (space === -1) {
            expect(arg).toBe("");
            expect(verb).toBe(asciiUpper(line));
          } else {
            expect(arg).toBe(line.slice(space + 1));
            expect(verb).toBe(asciiUpper(line.slice(0, space)));
          }
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "ASCII verbs are case-insensitive: any casing of a verb gives the same upper-case verb",
    () => {
      const verb = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split("")), minLength: 1, maxLength: 6 });
      fc.assert(
        fc.property(verb, fc.string({ maxLength: 30 }), (v, rest) => {
          const line = `${v} ${rest}`;
          expect(parseCommandLine(line)).toEqual({ verb: asciiUpper(v), arg: rest });
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("UTF-8 codec (RFC 2640)", () => {
  it(
    "decoding any bytes never throws, is lossless (encode gives the same bytes back), and escapes what is not UTF-8 as U+DC80..U+DCFF",
    () => {
      fc.assert(
        fc.property(lineBytes(200), (bytes) => {
          const text = utf8.decode(bytes);
          expect(typeof text).toBe("string");
          const valid = (() => {
            try {
              new TextDecoder("utf-8", { fatal: true }).decode(bytes);
              return true;
            } catch {
              return false;
            }
          })();
          // Each byte that is not part of valid UTF-8 is one lone surrogate U+DC80..U+DCFF.
          if (!valid) expect(text).toMatch(/[\uDC80-\uDCFF]/u);
          expect(utf8.encode(text).equals(Buffer.from(bytes))).toBe(true);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "names round-trip: encode(decode(UTF-8 of s)) is the same bytes (a BOM-less, well-formed name)",
    () => {
      fc.assert(
        fc.property(fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.startsWith("\uFEFF")), (s) => {
          const bytes = Buffer.from(s, "utf8");
          expect(utf8.encode(utf8.decode(bytes)).equals(bytes)).toBe(true);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("replies: whatever text they carry, the client reads exactly one well-formed reply", () => {
  const code = fc.integer({ min: 100, max: 599 });
  const text = fc.oneof(anyString, fc.array(anyString, { minLength: 1, maxLength: 6 }));

  it(
    "formatReply(code, text) parses (strict RFC 959 parser) as one reply with that code, ending in CRLF",
    () => {
      fc.assert(
        fc.property(code, text, (c, t) => {
          const wire = Buffer.from(formatReply(c, t), "utf8");
          const parser = new ReplyParser();
          const { replies, error } = parser.push(wire);
          expect(error).toBeUndefined();
          expect(replies).toHaveLength(1);
          expect(replies[0]!.code).toBe(c);
          expect(replies[0]!.raw.equals(wire)).toBe(true);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "a file name in a reply cannot add a line: oneLine removes every CR and LF and changes nothing else",
    () => {
      fc.assert(
        fc.property(anyString, (s) => {
          const out = oneLine(s);
          expect(/[\r\n]/.test(out)).toBe(false);
          expect(out.length).toBe(s.length);
          expect(out).toBe(s.replace(/[\r\n]/g, " "));
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'quotePath doubles every quote (RFC 959 appendix II): reading the quoted name back gives the path',
    () => {
      fc.assert(
        fc.property(anyString, (p) => {
          const q = quotePath(p);
          expect(q.startsWith('"') && q.endsWith('"')).toBe(true);
          expect(q.slice(1, -1).replace(/""/g, '"')).toBe(p);
          // No lone quote inside: a client scanning for the closing quote stops at the right one.
          expect(/(^|[^"])"([^"]|$)/.test(q.slice(1, -1).replace(/""/g, ""))).toBe(false);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
