/**
 * The client's views of the protocol against the final server: debug (the raw C:/S: exchange
 * and the data connection events), status (account, SITE QUOTA, FEAT), active mode (EPRT, PORT)
 * and passive mode with PASV only.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { bytes, explain, runClient, sha256 } from "./helpers.ts";

const DATA = bytes(0xac71, 400_000);

describe("client against the final server: debug, status, active and passive", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: RunningServer;
  let url: string;
  const client = (args: string[]) => runClient(args, { cwd: work.dir });

  beforeAll(async () => {
    root = makeTempRoot({ "data.bin": DATA, "docs/readme.md": "# readme\n" });
    work = makeTempRoot({ "up.bin": bytes(99, 200_000) });
    server = await startServer({ root: root.dir, args: ["--auth-failed-delay", "0", "--user", `anna:s3cret:elradfmwMT:${root.dir}`, "--quota", "50M"] });
    url = `ftp://anna:s3cret@127.0.0.1:${server.port}/`;
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("debug shows the conversation (PASS masked), multi-line replies line by line, and the data connection", async () => {
    const run = await client(["--debug", url, "get", "data.bin"]);
    expect(run.code, explain(run)).toBe(0);
    const lines = run.stderr.split("\n");
    for (const expected of ["S: 220 ftp-lab FTP server ready.", "C: USER anna", "C: PASS ******", "C: FEAT", "S: 211-Features:", "S:  EPSV", "S: 211 End", "C: TYPE I", "C: RETR data.bin"]) {
      expect(lines, explain(run)).toContain(expected);
    }
    expect(run.stderr).not.toContain("s3cret");
    expect(run.stderr).toMatch(/^C: EPSV\nS: 229 Entering Extended Passive Mode \(\|\|\|(\d+)\|\)\nD: connecting to 127\.0\.0\.1:\1 \(passive\)\nD: connected to 127\.0\.0\.1:\1 from 127\.0\.0\.1:\d+$/m);
    expect(run.stderr).toMatch(/^D: 400000 bytes received; the server closed the data connection \(end of file\)$/m);
    expect(run.stderr).toMatch(/^S: 226 /m);
    expect(run.stderr).toMatch(/^C: HASH data\.bin\nS: 213 SHA-256 0-399999 [0-9a-f]{64} data\.bin$/m);
    // The debug command switches it in the middle of a run.
    const toggled = await client([url, "pwd; debug on; pwd; debug off; pwd"]);
    expect(toggled.stderr.match(/^C: PWD$/gm), explain(toggled)).toHaveLength(1);
  });

  it("status: the account, the quota from SITE QUOTA, the features from FEAT", async () => {
    const run = await client([url, "status"]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toMatch(/^Server: +127\.0\.0\.1:\d+, plain FTP/m);
    expect(run.stdout).toMatch(/^Account: +anna$/m);
    expect(run.stdout).toMatch(/^Quota: +Home: [\d.]+ \w+ used of 50\.0 MB/m);
    expect(run.stdout).toMatch(/^Features: .*EPSV.*HASH SHA-256\*;SHA-512;SHA-1;MD5.*REST STREAM/m);
    expect(run.stdout).toMatch(/^Data: +passive \(EPSV, or PASV if refused\), in clear text$/m);
  });

  it("active mode with EPRT: the server connects to us, ls, get and put byte for byte", async () => {
    const run = await client(["--active", "--debug", url, "ls docs; get data.bin active.bin; put up.bin up-active.bin"]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.stdout).toMatch(/readme\.md/);
    expect(sha256(work.read("active.bin"))).toBe(sha256(DATA));
    expect(sha256(root.read("up-active.bin"))).toBe(sha256(work.read("up.bin")));
    expect(run.stderr).toMatch(/^D: listening on 127\.0\.0\.1:(\d+) for the server \(active\)\nC: EPRT \|1\|127\.0\.0\.1\|\1\|\nS: 200 /m);
    expect(run.stderr).toMatch(/^D: the server connected from 127\.0\.0\.1:\d+$/m);
    expect(run.stderr).not.toMatch(/^C: (EPSV|PASV)/m);
  });

  it("active mode with PORT only (--no-eprt), and the shell's 'active port'", async () => {
    const run = await client(["--active", "--no-eprt", "--debug", url, "get", "data.bin", "port.bin"]);
    expect(run.code, explain(run)).toBe(0);
    expect(sha256(work.read("port.bin"))).toBe(sha256(DATA));
    expect(run.stderr).toMatch(/^C: PORT 127,0,0,1,\d+,\d+\nS: 200 /m);
    const switched = await client(["--debug", url, "active port; ls; passive pasv; ls"]);
    expect(switched.code, explain(switched)).toBe(0);
    expect(switched.stdout).toMatch(/active mode \(PORT only\)[\s\S]*passive mode \(PASV only\)/);
    expect(switched.stderr).toMatch(/^C: PORT [\s\S]*^C: PASV\nS: 227 Entering Passive Mode \(127,0,0,1,\d+,\d+\)/m);
  });

  it("PASV with --no-epsv: the address from the 227 reply, two numbers for the port", async () => {
    const run = await client(["--no-epsv", "--debug", url, "get", "data.bin", "pasv.bin"]);
    expect(run.code, explain(run)).toBe(0);
    expect(sha256(work.read("pasv.bin"))).toBe(sha256(DATA));
    const m = /^S: 227 Entering Passive Mode \(127,0,0,1,(\d+),(\d+)\)/m.exec(run.stderr);
    expect(m, explain(run)).not.toBeNull();
    expect(run.stderr).toContain(`D: connecting to 127.0.0.1:${Number(m![1]) * 256 + Number(m![2])} (passive)`);
    expect(fs.existsSync(work.path("pasv.bin.part"))).toBe(false);
  });
});
