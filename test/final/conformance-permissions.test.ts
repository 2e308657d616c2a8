/**
 * Permission letters from a users file (--users): a read-only user, a full user, users
 * without "l" or "e", and an "anonymous" line that turns anonymous login on.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { download, listingLines, upload, useServer } from "./conformance-helpers.ts";

describe("permissions from a users file", () => {
  const ctx = useServer({
    serveRoot: false,
    files: { "home/readme.txt": "read me", "home/sub/inner.txt": "inner", "home/victim.txt": "victim", "pub/welcome.txt": "hi" },
    prepare(root) {
      const home = root.path("home");
      const file = root.path("users.txt");
      fs.writeFileSync(
        file,
        [
          "# name    password  perms        home",
          `reader    r3ad      elr          ${home}`,
          `writer    wr1te     elradfmwMT   ${home}`,
          `nolist    n0list    er           ${home}`,
          `nocwd     n0cwd     lr           ${home}`,
          `anonymous -         elr          ${root.path("pub")}`,
          "",
        ].join("\n"),
      );
      return ["--users", file];
    },
  });

  const home = (rel: string) => ctx.root.path(`home/${rel}`);

  it("the read-only user (elr) can list, download and change folder", async () => {
    const ftp = await ctx.login("reader", "r3ad");
    const names = listingLines((await download(ftp, "NLST")).data);
    expect(names).toContain("readme.txt");
    expect((await download(ftp, "RETR readme.txt")).data.toString()).toBe("read me");
    await ftp.sendExpect("CWD sub", 250);
  });

  it("the read-only user gets 550 for STOR, APPE, STOU, DELE, MKD, RMD, RNFR, SITE CHMOD and MFMT, and nothing changes", async () => {
    const ftp = await ctx.login("reader", "r3ad");
    const mtime = fs.statSync(home("victim.txt")).mtimeMs;
    const mode = fs.statSync(home("victim.txt")).mode;
    await ftp.pasv();
    for (const cmd of [
      "STOR new.txt",
      "STOR victim.txt",
      "APPE victim.txt",
      "STOU",
      "DELE victim.txt",
      "MKD newdir",
      "RMD sub",
      "RNFR victim.txt",
      "SITE CHMOD 600 victim.txt",
      "MFMT 20000101000000 victim.txt",
    ]) {
      await ftp.sendExpect(cmd, 550, `user "reader" has perms elr: "${cmd}" must be refused with 550`);
    }
    await ftp.sendExpect("RNTO renamed.txt", 503, "the refused RNFR must not arm RNTO");
    expect(fs.readFileSync(home("victim.txt"), "utf8")).toBe("victim");
    expect(fs.statSync(home("victim.txt")).mtimeMs).toBe(mtime);
    expect(fs.statSync(home("victim.txt")).mode).toBe(mode);
    for (const made of ["new.txt", "newdir", "renamed.txt", "ftp.file"]) expect(fs.existsSync(home(made)), made).toBe(false);
    expect(fs.existsSync(home("sub"))).toBe(true);
  });

  it("the full user (elradfmwMT) may do all of it", async () => {
    const ftp = await ctx.login("writer", "wr1te");
    await ftp.sendExpect("TYPE I", 200);
    await upload(ftp, "STOR w-new.txt", "new");
    await upload(ftp, "APPE w-new.txt", "+more");
    expect(fs.readFileSync(home("w-new.txt"), "utf8")).toBe("new+more");
    await ftp.sendExpect("MKD w-dir", 257);
    await ftp.sendExpect("RNFR w-new.txt", 350);
    await ftp.sendExpect("RNTO w-dir/w-renamed.txt", 250);
    await ftp.sendExpect("SITE CHMOD 600 w-dir/w-renamed.txt", 200);
    expect(fs.statSync(home("w-dir/w-renamed.txt")).mode & 0o777).toBe(0o600);
    await ftp.sendExpect("MFMT 20000101000000 w-dir/w-renamed.txt", 213);
    expect(fs.statSync(home("w-dir/w-renamed.txt")).mtime.getTime()).toBe(Date.UTC(2000, 0, 1));
    await ftp.sendExpect("DELE w-dir/w-renamed.txt", 250);
    await ftp.sendExpect("RMD w-dir", 250);
    expect(fs.existsSync(home("w-dir"))).toBe(false);
  });

  it("a user without 'l' cannot list (LIST, NLST, MLSD, MLST: 550) but may download", async () => {
    const ftp = await ctx.login("nolist", "n0list");
    await ftp.pasv();
    for (const cmd of ["LIST", "NLST", "MLSD", "LIST sub"]) await ftp.sendExpect(cmd, 550, `user "nolist" has no "l": ${cmd} must be 550`);
    await ftp.sendExpect("MLST readme.txt", 550);
    expect((await download(ftp, "RETR readme.txt")).data.toString()).toBe("read me");
    await ftp.sendExpect("CWD sub", 250);
  });

  it("a user without 'e' cannot change folder (CWD, XCWD: 550) but may list", async () => {
    const ftp = await ctx.login("nocwd", "n0cwd");
    await ftp.sendExpect("CWD sub", 550);
    await ftp.sendExpect("XCWD /sub", 550);
    expect((await ftp.sendExpect("PWD", 257)).lines[0]).toMatch(/^257 "\/"/);
    const names = listingLines((await download(ftp, "NLST sub")).data).map((n) => n.replace(/^.*\//, ""));
    expect(names).toContain("inner.txt");
  });

  it("an 'anonymous - elr <dir>' line enables anonymous login, jailed in that folder and read-only", async () => {
    const ftp = await ctx.login("anonymous", "guest@example.com");
    const names = listingLines((await download(ftp, "NLST")).data);
    expect(names).toEqual(["welcome.txt"]);
    await ftp.pasv();
    await ftp.sendExpect("STOR up.txt", 550);
    expect(fs.existsSync(ctx.root.path("pub/up.txt"))).toBe(false);
  });

  it("wrong passwords are refused for file users too", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER writer", 331);
    await ftp.sendExpect("PASS r3ad", 530);
  });
});
