/**
 * Per-folder permissions cannot be shed by renaming an ancestor (security review, finding 5).
 * Rules (--folder-permissions, --virtual-folders) are tied to virtual paths, so a folder that
 * is, or holds, a folder with its own rule may not be renamed (RNFR gets 550), and no RNTO may
 * create such a folder or one of its ancestors (550): otherwise `RNFR pub`, `RNTO pub2` frees
 * `pub/archive` from its read-only rule, and `RNTO pub` can slide other content under a rule.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { upload, useServer } from "./conformance-helpers.ts";

describe("a read-only /pub/archive inside a writable home", () => {
  const ctx = useServer({
    serveRoot: false,
    files: {
      "home/pub/archive/keep.txt": "keep",
      "home/pub/readme.txt": "readme",
      "home/mine/a.txt": "a",
      "home/other/x.txt": "x",
      "shared/s.txt": "s",
    },
    prepare: (root) => [
      "--user", `anna:pw:elradfmwMT:${root.path("home")}`,
      "--folder-permissions", "anna:/pub/archive=elr; anna:/later/locked=elr",
      "--virtual-folders", `anna:/mnt/shared=${root.path("shared")}:elr`,
    ],
  });

  it("the rule holds in place: DELE and STOR in /pub/archive get 550", async () => {
    const ftp = await ctx.login("anna", "pw");
    await ftp.sendExpect("DELE pub/archive/keep.txt", 550);
    await ftp.pasv();
    await ftp.sendExpect("STOR pub/archive/new.txt", 550);
  });

  it("RNFR of the folder's parent gets 550, so the rule cannot be renamed away", async () => {
    const ftp = await ctx.login("anna", "pw");
    await ftp.sendExpect("RNFR pub", 550);
    await ftp.sendExpect("RNTO pub2", [503, 550]);
    // (what the review did next, had the rename worked)
    await ftp.sendExpect("DELE pub2/archive/keep.txt", 550);
    expect(fs.readFileSync(ctx.root.path("home/pub/archive/keep.txt"), "utf8")).toBe("keep");
    expect(fs.existsSync(ctx.root.path("home/pub2"))).toBe(false);
  });

  it("RNFR of the folder itself, by any spelling, gets 550", async () => {
    const ftp = await ctx.login("anna", "pw");
    await ftp.sendExpect("RNFR /pub/archive", 550);
    await ftp.sendExpect("CWD pub", 250);
    await ftp.sendExpect("RNFR ../pub/./archive/", 550);
    await ftp.sendExpect("RNFR .", 550);
    expect(fs.existsSync(ctx.root.path("home/pub/archive/keep.txt"))).toBe(true);
  });

  it("RNTO that would create a ruled folder or one of its ancestors gets 550", async () => {
    const ftp = await ctx.login("anna", "pw");
    await ftp.sendExpect("RNFR mine", 350);
    await ftp.sendExpect("RNTO later", 550); // /later/locked has its own rule
    await ftp.sendExpect("MKD later", 257);
    await ftp.sendExpect("RNFR mine", 350);
    await ftp.sendExpect("RNTO later/locked", 550);
    expect(fs.existsSync(ctx.root.path("home/mine/a.txt"))).toBe(true);
    expect(fs.readdirSync(ctx.root.path("home/later"))).toEqual([]);
  });

  it("a folder that holds a virtual folder's mount point cannot be renamed either", async () => {
    const ftp = await ctx.login("anna", "pw");
    await ftp.sendExpect("MKD mnt", 257);
    await upload(ftp, "STOR mnt/own.txt", "own");
    await ftp.sendExpect("RNFR mnt", 550);
    await ftp.sendExpect("RNFR mnt/shared", 550);
  });

  it("folders and files without rules below them still rename as before", async () => {
    const ftp = await ctx.login("anna", "pw");
    await ftp.sendExpect("RNFR other", 350);
    await ftp.sendExpect("RNTO other2", 250);
    await ftp.sendExpect("RNFR pub/readme.txt", 350);
    await ftp.sendExpect("RNTO pub/readme2.txt", 250);
    await ftp.sendExpect("RNFR pub/archive/keep.txt", 550); // no f in the rule
    expect(fs.existsSync(ctx.root.path("home/other2/x.txt"))).toBe(true);
    expect(fs.existsSync(ctx.root.path("home/pub/readme2.txt"))).toBe(true);
  });
});
