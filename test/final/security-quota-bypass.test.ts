/**
 * Quota bypasses (security review, finding 4): a limit holds against parallel uploads (one
 * reservation pool: every byte is reserved before it is written), renames across a quota
 * boundary are charged (552 when the moved file or folder does not fit, and nothing moves),
 * uploads into a virtual folder are counted (a virtual folder is a counted folder of its
 * own, limited like the home), a refused STOR or APPE leaves nothing behind (a new or
 * half-replaced file is removed, an appended one shrinks back to its size before the APPE),
 * and a folder that carries a folder quota cannot be renamed away from its rule.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { FtpSocket } from "../harness/index.ts";
import { upload, useServer } from "./conformance-helpers.ts";

const KB = 1024;
const MiB = 1024 * KB;

/** A whole upload whose outcome is not known in advance: the final code (552 may come at once). */
async function storeOutcome(ftp: FtpSocket, command: string, data: Buffer): Promise<number> {
  const ds = await ftp.openPassiveData("PASV");
  const first = await ftp.sendExpect(command, [125, 150, 552]);
  if (first.code === 552) {
    ds.socket.destroy();
    return 552;
  }
  void ds.end(data).catch(() => {}); // the server may cut the data connection mid-way: not awaited
  return (await ftp.readReply(20_000)).code;
}

/** Bytes of the regular files under `dir` (the test's own view of the disk). */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

/** DELE (over FTP, so the server's count follows) what an earlier, failed test left behind. */
async function deleteLeftovers(ftp: FtpSocket, dir: string, keep: string[]): Promise<void> {
  for (const name of fs.readdirSync(dir)) if (!keep.includes(name)) await ftp.sendExpect(`DELE ${name}`, 250);
}

function sizeOf(file: string): number | null {
  return fs.existsSync(file) ? fs.statSync(file).size : null;
}

describe("five parallel 900 KB uploads under a 1 MiB home quota", () => {
  const ctx = useServer({ files: { ".keep": "" }, args: ["-w", "--quota", "1M"] });

  it("together they stay within 1 MiB; the refused ones get 552 and leave no file", async () => {
    const clients = await Promise.all([0, 1, 2, 3, 4].map(() => ctx.login()));
    const body = Buffer.alloc(900 * KB, 7);
    const codes = await Promise.all(clients.map((ftp, i) => storeOutcome(ftp, `STOR up${i}.bin`, body)));
    const total = bytesUnder(ctx.root.dir);
    expect(total, `bytes on disk after 5 parallel uploads (codes ${codes.join(",")})`).toBeLessThanOrEqual(MiB);
    for (const [i, code] of codes.entries()) {
      expect([226, 552], `upload ${i}`).toContain(code);
      expect(sizeOf(ctx.root.path(`up${i}.bin`)), `up${i}.bin after ${code}`).toBe(code === 226 ? body.length : null);
    }
    // Exactly one fits; uploads that started later give way to the earlier ones, so it is not
    // the case that each gets a fifth of the room and all of them fail.
    expect(codes.filter((c) => c === 226).length, "900 KB uploads completed under 1 MiB").toBe(1);
    // The pool is empty again: what the refused uploads had reserved is given back.
    for (const ftp of clients) if (codes[clients.indexOf(ftp)] === 226) await ftp.sendExpect(`DELE up${clients.indexOf(ftp)}.bin`, 250);
    expect(await storeOutcome(clients[0]!, "STOR after.bin", body)).toBe(226);
  });
});

describe("renames into a folder with a folder quota (100 KiB)", () => {
  const ctx = useServer({
    files: {
      "big.bin": Buffer.alloc(512 * KB, 1),
      "small.bin": Buffer.alloc(40 * KB, 2),
      "tree/a.bin": Buffer.alloc(60 * KB, 3),
      "tree/sub/b.bin": Buffer.alloc(60 * KB, 4),
      "drop/.keep": "",
      "outer/box/.keep": "",
    },
    prepare: (root) => ["-w", "--folder-quota", `${root.path("drop")}=100K; ${root.path("outer/box")}=100K`],
  });

  it("RNTO of a 512 KB file into the folder gets 552 and moves nothing", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("RNFR big.bin", 350);
    await ftp.sendExpect("RNTO drop/big.bin", 552);
    expect(sizeOf(ctx.root.path("big.bin"))).toBe(512 * KB);
    expect(sizeOf(ctx.root.path("drop/big.bin"))).toBe(null);
  });

  it("RNTO of a 120 KB folder into it gets 552 and moves nothing", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("RNFR tree", 350);
    await ftp.sendExpect("RNTO drop/tree", 552);
    expect(bytesUnder(ctx.root.path("tree"))).toBe(120 * KB);
    expect(fs.existsSync(ctx.root.path("drop/tree"))).toBe(false);
  });

  it("a file that fits moves in and is counted; moving it out gives the room back", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("RNFR small.bin", 350);
    await ftp.sendExpect("RNTO drop/small.bin", 250);
    expect(await storeOutcome(ftp, "STOR drop/more.bin", Buffer.alloc(70 * KB, 5)), "40 KB + 70 KB > 100 KB").toBe(552);
    expect(bytesUnder(ctx.root.path("drop"))).toBe(40 * KB);
    await ftp.sendExpect("RNFR drop/small.bin", 350);
    await ftp.sendExpect("RNTO small.bin", 250);
    expect(await storeOutcome(ftp, "STOR drop/more.bin", Buffer.alloc(70 * KB, 5))).toBe(226);
    expect(bytesUnder(ctx.root.path("drop"))).toBe(70 * KB);
  });

  it("a folder that has a folder quota, or holds one, cannot be renamed away from its rule (550)", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("RNFR drop", 550);
    await ftp.sendExpect("RNFR outer", 550);
    await ftp.sendExpect("RNTO outer2", 503);
    expect(fs.existsSync(ctx.root.path("outer/box"))).toBe(true);
    expect(fs.existsSync(ctx.root.path("outer2"))).toBe(false);
  });
});

