/**
 * Shared pieces of the property suite (test/final/property-*.test.ts): how many runs, where
 * the modules under test come from, and generators of hostile input.
 *
 * Runs: 2000 per property by default (the whole suite stays under ~20 s); FUZZ_RUNS=100000
 * goes long. A failure prints fast-check's seed and path; FUZZ_SEED=<seed> replays it.
 *
 * Modules: final/src, unless FTP_PROPERTY_SRC names another copy of the source tree (a
 * deliberately broken scratch copy, to see these properties fail): the modules are loaded
 * from there, each property file importing everything (FtpError included) from the same tree.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { REPO_ROOT } from "../harness/index.ts";

export const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 2000) || 2000);

/** fast-check parameters for one property; `scale` shrinks the run count for slow properties. */
export function params(scale = 1): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED;
  return {
    numRuns: Math.max(1, Math.round(RUNS * scale)),
    ...(seed !== undefined && seed !== "" ? { seed: Number(seed) } : {}),
  };
}

/** Per-property timeout for vitest: generous, since FUZZ_RUNS may be large. */
export const PROPERTY_TIMEOUT_MS = Math.max(30_000, RUNS * 30);

export const SRC_ROOT = path.resolve(REPO_ROOT, process.env.FTP_PROPERTY_SRC ?? "final/src");

/** Import a module of the server source ("fs/jail.ts") from SRC_ROOT. */
export async function loadSrc<T>(relative: string): Promise<T> {
  return (await import(pathToFileURL(path.join(SRC_ROOT, relative)).href)) as T;
}

// ---- bytes ---------------------------------------------------------------------------------

const CR = 0x0d;
const LF = 0x0a;
const IAC = 0xff;

/**
 * Bytes a hostile or broken client might put in a command line: printable ASCII, NUL and
 * other controls, CR and LF, Telnet IAC and its command bytes, UTF-8 lead and continuation
 * bytes (valid or not).
 */
export const hostileByte: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.constantFrom(CR, LF) },
  { weight: 1, arbitrary: fc.constantFrom(0x00, 0x01, 0x07, 0x08, 0x09, 0x1b, 0x7f) },
  { weight: 2, arbitrary: fc.constantFrom(IAC, 0xf4, 0xf2, 0xfb, 0xfc, 0xfd, 0xfe, 0xf0, 0xfa) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xfe }) },
);

export function hostileBytes(maxLength: number): fc.Arbitrary<Buffer> {
  return fc.array(hostileByte, { maxLength }).map((a) => Buffer.from(a));
}

/** The same bytes without CR and LF: the inside of one line. */
export function lineBytes(maxLength: number): fc.Arbitrary<Buffer> {
  return fc
    .array(
      hostileByte.filter((b) => b !== CR && b !== LF),
      { maxLength },
    )
    .map((a) => Buffer.from(a));
}

/**
 * Cut `data` into consecutive non-empty chunks at the given positions (sorted, deduplicated,
 * clamped): the way TCP may deliver one write in pieces.
 */
export function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.max(1, Math.min(data.length - 1, c))))]
    .filter((c) => c > 0 && c < data.length)
    .sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    chunks.push(data.subarray(start, p));
    start = p;
  }
  if (start < data.length) chunks.push(data.subarray(start));
  return chunks;
}

/** Split positions for a buffer of up to `max` bytes (0-12 cuts; or one per byte, sometimes). */
export function cutsFor(max: number): fc.Arbitrary<number[] | "every-byte"> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(fc.integer({ min: 0, max: Math.max(0, max) }), { maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constant("every-byte" as const) },
  );
}

export function chunksOf(data: Buffer, cuts: number[] | "every-byte"): Buffer[] {
  if (cuts === "every-byte") return [...data].map((b) => Buffer.from([b]));
  return splitAt(data, cuts);
}

// ---- text ----------------------------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Any JS string, lone surrogates included (what a decoder or a bug might produce). */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ unit: fc.oneof(fc.string({ minLength: 1, maxLength: 1 }), loneSurrogate), maxLength: 20 }),
  fc.string({ unit: fc.constantFrom(" ", "\t", ",", "|", ".", ":", "0", "1", "9", "-", "+", "a", "\0", "\n", "\uFF10", "\u0661"), maxLength: 40 }),
);
