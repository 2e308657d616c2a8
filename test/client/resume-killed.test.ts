/**
 * Interrupted for real: the client is killed (SIGKILL) in the middle of a transfer from a
 * throttled final server (--write-limit / --read-limit make it last), then run again. A get
 * continues its part file with REST; put -c asks SIZE, then REST + STOR. Byte for byte, checked
 * with HASH, and with progress lines since stderr is not a terminal.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { bytes, explain, fileSize, runClient, sha256, spawnClient, waitUntil } from "./helpers.ts";

const SIZE = 1_500_000;
const DOWN = bytes(0xd0e1, SIZE);
const UP = bytes(0x0e1d, SIZE);

/** Wait until a file stops growing (the server has finished with the broken upload). */
async function settled(file: string): Promise<number> {
  let last = -1;
  for (;;) {
    const now = fileSize(file);
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe("resume after the client was killed (final server, throttled to 800 KB/s)", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    root = makeTempRoot({ "big.bin": DOWN });
    work = makeTempRoot({ "up.bin": UP });
    server = await startServer({ root: root.dir, args: ["-w", "--write-limit", "800K", "--read-limit", "800K"] });
    url = `ftp://127.0.0.1:${server.port}/`;
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("get: killed at about 300 KB, run again: REST from the part file, byte for byte", async () => {
    const part = work.path("big.bin.part");
    const first = spawnClient([url, "get", "big.bin"], { cwd: work.dir });
    await waitUntil("the part file to pass 300 KB", () => fileSize(part) >= 300_000, 15_000);
    first.proc.kill("SIGKILL");
    await first.done;
    const have = fileSize(part);
    expect(have).toBeLessThan(SIZE);
    expect(fs.existsSync(work.path("big.bin"))).toBe(false);

    const again = await runClient(["--debug", url, "get", "big.bin"], { cwd: work.dir });
    expect(again.code, explain(again, server)).toBe(0);
    expect(again.stderr).toContain(`resuming big.bin at`);
    expect(again.stderr).toMatch(new RegExp(`^C: REST ${have}\\nS: 350 [^\\n]*\\nC: RETR big\\.bin$`, "m"));
    expect(again.stderr).toContain(`D: ${SIZE - have} bytes received`);
    expect(sha256(work.read("big.bin"))).toBe(sha256(DOWN));
    expect(fs.existsSync(part)).toBe(false);
    expect(again.stdout).toMatch(/resumed at [\d.]+ KB of 1\.4 MB; verified: SHA-256 [0-9a-f]{16}… matches the server's/);
    // Not a terminal: plain progress lines, about one a second.
    expect(again.stderr).toMatch(/^get big\.bin: \d+% [\d.]+ (KB|MB) of 1\.4 MB, [\d.]+ KB\/s, ETA [\d.]+ s$/m);
    expect(again.stderr).toMatch(/^get big\.bin: 100% 1\.4 MB of 1\.4 MB/m);
  });

  it("put: killed at about 300 KB on the server, put -c: SIZE, then REST + STOR, byte for byte", async () => {
    const remote = root.path("up.bin");
    const first = spawnClient([url, "put", "up.bin"], { cwd: work.dir });
    await waitUntil("the server's copy to pass 300 KB", () => fileSize(remote) >= 300_000, 15_000);
    first.proc.kill("SIGKILL");
    await first.done;
    const have = await settled(remote);
    expect(have).toBeLessThan(SIZE);

    const again = await runClient(["--debug", url, "put", "-c", "up.bin"], { cwd: work.dir });
    expect(again.code, explain(again, server)).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`^C: SIZE up\\.bin\\nS: 213 ${have}$`, "m"));
    expect(again.stderr).toMatch(new RegExp(`^C: REST ${have}\\nS: 350 [^\\n]*\\nC: STOR up\\.bin$`, "m"));
    expect(again.stderr).toContain(`D: ${SIZE - have} bytes sent`);
    expect(sha256(root.read("up.bin"))).toBe(sha256(UP));
    expect(again.stdout).toMatch(/put up\.bin: .*resumed at .*; verified: SHA-256 .* matches the server's/);

    // Once more: nothing to send, only checked.
    const done = await runClient([url, "put", "-c", "up.bin"], { cwd: work.dir });
    expect(done.code, explain(done)).toBe(0);
    expect(done.stdout).toMatch(/put up\.bin: complete already \(1\.4 MB\); verified: SHA-256/);
  });
});
