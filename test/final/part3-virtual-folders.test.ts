/**
 * Virtual folders and per-folder permissions (--virtual-folders / [users] virtual_folders,
 * --folder-permissions / folder_permissions): a read-only shared folder and a write-only drop
 * box from outside the home, the jail rules inside them, mount points that cannot be removed,
 * letters for one folder of the home, and "*" for every account.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { describeRun, runCli, makeTempRoot } from "../harness/index.ts";
import { download, listingLines, upload, useServer } from "./conformance-helpers.ts";

describe("a read-only shared folder and a drop box", () => {
  const ctx = useServer({
    serveRoot: false,
    files: {
      "home/own.txt": "mine",
      "home/ro/keep.txt": "keep",
      "shared/doc.txt": "shared doc",
      "drop/.keep": "",
      "full/inner/x.txt": "x",
      "secret/key.txt": "secret",
      "pub/p.txt": "p",
    },
    prepare(root) {
      fs.symlinkSync(root.path("secret"), root.path("shared/escape"));
      return [
        "--user", `anna:pw:elradfmwMT:${root.path("home")}`,
        "--anonymous", "-d", root.path("pub"),
        "--virtual-folders", `anna:/shared=${root.path("shared")}:elr; anna:/drop=${root.path("drop")}:ew; anna:/full=${root.path("full")}:elradfmw; *:/common=${root.path("shared")}:elr`,
        "--folder-permissions", "anna:/ro=elr",
      ];
    },
  });

  it("the home's listing shows the virtual folders next to the real entries", async () => {
    const ftp = await ctx.login("anna", "pw");
    const names = listingLines((await download(ftp, "NLST")).data);
    for (const name of ["own.txt", "ro", "shared", "drop", "full", "common"]) expect(names).toContain(name);
  });

  it("the shared folder (elr) can be listed and read, not written: STOR, DELE, MKD get 550", async () => {
    const ftp = await ctx.login("anna", "pw");
    expect(listingLines((await download(ftp, "NLST /shared")).data)).toContain("doc.txt");
    expect((await download(ftp, "RETR /shared/doc.txt")).data.toString()).toBe("shared doc");
    await ftp.pasv();
    await ftp.sendExpect("STOR /shared/new.txt", 550);
    await ftp.sendExpect("DELE /shared/doc.txt", 550);
    await ftp.sendExpect("MKD /shared/sub", 550);
    expect(fs.readdirSync(ctx.root.path("shared")).sort()).toEqual(["doc.txt", "escape"]);
  });

  it("the drop box (ew) takes uploads but shows and gives nothing back", async () => {
    const ftp = await ctx.login("anna", "pw");
    await upload(ftp, "STOR /drop/report.txt", "dropped");
    expect(fs.readFileSync(ctx.root.path("drop/report.txt"), "utf8")).toBe("dropped");
    await ftp.pasv();
    await ftp.sendExpect("LIST /drop", 550);
    await ftp.sendExpect("RETR /drop/report.txt", 550);
  });

  it("the jail holds inside a virtual folder: a link out of it, and .. above it, lead nowhere", async () => {
    const ftp = await ctx.login("anna", "pw");
    await ftp.pasv();
    await ftp.sendExpect("RETR /shared/escape/key.txt", 550);
    await ftp.sendExpect("CWD /shared", 250);
    await ftp.sendExpect("CWD ../..", 550); // above "/": refused, as everywhere
    await ftp.sendExpect("CWD ..", 250); // from /shared up to the home's "/", not the real parent
    expect((await ftp.sendExpect("PWD", 257)).text).toMatch(/^"\/"/);
    expect(listingLines((await download(ftp, "NLST")).data)).toContain("own.txt");
  });

  it("a mount point cannot be removed or renamed, even with every letter inside it", async () => {
    const ftp = await ctx.login("anna", "pw");
    await ftp.sendExpect("RMD /full", 550);
    await ftp.sendExpect("RNFR /full", 550);
    expect(fs.existsSync(ctx.root.path("full/inner/x.txt"))).toBe(true);
    await ftp.sendExpect("RMD /full/inner", 550); // not empty: the real RMD rule, inside the mount
    await ftp.sendExpect("DELE /full/inner/x.txt", 250);
    await ftp.sendExpect("RMD /full/inner", 250);
  });

  it("folder permissions: /ro of the home is read-only for anna, the rest of her home is not", async () => {
    const ftp = await ctx.login("anna", "pw");
    await ftp.pasv();
    await ftp.sendExpect("STOR /ro/new.txt", 550);
    await ftp.sendExpect("DELE /ro/keep.txt", 550);
    await upload(ftp, "STOR /fine.txt", "fine");
    expect(fs.existsSync(ctx.root.path("home/ro/new.txt"))).toBe(false);
  });

  it('"*" gives every account the folder, anonymous included', async () => {
    const ftp = await ctx.login();
    expect(listingLines((await download(ftp, "NLST /common")).data)).toContain("doc.txt");
  });
});

describe("folder rules that cannot work stop the server", () => {
  it.each([
    ["a malformed rule", (dir: string) => ["--virtual-folders", `anna=/x:${dir}`], /should be USER:\/VIRTUAL=\/REAL\/FOLDER:PERMS/],
    ["an unknown user", (dir: string) => ["--virtual-folders", `zoe:/x=${dir}:elr`], /no account "zoe" for \/x/],
    ["a missing real folder", (dir: string) => ["--virtual-folders", `anna:/x=${dir}/nothere:elr`], /virtual folder \/x: .*nothere does not exist/],
    ["an unknown letter", (dir: string) => ["--folder-permissions", `anna:/x=elz`], /unknown permission letter/],
  ])("%s: exit 2 and what is wrong", async (_what, args, message) => {
    const root = makeTempRoot({ "home/a.txt": "a" });
    try {
      const r = await runCli(["-p", "0", "--user", `anna:pw:elr:${root.path("home")}`, ...args(root.dir)]);
      expect(r.code, describeRun(r)).toBe(2);
      expect(r.stderr).toMatch(message);
    } finally {
      root.cleanup();
    }
  });
});