describe("uploads into a virtual folder are counted (quota 1 MiB)", () => {
  const ctx = useServer({
    serveRoot: false,
    files: { "home/.keep": "", "vreal/.keep": "" },
    prepare: (root) => [
      "--user", `anna:pw:elradfmwMT:${root.path("home")}`,
      "--virtual-folders", `anna:/v=${root.path("vreal")}:elradfmw`,
      "--user-quota", "anna=1M",
    ],
  });

  it("the virtual folder holds at most 1 MiB, and RNTO from it into a full home gets 552", async () => {
    const ftp = await ctx.login("anna", "pw");
    const body = Buffer.alloc(900 * KB, 9);
    expect(await storeOutcome(ftp, "STOR /v/a.bin", body)).toBe(226);
    expect(await storeOutcome(ftp, "STOR /v/b.bin", body), "a second 900 KB into the 1 MiB virtual folder").toBe(552);
    expect(bytesUnder(ctx.root.path("vreal")), "bytes in the virtual folder").toBeLessThanOrEqual(MiB);
    expect(await storeOutcome(ftp, "STOR /h.bin", body)).toBe(226);
    const quota = (await ftp.sendExpect("SITE QUOTA", 200)).lines;
    expect(quota).toContain(" Home: 900.0 KB used of 1.0 MB (88%).");
    expect(quota).toContain(" Virtual folder /v: 900.0 KB used of 1.0 MB (88%).");
    await ftp.sendExpect("RNFR /v/a.bin", 350);
    await ftp.sendExpect("RNTO /a.bin", 552);
    expect(bytesUnder(ctx.root.path("home")), "bytes in the home").toBeLessThanOrEqual(MiB);
    expect(sizeOf(ctx.root.path("vreal/a.bin"))).toBe(900 * KB);
    // Moving out of the virtual folder into a home with room is fine, and frees the folder.
    await ftp.sendExpect("DELE /h.bin", 250);
    await ftp.sendExpect("RNFR /v/a.bin", 350);
    await ftp.sendExpect("RNTO /a.bin", 250);
    expect(await storeOutcome(ftp, "STOR /v/b.bin", body)).toBe(226);
  });
});

for (const atomic of [false, true]) {
  describe(`a refused STOR or APPE leaves nothing past the limit (1 MiB${atomic ? ", --atomic-uploads" : ""})`, () => {
    // 500 KB used, 524 KB of room: more than one read from the socket, so a cut upload has
    // already written part of its data when it is refused.
    const old = Buffer.alloc(300 * KB, 1);
    const ctx = useServer({ files: { "old.bin": old, "keep.bin": Buffer.alloc(200 * KB, 2) }, args: ["-w", "--quota", "1M", ...(atomic ? ["--atomic-uploads"] : [])] });

    it("a new file that does not fit is removed", async () => {
      const ftp = await ctx.login();
      expect(await storeOutcome(ftp, "STOR new.bin", Buffer.alloc(800 * KB, 3))).toBe(552);
      expect(fs.readdirSync(ctx.root.dir).sort()).toEqual(["keep.bin", "old.bin"]);
      expect(bytesUnder(ctx.root.dir)).toBe(500 * KB);
    });

    it("an APPE that does not fit shrinks the file back to its size before", async () => {
      const ftp = await ctx.login();
      await deleteLeftovers(ftp, ctx.root.dir, ["old.bin", "keep.bin"]);
      expect(await storeOutcome(ftp, "APPE old.bin", Buffer.alloc(800 * KB, 4))).toBe(552);
      expect(sizeOf(ctx.root.path("old.bin")), "old.bin after the refused APPE").toBe(300 * KB);
      expect(fs.readFileSync(ctx.root.path("old.bin")).equals(old), "old.bin is exactly as before").toBe(true);
    });

    it(atomic ? "a replacing STOR that does not fit leaves the old file" : "a replacing STOR that does not fit leaves no half file", async () => {
      const ftp = await ctx.login();
      await deleteLeftovers(ftp, ctx.root.dir, ["old.bin", "keep.bin"]);
      if (sizeOf(ctx.root.path("old.bin")) !== 300 * KB) await upload(ftp, "STOR old.bin", old);
      expect(await storeOutcome(ftp, "STOR keep.bin", Buffer.alloc(1200 * KB, 5))).toBe(552);
      expect(sizeOf(ctx.root.path("keep.bin")), "keep.bin after the refused STOR").toBe(atomic ? 200 * KB : null);
      expect(fs.readdirSync(ctx.root.dir).filter((n) => n.includes("ftp-upload"))).toEqual([]);
      // And the count is right afterwards: exactly the room that is left can be used.
      const room = MiB - bytesUnder(ctx.root.dir);
      expect(await storeOutcome(ftp, "STOR fill.bin", Buffer.alloc(room, 6))).toBe(226);
      expect(await storeOutcome(ftp, "STOR one.bin", Buffer.alloc(1, 6))).toBe(552);
      expect(bytesUnder(ctx.root.dir)).toBe(MiB);
    });
  });
}
