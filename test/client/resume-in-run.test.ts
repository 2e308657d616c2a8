/**
 * Resuming inside one run and checking the result, against the final server: a data connection
 * cut by --break-after is resumed at once (get and put); with --retries 0 the next run resumes;
 * a part file that is not the server's file is caught by HASH and downloaded again; get -c
 * continues a short file another program left.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { bytes, explain, runClient, sha256 } from "./helpers.ts";

const DATA = bytes(0x5eed, 900_000);

describe("resume within a run, and verification (final server)", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: RunningServer;
  let url: string;
  const client = (args: string[]) => runClient(args, { cwd: work.dir });

  beforeAll(async () => {
    root = makeTempRoot({ "data.bin": DATA, "other.bin": DATA });
    work = makeTempRoot({ "local.bin": DATA });
    server = await startServer({ root: root.dir, args: ["-w"] });
    url = `ftp://127.0.0.1:${server.port}/`;
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("get: the data connection cut after 300 KB is resumed in the same run (REST), byte for byte", async () => {
    const run = await client(["--break-after", "300K", "--debug", url, "get", "data.bin", "cut.bin"]);
    expect(run.code, explain(run, server)).toBe(0);
    expect(run.stderr).toMatch(/data\.bin: interrupted at [\d.]+ KB \(data connection cut after 307200 bytes \(--break-after\)\); retry 1 of 3/);
    expect(run.stderr).toMatch(/^C: REST \d+\nS: 350 /m);
    expect(sha256(work.read("cut.bin"))).toBe(sha256(DATA));
    expect(run.stdout).toMatch(/get data\.bin: .*resumed at .*verified: SHA-256/);
  });

  it("put: cut after 300 KB, the server's SIZE says where to go on (REST + STOR), byte for byte", async () => {
    const run = await client(["--break-after", "300K", "--debug", url, "put", "local.bin", "cut-up.bin"]);
    expect(run.code, explain(run, server)).toBe(0);
    expect(run.stderr).toMatch(/cut-up\.bin: interrupted .*; the server has [\d.]+ KB; retry 1 of 3/);
    const size = /^C: SIZE cut-up\.bin\nS: 213 (\d+)$/m.exec(run.stderr);
    expect(size, explain(run)).not.toBeNull();
    expect(run.stderr).toMatch(new RegExp(`^C: REST ${size![1]}\\nS: 350 [^\\n]*\\nC: STOR cut-up\\.bin$`, "m"));
    expect(sha256(root.read("cut-up.bin"))).toBe(sha256(DATA));
  });

  it("with --retries 0 the cut get fails (exit 1, part file kept) and the next run finishes it", async () => {
    const first = await client(["--retries", "0", "--break-after", "200K", url, "get", "other.bin"]);
    expect(first.code, explain(first)).toBe(1);
    expect(first.stderr).toMatch(/get other\.bin: interrupted at [\d.]+ KB .*"get other\.bin" again continues from there/);
    const have = fs.statSync(work.path("other.bin.part")).size;
    expect(have).toBeGreaterThan(0);
    expect(have).toBeLessThanOrEqual(200 * 1024);
    const second = await client([url, "get", "other.bin"]);
    expect(second.code, explain(second)).toBe(0);
    expect(second.stderr).toContain(`(${have} of 900000 bytes here): REST ${have}`);
    expect(sha256(work.read("other.bin"))).toBe(sha256(DATA));
  });

  it("a part file with other bytes: HASH tells, and the file is downloaded again from the start", async () => {
    fs.writeFileSync(work.path("wrong.bin.part"), bytes(0xbad, 100_000));
    const run = await client([url, "get", "data.bin", "wrong.bin"]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stderr).toMatch(/data\.bin: SHA-256 differs: .* after resuming; downloading it again from the start/);
    expect(sha256(work.read("wrong.bin"))).toBe(sha256(DATA));
  });

  it("get -c continues a short file left by another program; when complete it is only checked", async () => {
    fs.writeFileSync(work.path("short.bin"), DATA.subarray(0, 123_456));
    const run = await client([url, "get -c data.bin short.bin; get -c data.bin short.bin"]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stderr).toContain("(123456 of 900000 bytes here): REST 123456");
    expect(run.stdout).toMatch(/get data\.bin: complete already \(878\.9 KB\); verified: SHA-256/);
    expect(sha256(work.read("short.bin"))).toBe(sha256(DATA));
  });
});
