/**
 * The two ways final/src/storage/local/entries.ts walks a folder: synchronous slices (local disks)
 * and the thread pool (network and FUSE mounts, where a blocking call could hang the server).
 * The server's own tests run on a local disk, so they only reach the first; here both walk
 * the same real folder and must agree, entry for entry: plain files, a subfolder, a name that
 * is not UTF-8, links inside and outside the home, a dangling link, and more entries than one
 * slice or batch holds.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Jail } from "../../final/src/fs/jail.ts";
import { folderEntries, type Walk } from "../../final/src/storage/local/entries.ts";

let base: string;
let home: string;

beforeAll(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-walks-"));
  home = path.join(base, "home");
  fs.mkdirSync(path.join(home, "sub"), { recursive: true });
  fs.writeFileSync(path.join(base, "outside.txt"), "secret outside the home");
  for (let i = 0; i < 700; i++) fs.writeFileSync(path.join(home, `f-${i}.txt`), "x".repeat(i));
  fs.writeFileSync(Buffer.from(path.join(home, "latin1-\xe9.txt"), "latin1"), "not UTF-8");
  fs.symlinkSync(path.join(home, "f-10.txt"), path.join(home, "link-inside"));
  fs.symlinkSync(path.join(base, "outside.txt"), path.join(home, "link-outside"));
  fs.symlinkSync(path.join(home, "nowhere"), path.join(home, "link-dangling"));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

async function walk(how: Walk): Promise<Map<string, { size: number; mode: number; link: boolean }>> {
  const jail = await Jail.open(home);
  const out = new Map<string, { size: number; mode: number; link: boolean }>();
  for await (const batch of folderEntries(home, jail, how)) {
    for (const { name, stats } of batch) {
      const key = name.toString("latin1");
      expect(out.has(key), `${how}: ${key} listed twice`).toBe(false);
      out.set(key, { size: stats.size, mode: stats.mode, link: stats.isSymbolicLink() });
    }
  }
  return out;
}

describe("listing walks: synchronous slices and the thread pool agree", () => {
  it("the same 705 entries, the same sizes and modes; links inside the home followed, the others shown as links", async () => {
    const slices = await walk("slices");
    const pool = await walk("thread-pool");
    expect(slices.size).toBe(705);
    expect([...slices.entries()].sort()).toEqual([...pool.entries()].sort());
    expect(slices.get("f-699.txt")?.size).toBe(699);
    expect(slices.get("sub")?.mode! & fs.constants.S_IFMT).toBe(fs.constants.S_IFDIR);
    expect(slices.get("latin1-\xe9.txt")?.size).toBe(9);
    expect(slices.get("link-inside")).toEqual({ size: 10, mode: slices.get("f-10.txt")!.mode, link: false });
    expect(slices.get("link-outside")?.link, "a link leading out of the home is not followed").toBe(true);
    expect(slices.get("link-dangling")?.link).toBe(true);
  });

  it("a walk the reader stops early closes the folder (no descriptor left open)", async () => {
    const fdsBefore = fs.readdirSync("/proc/self/fd").length;
    for (const how of ["slices", "thread-pool"] as const) {
      for (let i = 0; i < 20; i++) {
        for await (const batch of folderEntries(home, await Jail.open(home), how)) {
          expect(batch.length).toBeGreaterThan(0);
          break;
        }
      }
    }
    expect(fs.readdirSync("/proc/self/fd").length).toBeLessThanOrEqual(fdsBefore + 2);
  });
});
