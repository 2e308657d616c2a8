/**
 * Disk quotas ([limits] quota, user_quota, folder_quota, quota_usage_file; --quota,
 * --user-quota, --folder-quota): an upload past a limit gets 552 and leaves nothing past the
 * limit on disk; usage follows uploads, deletes and renames without walking the home again;
 * with a usage file it survives a restart; SITE QUOTA shows it.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { FtpSocket, startServer, makeTempRoot } from "../harness/index.ts";
import { upload, useServer } from "./conformance-helpers.ts";

const KB = 1024;

/** STOR/APPE that is expected to be cut by the quota: 150, then 552 (the send may fail). */
async function uploadOverQuota(ftp: FtpSocket, command: string, data: Buffer): Promise<void> {
  const ds = await ftp.openPassiveData("PASV");
  await ftp.sendExpect(command, [125, 150]);
  await ds.end(data).catch(() => {}); // the server may cut the connection mid-way
  const final = await ftp.readReply();
  expect(final.code, `${command} past the quota must end with 552 (exceeded storage allocation), got: ${final.raw}`).toBe(552);
}

async function quotaLines(ftp: FtpSocket): Promise<string[]> {
  return (await ftp.sendExpect("SITE QUOTA", 200)).lines;
}

describe("a home quota of 100 KB (--quota)", () => {
  const ctx = useServer({ files: { "old.bin": Buffer.alloc(30 * KB, 1), "drop/.keep": "" }, args: ["-w", "--quota", "100K"] });

  it("SITE QUOTA shows usage counted from the files already there", async () => {
    const ftp = await ctx.login();
    expect(await quotaLines(ftp)).toContain(" Home: 30.0 KB used of 100.0 KB (30%).");
  });

  it("an upload within the quota works and is counted", async () => {
    const ftp = await ctx.login();
    await upload(ftp, "STOR a.bin", Buffer.alloc(40 * KB, 2));
    expect(await quotaLines(ftp)).toContain(" Home: 70.0 KB used of 100.0 KB (70%).");
  });

  it("an upload past the quota gets 552 and nothing past the limit is on disk", async () => {
    const ftp = await ctx.login();
    await uploadOverQuota(ftp, "STOR b.bin", Buffer.alloc(50 * KB, 3));
    const total = ["old.bin", "a.bin", "b.bin"].reduce((sum, f) => sum + (fs.existsSync(ctx.root.path(f)) ? fs.statSync(ctx.root.path(f)).size : 0), 0);
    expect(total, "bytes on disk after the refused upload").toBeLessThanOrEqual(100 * KB);
    const used = (await quotaLines(ftp)).find((l) => l.includes("Home:"));
    expect(used).toMatch(/used of 100\.0 KB/);
  });

  it("when the home is full, STOR is refused with 552 before any data moves", async () => {
    const ftp = await ctx.login();
    if (fs.existsSync(ctx.root.path("b.bin"))) await ftp.sendExpect("DELE b.bin", 250);
    await upload(ftp, "STOR fill.bin", Buffer.alloc(30 * KB, 4)); // 30 + 40 + 30 = 100 KB
    await ftp.pasv();
    await ftp.sendExpect("STOR more.bin", 552);
    expect(fs.existsSync(ctx.root.path("more.bin")), "a refused STOR must not leave an empty file").toBe(false);
  });

  it("DELE gives the space back, and replacing a file counts only the difference", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("DELE fill.bin", 250);
    expect(await quotaLines(ftp)).toContain(" Home: 70.0 KB used of 100.0 KB (70%).");
    await upload(ftp, "STOR a.bin", Buffer.alloc(60 * KB, 5)); // a.bin 40 KB -> 60 KB
    expect(await quotaLines(ftp)).toContain(" Home: 90.0 KB used of 100.0 KB (90%).");
  });

  it("APPE past the quota keeps the file within the limit", async () => {
    const ftp = await ctx.login();
    const before = fs.statSync(ctx.root.path("a.bin")).size;
    await uploadOverQuota(ftp, "APPE a.bin", Buffer.alloc(20 * KB, 6));
    const after = fs.statSync(ctx.root.path("a.bin")).size;
    expect(after - before, "bytes appended past a 10 KB room").toBeLessThanOrEqual(10 * KB);
  });
});

