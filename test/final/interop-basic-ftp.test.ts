/**
 * basic-ftp (the npm client, through the harness's withBasicFtp) against the final server:
 * uploadFrom/downloadTo, list, ensureDir, remove, rename, uploadFromDir/downloadToDir, and a
 * resumed download (downloadTo(path, remote, startAt)).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { enterPassiveModeIPv4 } from "basic-ftp";
import { expectBytes, makeTempRoot, startServer, withBasicFtp, type RunningServer, type TempRoot } from "../harness/index.ts";
import { diskEntries, expectSameTree, interopSeed, makeLocalDir, normalizeListing, seededBytes, writeFixture } from "./interop-helpers.ts";

const SEED = interopSeed(0xbf7);
const USER = "anna";
const PASS = "s3cret";
const login = { user: USER, password: PASS };

const BIG = 3 * 1024 * 1024 + 3;
const files: Record<string, Buffer | null> = {
  "big.bin": seededBytes(SEED, "big", BIG),
  "list/a.bin": seededBytes(SEED, "a", 1),
  "list/b c.bin": seededBytes(SEED, "bc", 0),
  "list/ñ ü.bin": seededBytes(SEED, "nu", 70_000),
  "list/sub dir": null,
  "tree/top.bin": seededBytes(SEED, "top", 100),
  "tree/zero.bin": Buffer.alloc(0),
  "tree/x y/inner ñ.bin": seededBytes(SEED, "inner", 300_001),
  "tree/x y/deeper/one.bin": seededBytes(SEED, "one", 1),
  "rename me.bin": seededBytes(SEED, "rename", 55),
  "remove me.bin": seededBytes(SEED, "remove", 66),
  "append to.bin": seededBytes(SEED, "append-head", 500),
  "dated ñ.bin": seededBytes(SEED, "dated", 31_337),
};
/** A fixed modification time for lastMod(): 2019-12-31 23:59:58 UTC. */
const MTIME = new Date(Date.UTC(2019, 11, 31, 23, 59, 58));

let root: TempRoot;
let server: RunningServer;
let local: { dir: string; cleanup(): void };

beforeAll(async () => {
  root = makeTempRoot(files);
  fs.utimesSync(root.path("dated ñ.bin"), MTIME, MTIME);
  local = makeLocalDir();
  server = await startServer({ root: root.dir, args: ["-u", USER, "-P", PASS, "--auth-failed-delay", "0"] });
});

afterAll(async () => {
  await server?.stop();
  root?.cleanup();
  local?.cleanup();
});

const seedNote = `seed ${SEED}; rerun with INTEROP_SEED=${SEED}`;

