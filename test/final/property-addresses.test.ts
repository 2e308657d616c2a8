/**
 * Properties of the data-connection address formats (final/src/data/address.ts): PORT and
 * EPRT arguments from the client, 227 and 229 replies to it.
 *
 *   parse ∘ format is the identity (what we announce, a client reads back; what a client
 *   sends in the standard form, we read exactly);
 *   any other input is refused with an FtpError (501, or 522 for an unknown EPRT protocol),
 *   never another exception, and what is accepted is always a real address and a port 1-65535.
 */
import { isIP } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEpsv, parsePasv, type Reply } from "../harness/index.ts";
import { anyString, loadSrc, params, PROPERTY_TIMEOUT_MS } from "./property-arbitraries.ts";

const { parsePortArg, parseEprtArg, formatPasv, formatEpsv } = await loadSrc<typeof import("../../final/src/data/address.ts")>(
  "data/address.ts",
);
const { parsePortRange } = await loadSrc<typeof import("../../final/src/config/values.ts")>("config/values.ts");
const { FtpError } = await loadSrc<typeof import("../../final/src/protocol/reply.ts")>("protocol/reply.ts");

const byte = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(byte, byte, byte, byte).map((b) => b.join("."));
const port = fc.integer({ min: 1, max: 65535 });

/** Numbers as a sloppy or hostile client writes them: padded, signed, huge, empty, fractional, other digits. */
const numberText = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 300 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((n) => `00${n}`) },
  { weight: 1, arbitrary: fc.integer({ min: -300, max: -1 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "+1", "1.5", "1e2", "0x10", "９", "\u0661", "255 ", " 1", "99999999999999999999", "NaN", "Infinity") },
);
const nearPortArg = fc.array(numberText, { minLength: 0, maxLength: 8 }).map((parts) => parts.join(","));
const nearEprtArg = fc
  .record({
    delim: fc.constantFrom("|", "!", "#", "$", ",", "1", ":", " ", ""),
    proto: fc.constantFrom("1", "2", "3", "", "01", "a"),
    host: fc.oneof(ipv4, fc.ipV6(), fc.constantFrom("", "localhost", "::ffff:127.0.0.1", "1.2.3", "fe80::1%eth0", "999.1.1.1")),
    port: numberText,
    fields: fc.integer({ min: 3, max: 6 }),
  })
  .map(({ delim, proto, host, port, fields }) => [ "", proto, host, port, "", "x" ].slice(0, fields).join(delim));

function reply(code: number, text: string): Reply {
  const line = `${code} ${text}`;
  return { code, lines: [line], text, raw: Buffer.from(line + "\r\n") };
}

/** The parser's outcome: a value, or the FtpError code; anything else fails the property. */
function outcome<T>(f: () => T): { ok: T } | { code: number } {
  try {
    return { ok: f() };
  } catch (err) {
    if (!(err instanceof FtpError)) throw new Error(`threw a ${(err as Error)?.constructor?.name}, not an FtpError: ${String(err)}`);
    return { code: err.code };
  }
}

describe("PORT / PASV", () => {
  it(
    "round trip: formatPasv(host, port) read back by a strict client, and its tuple given to parsePortArg, is the same address",
    () => {
      fc.assert(
        fc.property(ipv4, port, (host, p) => {
          const text = formatPasv(host, p);
          expect(parsePasv(reply(227, text))).toEqual({ host, port: p });
          const tuple = /\(([^)]*)\)/.exec(text)![1]!;
          expect(parsePortArg(tuple)).toEqual({ host, port: p });
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "any argument: an IPv4 address and a port 1-65535, or an FtpError 501; nothing else is ever thrown",
    () => {
      fc.assert(
        fc.property(fc.oneof(nearPortArg, anyString), (arg) => {
          const r = outcome(() => parsePortArg(arg));
          if ("code" in r) expect(r.code).toBe(501);
          else {
            expect(isIP(r.ok.host)).toBe(4);
            expect(r.ok.port).toBeGreaterThanOrEqual(1);
            expect(r.ok.port).toBeLessThanOrEqual(65535);
            // What was accepted is what was written: six numbers 0-255.
            const nums = arg.trim().split(",").map((s) => Number(s.trim()));
            expect(r.ok).toEqual({ host: nums.slice(0, 4).join("."), port: nums[4]! * 256 + nums[5]! });
          }
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("EPRT / EPSV", () => {
  it(
    "round trip: EPRT |1|v4|port| and |2|v6|port|, with any delimiter (33-126) not used inside the fields, gives back address and port",
    () => {
      const delim = fc.integer({ min: 33, max: 126 }).map((c) => String.fromCharCode(c));
      fc.assert(
        fc.property(fc.oneof(ipv4.map((h) => ["1", h] as const), fc.ipV6().map((h) => ["2", h] as const)), port, delim, ([proto, host], p, d) => {
          fc.pre(!`${proto}${host}${p}`.includes(d));
          expect(parseEprtArg(`${d}${proto}${d}${host}${d}${p}${d}`)).toEqual({ host, port: p });
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "formatEpsv(port) is read back by a strict client as that port",
    () => {
      fc.assert(
        fc.property(port, (p) => {
          expect(parseEpsv(reply(229, formatEpsv(p)), "127.0.0.1")).toEqual({ host: "127.0.0.1", port: p });
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "any argument: an address of the named family and a port 1-65535, or an FtpError 501/522; nothing else is ever thrown",
    () => {
      fc.assert(
        fc.property(fc.oneof(nearEprtArg, anyString), (arg) => {
          const r = outcome(() => parseEprtArg(arg));
          if ("code" in r) expect([501, 522]).toContain(r.code);
          else {
            const proto = arg.split(arg[0]!)[1];
            expect(isIP(r.ok.host)).toBe(proto === "1" ? 4 : 6);
            expect(Number.isInteger(r.ok.port) && r.ok.port >= 1 && r.ok.port <= 65535).toBe(true);
          }
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("parsePortRange (-r FROM-TO)", () => {
  it(
    "any text: 1 <= from <= to <= 65535, or an Error whose message says what to write",
    () => {
      const rangeText = fc.oneof(
        fc.tuple(fc.integer({ min: -5, max: 70000 }), fc.integer({ min: -5, max: 70000 })).map(([a, b]) => `${a}-${b}`),
        anyString,
      );
      fc.assert(
        fc.property(rangeText, (text) => {
          let r: { from: number; to: number } | undefined;
          try {
            r = parsePortRange(text);
          } catch (err) {
            expect(err).toBeInstanceOf(Error);
            expect((err as Error).message).toMatch(/FROM-TO/);
            return;
          }
          expect(r.from).toBeGreaterThanOrEqual(1);
          expect(r.from).toBeLessThanOrEqual(r.to);
          expect(r.to).toBeLessThanOrEqual(65535);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