describe("per-user and per-folder quotas", () => {
  const ctx = useServer({
    serveRoot: false,
    files: { "home/drop/.keep": "", "home/x.txt": "x" },
    prepare: (root) => [
      "--user", `anna:pw:elradfmwMT:${root.path("home")}`,
      "--user", `bob:pw:elradfmwMT:${root.path("home")}`,
      "--user-quota", "anna=50K",
      "--folder-quota", `${root.path("home/drop")}=20K`,
    ],
  });

  it("anna has her own limit; bob, without one, is limited only in the quota'd folder", async () => {
    const anna = await ctx.login("anna", "pw");
    expect((await quotaLines(anna)).some((l) => /Home: .* used of 50\.0 KB/.test(l))).toBe(true);
    const bob = await ctx.login("bob", "pw");
    await upload(bob, "STOR big.bin", Buffer.alloc(80 * KB, 1)); // no home limit for bob
    await uploadOverQuota(bob, "STOR drop/too-big.bin", Buffer.alloc(30 * KB, 2));
    await upload(bob, "STOR drop/fits.bin", Buffer.alloc(10 * KB, 3));
    expect(await quotaLines(bob)).toContain(" Folder /drop: 10.0 KB used of 20.0 KB (50%).");
  });

  it("renaming a file out of the folder frees its room there", async () => {
    const bob = await ctx.login("bob", "pw");
    await bob.sendExpect("RNFR drop/fits.bin", 350);
    await bob.sendExpect("RNTO moved.bin", 250);
    expect(await quotaLines(bob)).toContain(" Folder /drop: 0 bytes used of 20.0 KB (0%).");
  });
});

describe("usage counts survive a restart (quota_usage_file)", () => {
  it("the second server reads the saved count instead of walking the home", async () => {
    const root = makeTempRoot({ "home/a.bin": Buffer.alloc(10 * KB) });
    const usage = root.path("usage.json");
    const args = ["-w", "--quota", "1M"];
    fs.writeFileSync(root.path("ftpd.ini"), `[limits]\nquota_usage_file = usage.json\n`);
    try {
      const first = await startServer({ root: root.path("home"), args: [...args, "-c", root.path("ftpd.ini")] });
      const ftp = await FtpSocket.connect(first.host, first.port);
      await ftp.sendExpect("USER anonymous", 331);
      await ftp.sendExpect("PASS x", 230);
      await upload(ftp, "STOR b.bin", Buffer.alloc(20 * KB));
      expect(await quotaLines(ftp)).toContain(" Home: 30.0 KB used of 1.0 MB (3%).");
      ftp.destroy();
      await first.stop(); // SIGTERM: the counts are saved on the way out
      expect(JSON.parse(fs.readFileSync(usage, "utf8"))).toEqual({ [fs.realpathSync(root.path("home"))]: 30 * KB });

      // A file that appears behind the server's back is not counted: proof that it read the file.
      fs.writeFileSync(root.path("home/behind.bin"), Buffer.alloc(100 * KB));
      const second = await startServer({ root: root.path("home"), args: [...args, "-c", root.path("ftpd.ini")] });
      const again = await FtpSocket.connect(second.host, second.port);
      await again.sendExpect("USER anonymous", 331);
      await again.sendExpect("PASS x", 230);
      expect(await quotaLines(again)).toContain(" Home: 30.0 KB used of 1.0 MB (3%).");
      again.destroy();
      await second.stop();
    } finally {
      root.cleanup();
    }
  });
});
