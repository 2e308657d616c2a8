/**
 * The client against pyftpdlib (Debian's python3-pyftpdlib): active mode (EPRT and PORT; pyftpdlib
 * connects before it says 200) and resume in both directions with REST, byte for byte.
 */
import fs from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeTempRoot, type TempRoot } from "../harness/index.ts";
import { describeNeeding } from "../harness/tools-available.ts";
import { bytes, explain, runClient, sha256, startPyftpdlib, type PyServer } from "./helpers.ts";

const DATA = bytes(0x9f7d, 800_000);

describeNeeding(["pyftpdlib"], "client against pyftpdlib: active mode and resume", () => {
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

  it("active mode (EPRT, and PORT) byte for byte", async () => {
    const eprt = await client(["--active", "--debug", url, "get data.bin active.bin; put local.bin active-up.bin"]);
    expect(eprt.code, explain(eprt, server)).toBe(0);
    // pyftpdlib connects before it answers 200 (the final server answers first).
    expect(eprt.stderr).toMatch(/^C: EPRT \|1\|127\.0\.0\.1\|\d+\|\n(D: the server connected from 127\.0\.0\.1:\d+\n)?S: 200 /m);
    expect(sha256(work.read("active.bin"))).toBe(sha256(DATA));
    expect(sha256(root.read("active-up.bin"))).toBe(sha256(work.read("local.bin")));
    const port = await client(["--active", "--no-eprt", "--debug", url, "ls", "docs"]);
    expect(port.code, explain(port, server)).toBe(0);
    expect(port.stderr).toMatch(/^C: PORT 127,0,0,1,\d+,\d+\n(D: the server connected from 127\.0\.0\.1:\d+\n)?S: 200 /m);
    expect(port.stdout).toMatch(/readme\.md/);
  });

  it("resume: a cut get and a cut put go on from where they stopped (REST), byte for byte", async () => {
    const get = await client(["--break-after", "250K", "--debug", url, "get", "data.bin", "cut.bin"]);
    expect(get.code, explain(get, server)).toBe(0);
    expect(get.stderr).toMatch(/^C: REST \d+\nS: 350 /m);
    expect(sha256(work.read("cut.bin"))).toBe(sha256(DATA));

    const put = await client(["--retries", "0", "--break-after", "250K", url, "put", "local.bin", "cut-up.bin"]);
    expect(put.code, explain(put, server)).toBe(1);
    expect(put.stderr).toMatch(/"put -c local\.bin cut-up\.bin" continues/);
    expect(fs.statSync(root.path("cut-up.bin")).size).toBeLessThan(500_000);
    const again = await client(["--debug", url, "put", "-c", "local.bin", "cut-up.bin"]);
    expect(again.code, explain(again, server)).toBe(0);
    expect(again.stderr).toMatch(/^C: REST \d+\nS: 350 [^\n]*\nC: STOR cut-up\.bin$/m);
    expect(sha256(root.read("cut-up.bin"))).toBe(sha256(work.read("local.bin")));
  });
});
