/**
 * TYPE A line-ending conversion (final/src/transfer/ascii.ts). TCP cuts a stream anywhere,
 * so the output must not depend on where the chunks end: every input is fed whole, then
 * split at every possible boundary (one and two cuts), then byte by byte, and all results
 * must be equal to the unsplit one.
 */
import type { Transform } from "node:stream";
import { describe, expect, it } from "vitest";
import { ToLocalLines, ToNetworkLines } from "../../final/src/transfer/ascii.ts";

async function run(make: () => Transform, chunks: Buffer[]): Promise<Buffer> {
  const t = make();
  const out: Buffer[] = [];
  t.on("data", (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    t.on("end", resolve);
    t.on("error", reject);
  });
  // Each write() reaches _transform as one chunk, so the cut points are exactly ours.
  for (const c of chunks) t.write(c);
  t.end();
  await done;
  return Buffer.concat(out);
}

function show(b: Buffer): string {
  return JSON.stringify(b.toString("latin1"));
}

/** All ways to cut `input` into 1, 2 or 3 pieces, plus one byte at a time. */
function splits(input: Buffer): Buffer[][] {
  const out: Buffer[][] = [[input]];
  for (let i = 0; i <= input.length; i++) {
    out.push([input.subarray(0, i), input.subarray(i)]);
    for (let j = i; j <= input.length; j++) out.push([input.subarray(0, i), input.subarray(i, j), input.subarray(j)]);
  }
  out.push([...input].map((b) => Buffer.from([b])));
  return out;
}

async function expectChunkingInvariant(make: () => Transform, input: Buffer, expected: Buffer): Promise<void> {
  const whole = await run(make, [input]);
  expect(show(whole), `unsplit ${show(input)}`).toBe(show(expected));
  for (const chunks of splits(input)) {
    // Empty pieces (cuts at the ends) are dropped: writing an empty buffer is not a TCP chunk.
    const nonEmpty = chunks.filter((c) => c.length > 0);
    const got = await run(make, nonEmpty);
    expect(show(got), `chunks ${JSON.stringify(nonEmpty.map((c) => c.toString("latin1")))}`).toBe(show(expected));
  }
}

const b = (s: string) => Buffer.from(s, "latin1");

describe("ToNetworkLines (RETR in TYPE A: LF -> CRLF, CRLF stays)", () => {
  const cases: Array<[string, string]> = [
    ["a\nb\n", "a\r\nb\r\n"],
    ["a\r\nb\r\n", "a\r\nb\r\n"], // already CRLF: no CR CR LF
    ["\n\n\n", "\r\n\r\n\r\n"],
    ["a\rb\r", "a\rb\r"], // lone CR is left alone
    ["x\r\n\ny\r\r\nz", "x\r\n\r\ny\r\r\nz"],
    ["no newline at all", "no newline at all"],
    ["\r\n", "\r\n"],
    ["\n", "\r\n"],
    ["\r", "\r"],
    ["mixed\nlines\r\nand\rcr\n\r\n", "mixed\r\nlines\r\nand\rcr\r\n\r\n"],
  ];
  it.each(cases)("%j -> %j at every chunk boundary", async (input, expected) => {
    await expectChunkingInvariant(() => new ToNetworkLines(), b(input), b(expected));
  });

  it("a CR at the end of one chunk and the LF at the start of the next stays one CRLF", async () => {
    expect(show(await run(() => new ToNetworkLines(), [b("line\r"), b("\nnext\n")]))).toBe(show(b("line\r\nnext\r\n")));
  });

  it("binary bytes other than LF pass unchanged", async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((i) => i !== 0x0a));
    expect((await run(() => new ToNetworkLines(), [all])).equals(all)).toBe(true);
  });
});

describe("ToLocalLines (STOR in TYPE A: CRLF -> LF, a lone CR stays)", () => {
  const cases: Array<[string, string]> = [
    ["a\r\nb\r\n", "a\nb\n"],
    ["a\nb\n", "a\nb\n"],
    ["a\rb\r", "a\rb\r"], // lone CR kept, also at the very end
    ["\r\r\n", "\r\n"],
    ["\r\n\r\n", "\n\n"],
    ["x\r\r\r\ny", "x\r\r\ny"],
    ["\r", "\r"],
    ["\r\n", "\n"],
    ["end with cr\r", "end with cr\r"],
    ["one\r\ntwo\rthree\nfour\r\n\r", "one\ntwo\rthree\nfour\n\r"],
  ];
  it.each(cases)("%j -> %j at every chunk boundary", async (input, expected) => {
    await expectChunkingInvariant(() => new ToLocalLines(), b(input), b(expected));
  });

  it("a CR at the end of one chunk and the LF at the start of the next become one LF", async () => {
    expect(show(await run(() => new ToLocalLines(), [b("line\r"), b("\nnext\r\n")]))).toBe(show(b("line\nnext\n")));
  });

  it("a CR at the end of one chunk followed by a non-LF chunk is kept", async () => {
    expect(show(await run(() => new ToLocalLines(), [b("a\r"), b("b")]))).toBe(show(b("a\rb")));
  });

  it("round trip: ToLocalLines(ToNetworkLines(x)) == x for LF text without CRs", async () => {
    const text = b("alpha\nbeta\n\ngamma\nlast line without newline");
    const net = await run(() => new ToNetworkLines(), [text]);
    expect(show(await run(() => new ToLocalLines(), [net]))).toBe(show(text));
  });
});
