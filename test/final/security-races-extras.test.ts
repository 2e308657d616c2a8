/**
 * Companions of the symlink-race fixes (security review, findings 2 and 9):
 *   - SITE CHMOD and MFMT on the home folder itself are refused, as DELE/RMD/RNFR on "/" are;
 *   - refuse_hard_links (--refuse-hard-links): writes to a file with more than one hard link
 *     are refused (a local user can hard-link an outside file into a home);
 *   - paths deeper than 256 folders or longer than 4096 bytes are refused.
 */
import fs from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, targetEntry, type RunningServer, type TempRoot } from "../harness/index.ts";
import { Connections } from "./security-helpers.ts";

let root: TempRoot;
let outside: TempRoot;
let plain: RunningServer;
let strict: RunningServer;
const conns = new Connections();

beforeAll(async () => {
  root = makeTempRoot({ "inside.txt": "inside\n" });
  outside = makeTempRoot({ "target.txt": "outside content, 32 bytes long\n" });
  fs.chmodSync(outside.path("target.txt"), 0o600);
  fs.linkSync(outside.path("target.txt"), root.path("hard.txt")); // same file system (both in tmp)
  plain = await startServer({ entry: targetEntry(), root: root.dir, args: ["-w"] });
  strict = await startServer({ entry: targetEntry(), root: root.dir, args: ["-w", "--refuse-hard-links"] });
});
afterAll(async () => {
  conns.closeAll();
  await plain?.stop();
  await strict?.stop();
  root?.cleanup();
  outside?.cleanup();
});
afterEach(() => conns.closeAll());

describe("the home folder itself", () => {
  it("SITE CHMOD 7777 / is refused and leaves the home's mode alone", async () => {
    const mode = fs.statSync(root.dir).mode & 0o7777;
    const ftp = await conns.login(plain);
    const r = await ftp.send("SITE CHMOD 777 /");
    expect(fs.statSync(root.dir).mode & 0o7777).toBe(mode);
    expect(r.code).toBe(550);
  });

  it("MFMT on / is refused and leaves the home's mtime alone", async () => {
    const mtime = fs.statSync(root.dir).mtimeMs;
    const ftp = await conns.login(plain);
    const r = await ftp.send("MFMT 20000101000000 /");
    expect(fs.statSync(root.dir).mtimeMs).toBe(mtime);
    expect(r.code).toBe(550);
  });
});

describe("refuse_hard_links", () => {
  it("off (the default): a hard-linked file is an ordinary file", async () => {
    const ftp = await conns.login(plain);
    await ftp.sendExpect("SIZE hard.txt", 213);
  });

  it("on: STOR, APPE, SITE CHMOD and MFMT on a file with two links are refused; the outside file is untouched", async () => {
    const before = fs.readFileSync(outside.path("target.txt"));
    const ftp = await conns.login(strict);
    await ftp.sendExpect("TYPE I", 200);
    for (const cmd of ["STOR hard.txt", "APPE hard.txt"]) {
      const ds = await ftp.openPassiveData();
      const r = await ftp.send(cmd);
      ds.destroy();
      expect(r.code, cmd).toBe(550);
    }
    await ftp.sendExpect("SITE CHMOD 666 hard.txt", 550);
    await ftp.sendExpect("MFMT 20000101000000 hard.txt", 550);
    expect(fs.readFileSync(outside.path("target.txt")).equals(before)).toBe(true);
    expect(fs.statSync(outside.path("target.txt")).mode & 0o777).toBe(0o600);
    // Reading and ordinary files are not affected.
    await ftp.sendExpect("SIZE hard.txt", 213);
    await ftp.sendExpect("SITE CHMOD 644 inside.txt", 200);
  });
});

describe("path limits", () => {
  it("a path of more than 256 folders is refused with a clear message", async () => {
    const ftp = await conns.login(plain);
    const r = await ftp.send(`SIZE ${"a/".repeat(300)}x`);
    expect(r.code).toBe(550);
    expect(r.text).toMatch(/too deep/i);
  });

  it("a path longer than 4096 bytes is refused with a clear message", async () => {
    // A real folder 2,000 bytes deep, then a relative path that takes the total past 4096.
    const deep = `${"b".repeat(249)}/`.repeat(8);
    fs.mkdirSync(root.path(deep), { recursive: true });
    const ftp = await conns.login(plain);
    await ftp.sendExpect(`CWD /${deep}`, 250);
    const r = await ftp.send(`SIZE ${deep.repeat(2)}x`);
    expect([550, 553]).toContain(r.code);
    expect(r.text).toMatch(/too long/i);
  });
});
