/**
 * The client against another server: pyftpdlib from Debian (python3 -m pyftpdlib -w), which has
 * no HASH and no SITE QUOTA. ls/get/put/mkdir/rename/rm byte for byte (checked with SIZE), and status.
 */
import fs from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeTempRoot, type TempRoot } from "../harness/index.ts";
import { describeNeeding } from "../harness/tools-available.ts";
import { bytes, explain, runClient, sha256, startPyftpdlib, type PyServer } from "./helpers.ts";

const DATA = bytes(0x9f7d, 800_000);

describeNeeding(["pyftpdlib"], "client against pyftpdlib", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: PyServer;
  let url: string;
  const client = (args: string[]) => runClient(args, { cwd: work.dir });

  beforeAll(async () => {
    root = makeTempRoot({ "data.bin": DATA, "a.txt": "hello\n", "docs/readme.md": "# readme\n" });
    work = makeTempRoot({ "local.bin": bytes(3, 500_000) });
    server = await startPyftpdlib(root.dir, ["-u", "anna", "-P", "s3cret"]);
    url = `ftp://anna:s3cret@127.0.0.1:${server.port}/`;
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("ls, get, mkdir, put, rename, rm, rmdir byte for byte; checked with SIZE (no HASH here)", async () => {
    const run = await client([url, "ls; get data.bin; mkdir up; put local.bin up/local.bin; rename up/local.bin up/moved.bin; ls up; get up/moved.bin back.bin"]);
    expect(run.code, explain(run, server)).toBe(0);
    expect(run.stdout).toMatch(/^d\S+\s.*\sdocs$/m);
    expect(run.stdout).toMatch(/^-\S+\s.*\s800000 .*data\.bin$/m);
    expect(sha256(work.read("data.bin"))).toBe(sha256(DATA));
    expect(sha256(root.read("up/moved.bin"))).toBe(sha256(work.read("local.bin")));
    expect(sha256(work.read("back.bin"))).toBe(sha256(work.read("local.bin")));
    expect(run.stdout).toMatch(/get data\.bin: .*; verified: 800000 bytes, as SIZE says \(no HASH on this server\)/);
    const clean = await client([url, "rm up/moved.bin; rmdir up"]);
    expect(clean.code, explain(clean, server)).toBe(0);
    expect(fs.existsSync(root.path("up"))).toBe(false);
  });

  it("status: no SITE QUOTA here, and pyftpdlib's FEAT; a refused command is exit code 1 with pyftpdlib's words", async () => {
    const run = await client([url, "status; rmdir no-such-folder"]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr).toMatch(/rmdir no-such-folder: 550 /);
    expect(run.stdout).toMatch(/^Greeting: +220 pyftpdlib [\d.]+ ready\.$/m);
    expect(run.stdout).toMatch(/^Quota: +not offered by this server \(500 /m);
    expect(run.stdout).toMatch(/^Features: .*MLST.*REST STREAM/m);
    expect(run.stdout).toMatch(/checked with SIZE \(no HASH\)/);
  });
});