describe("basic-ftp", () => {
  it("uploadFrom and downloadTo (0 bytes, 1 byte, 3 MB, UTF-8 name with spaces) are byte-exact", async () => {
    const cases: Array<[string, Buffer]> = [
      ["up zero.bin", Buffer.alloc(0)],
      ["up one.bin", seededBytes(SEED, "up-one", 1)],
      ["up big ünï.bin", seededBytes(SEED, "up-big", BIG)],
    ];
    await withBasicFtp(server, login, async (client) => {
      for (const [name, bytes] of cases) {
        const src = path.join(local.dir, `src ${name}`);
        fs.writeFileSync(src, bytes);
        await client.uploadFrom(src, name);
        expectBytes(root.read(name), bytes, { what: `file stored by basic-ftp uploadFrom(${JSON.stringify(name)}) (${seedNote})` });
        const back = path.join(local.dir, `back ${name}`);
        await client.downloadTo(back, name);
        expectBytes(fs.readFileSync(back), bytes, { what: `basic-ftp downloadTo of ${JSON.stringify(name)} (${seedNote})` });
      }
      const dst = path.join(local.dir, "big.bin");
      await client.downloadTo(dst, "big.bin");
      expectBytes(fs.readFileSync(dst), files["big.bin"]!, { what: `basic-ftp downloadTo big.bin (${seedNote})` });
    });
  });

  it("list() shows the names, types and sizes on disk", async () => {
    const listed = await withBasicFtp(server, login, (client) => client.list("list"));
    const entries = normalizeListing(listed.map((f) => ({ name: f.name, type: f.isDirectory ? "d" : f.isFile ? "-" : "?", size: f.size })));
    expect(entries, `basic-ftp list("list") vs. disk; raw: ${JSON.stringify(listed.map((f) => f.rawModifiedAt + " " + f.name))}`).toEqual(diskEntries(root.path("list")));
  });

  it("ensureDir makes nested folders and enters them; rename and remove change the disk", async () => {
    await withBasicFtp(server, login, async (client) => {
      await client.ensureDir("/made/by basic-ftp/ñ");
      expect(await client.pwd(), "ensureDir leaves the client in the new folder").toBe("/made/by basic-ftp/ñ");
      expect(fs.statSync(root.path("made/by basic-ftp/ñ")).isDirectory(), "folder made by ensureDir").toBe(true);
      // Again: existing folders are fine.
      await client.ensureDir("/made/by basic-ftp");
      expect(await client.pwd()).toBe("/made/by basic-ftp");

      await client.cd("/");
      await client.rename("rename me.bin", "made/renamed ü.bin");
      expect(fs.existsSync(root.path("rename me.bin")), "old name after rename").toBe(false);
      expectBytes(root.read("made/renamed ü.bin"), files["rename me.bin"]!, { what: "file renamed by basic-ftp rename()" });

      await client.remove("remove me.bin");
      expect(fs.existsSync(root.path("remove me.bin")), "file after basic-ftp remove()").toBe(false);
      await expect(client.remove("remove me.bin"), "removing a missing file must fail with 550").rejects.toMatchObject({ code: 550 });
    });
  });

  it("downloadToDir and uploadFromDir copy a tree both ways, byte-exact", async () => {
    const down = path.join(local.dir, "tree down");
    await withBasicFtp(server, login, (client) => client.downloadToDir(down, "tree"));
    expectSameTree(down, root.path("tree"), "basic-ftp downloadToDir(tree)", SEED);

    const upSrc = path.join(local.dir, "tree up src");
    writeFixture(upSrc, {
      "a.bin": seededBytes(SEED, "up-a", 12_345),
      "zero.bin": Buffer.alloc(0),
      "sub ñ/b.bin": seededBytes(SEED, "up-b", 1),
      "sub ñ/deeper/c.bin": seededBytes(SEED, "up-c", 1_000_001),
    });
    await withBasicFtp(server, login, (client) => client.uploadFromDir(upSrc, "uploaded tree/inside"));
    expectSameTree(root.path("uploaded tree/inside"), upSrc, "basic-ftp uploadFromDir into 'uploaded tree/inside'", SEED);
  });

  it("resumes a download with downloadTo(path, remote, startAt)", async () => {
    const full = files["big.bin"]!;
    const startAt = 2_000_003;
    const dst = path.join(local.dir, "resumed big.bin");
    fs.writeFileSync(dst, full.subarray(0, startAt));
    const log = await withBasicFtp(server, login, async (client, log) => {
      await client.downloadTo(dst, "big.bin", startAt);
      return log();
    });
    expect(log, "basic-ftp must send REST").toContain(`REST ${startAt}`);
    expectBytes(fs.readFileSync(dst), full, { what: `big.bin resumed by basic-ftp from byte ${startAt} (${seedNote})` });
  });

  it("size(), lastMod() (MDTM), appendFrom() of a stream (APPE), and transfers over PASV instead of EPSV", async () => {
    const more = seededBytes(SEED, "append-tail", 200_003);
    const log = await withBasicFtp(server, login, async (client, log) => {
      expect(await client.size("dated ñ.bin"), "size()").toBe(31_337);
      expect((await client.lastMod("dated ñ.bin")).toISOString(), "lastMod() (MDTM, UTC)").toBe(MTIME.toISOString());
      await client.appendFrom(Readable.from([more]), "append to.bin");
      expectBytes(root.read("append to.bin"), Buffer.concat([files["append to.bin"]!, more]), { what: `append to.bin after basic-ftp appendFrom (${seedNote})` });

      client.prepareTransfer = enterPassiveModeIPv4;
      const dst = path.join(local.dir, "pasv big.bin");
      await client.downloadTo(dst, "big.bin");
      expectBytes(fs.readFileSync(dst), files["big.bin"]!, { what: `basic-ftp download over PASV (${seedNote})` });
      const up = seededBytes(SEED, "pasv-up", 654_321);
      await client.uploadFrom(Readable.from([up]), "pasv upload.bin");
      expectBytes(root.read("pasv upload.bin"), up, { what: `basic-ftp upload over PASV (${seedNote})` });
      return log();
    });
    expect(log, "basic-ftp should have used PASV after prepareTransfer = enterPassiveModeIPv4").toMatch(/> PASV/);
  });
});
