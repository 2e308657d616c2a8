/**
 * The storage contract (final/src/storage/storage.ts): the same cases against every backend,
 * so that a command moved onto a Storage behaves the same on the local disk, in memory, and
 * on whatever comes later. Each case names the semantic it checks; a backend that cannot
 * offer one (an object store has no positioned writes) turns it off in `features`, and says
 * so in its own test file.
 *
 *   describeStorageContract("MemoryStorage", async () => ({ storage: new MemoryStorage(), cleanup: async () => {} }));
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageError, type StorageErrorCode } from "../../final/src/storage/errors.ts";
import type { FileInfo, Storage, WriteHandle, WriteMode } from "../../final/src/storage/storage.ts";

export interface ContractFeatures {
  /** "at" offsets, writes into an existing file in place, concurrent positioned writers, O_APPEND. */
  positionedWrites: boolean;
  /** An open reader keeps the bytes it opened when the name is removed or replaced. */
  readersKeepFiles: boolean;
}

export interface StorageUnderTest {
  storage: Storage;
  cleanup: () => Promise<void>;
}

// ---- helpers -----------------------------------------------------------------------------

export async function writeAll(handle: WriteHandle, ...chunks: Array<Buffer | string>): Promise<void> {
  await pipeline(Readable.from(chunks.map((c) => (typeof c === "string" ? Buffer.from(c) : c))), handle.writable());
}

/** Writes a whole file: open, write, commit, close. */
export async function put(storage: Storage, vpath: string, data: Buffer | string, mode: WriteMode = { kind: "replace" }): Promise<WriteHandle> {
  const handle = await storage.openWrite(vpath, mode);
  try {
    if (mode.kind === "replace" && !handle.created) await handle.truncate(0);
    await writeAll(handle, data);
    await handle.commit();
  } finally {
    await handle.close();
  }
  return handle;
}

export async function read(storage: Storage, vpath: string, start = 0, end?: number): Promise<Buffer> {
  const handle = await storage.openRead(vpath);
  try {
    return await collect(handle.stream(start, end));
  } finally {
    await handle.close();
  }
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function text(storage: Storage, vpath: string): Promise<string> {
  return (await read(storage, vpath)).toString();
}

export async function listAll(storage: Storage, vpath: string): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const batch of storage.list(vpath)) out.push(...batch);
  return out;
}

async function names(storage: Storage, vpath: string): Promise<string[]> {
  return (await listAll(storage, vpath)).map((e) => e.name).sort();
}

/** Rejects with a StorageError of `code` (the contract's typed errors, not a Node errno error). */
export async function expectCode(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected StorageError "${code}", got success`).not.toBeNull();
  expect(err, `expected a StorageError "${code}", got ${String(err)}`).toBeInstanceOf(StorageError);
  expect((err as StorageError).code).toBe(code);
}

/** Deterministic bytes (not all equal, so a shifted or repeated chunk shows). */
function pattern(length: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// ---- the cases ---------------------------------------------------------------------------

export function describeStorageContract(
  name: string,
  make: () => Promise<StorageUnderTest>,
  features: ContractFeatures = { positionedWrites: true, readersKeepFiles: true },
): void {
  describe(`storage contract: ${name}`, () => {
    let s: Storage;
    let under: StorageUnderTest;
    beforeEach(async () => {
      under = await make();
      s = under.storage;
    });
    afterEach(async () => {
      await under.cleanup();
    });
    const positioned = features.positionedWrites ? it : it.skip;

    describe("paths", () => {
      it("the root '/' exists and is a folder", async () => {
        const root = await s.stat("/");
        expect(root.kind).toBe("folder");
      });

      it("only normalized virtual paths are accepted: anything else is name-not-allowed, never a way out", async () => {
        for (const bad of ["", "a", "/a/", "//a", "/a//b", "/./a", "/a/.", "/..", "/a/../b", "/a\0b"]) {
          await expectCode(s.stat(bad), "name-not-allowed");
          await expectCode(s.openWrite(bad, { kind: "replace" }), "name-not-allowed");
          await expectCode(s.mkdir(bad), "name-not-allowed");
        }
        expect(await names(s, "/")).toEqual([]);
      });

      it("a missing path is not-found; a path through a file is not-a-folder", async () => {
        await put(s, "/f", "x");
        await expectCode(s.stat("/nope"), "not-found");
        await expectCode(s.stat("/nope/deeper"), "not-found");
        await expectCode(s.stat("/f/x"), "not-a-folder");
        await expectCode(s.openRead("/f/x"), "not-a-folder");
        await expectCode(s.openWrite("/f/x", { kind: "replace" }), "not-a-folder");
      });

      it("names with spaces, unicode and punctuation round-trip through write, stat and list", async () => {
        const weird = ["with space", "ünïcödé 文字", "semi;colon", "per%cent", "-dash", "quote\"d"];
        for (const n of weird) await put(s, `/${n}`, n);
        expect(await names(s, "/")).toEqual([...weird].sort());
        for (const n of weird) {
          expect((await s.stat(`/${n}`)).name).toBe(n);
          expect(await text(s, `/${n}`)).toBe(n);
        }
      });
    });

    describe("reading (RETR, HASH)", () => {
      it("stat and openRead describe a file: kind, size, name; the read gives its bytes", async () => {
        const data = pattern(1000);
        await put(s, "/a.bin", data);
        const info = await s.stat("/a.bin");
        expect(info).toMatchObject({ name: "a.bin", kind: "file", size: 1000, nlink: 1 });
        const handle = await s.openRead("/a.bin");
        expect(handle.info).toMatchObject({ name: "a.bin", kind: "file", size: 1000 });
        await handle.close();
        expect((await read(s, "/a.bin")).equals(data)).toBe(true);
      });

      it("a file bigger than many chunks reads back byte for byte (no chunk lost, repeated or shifted)", async () => {
        const data = pattern(3 * 1024 * 1024 + 12345, 7);
        const handle = await s.openWrite("/big", { kind: "create-new" });
        // Written in odd-sized pieces, read back in the stream's own chunks.
        const pieces: Buffer[] = [];
        for (let at = 0; at < data.length; at += 100_003) pieces.push(data.subarray(at, at + 100_003));
        await writeAll(handle, ...pieces);
        expect(handle.written).toBe(data.length);
        await handle.commit();
        await handle.close();
        expect((await s.stat("/big")).size).toBe(data.length);
        expect((await read(s, "/big")).equals(data)).toBe(true);
      });

      it("REST: stream(start) gives the bytes from start to the end; stream(start, end) exactly [start, end)", async () => {
        const data = pattern(5000, 3);
        await put(s, "/r", data);
        expect((await read(s, "/r", 1234)).equals(data.subarray(1234))).toBe(true);
        expect((await read(s, "/r", 10, 20)).equals(data.subarray(10, 20))).toBe(true);
        expect((await read(s, "/r", 0, 5000)).equals(data)).toBe(true);
        expect((await read(s, "/r", 4999)).equals(data.subarray(4999))).toBe(true);
      });

      it("a start at or past the end gives an empty stream (RETR checks REST against info.size itself)", async () => {
        await put(s, "/r", "12345");
        expect((await read(s, "/r", 5)).length).toBe(0);
        expect((await read(s, "/r", 99)).length).toBe(0);
        expect((await read(s, "/r", 2, 2)).length).toBe(0);
      });

      it("an empty file opens and reads as nothing", async () => {
        await put(s, "/empty", "");
        expect((await s.stat("/empty")).size).toBe(0);
        expect((await read(s, "/empty")).length).toBe(0);
      });

      it("openRead refuses folders (is-a-folder) and missing files (not-found)", async () => {
        await s.mkdir("/d");
        await expectCode(s.openRead("/d"), "is-a-folder");
        await expectCode(s.openRead("/"), "is-a-folder");
        await expectCode(s.openRead("/missing"), "not-found");
      });

      it("two streams of one handle read independently (HASH of a range while ...)", async () => {
        const data = pattern(300_000, 5);
        await put(s, "/two", data);
        const handle = await s.openRead("/two");
        const [a, b] = await Promise.all([collect(handle.stream(0)), collect(handle.stream(100_000, 200_000))]);
        await handle.close();
        expect(a.equals(data)).toBe(true);
        expect(b.equals(data.subarray(100_000, 200_000))).toBe(true);
      });

      it("close() is idempotent and ends a stream still open", async () => {
        await put(s, "/c", pattern(600_000));
        const handle = await s.openRead("/c");
        const stream = handle.stream(0);
        await handle.close();
        await handle.close();
        // The stream ends one way or another (destroyed, or an error), never hangs.
        await collect(stream).catch(() => Buffer.alloc(0));
        expect(stream.destroyed).toBe(true);
      });

      (features.readersKeepFiles ? it : it.skip)("an open reader keeps the file it opened when the name is removed or replaced", async () => {
        await put(s, "/old", "old content");
        const reader1 = await s.openRead("/old");
        await put(s, "/new", "new content");
        await s.rename("/new", "/old"); // replaced
        expect((await collect(reader1.stream(0))).toString()).toBe("old content");
        await reader1.close();

        const reader2 = await s.openRead("/old");
        await s.remove("/old");
        expect((await collect(reader2.stream(0))).toString()).toBe("new content");
        await reader2.close();
      });
    });

    describe("writing (STOR, APPE, STOU, REST)", () => {
      it("create-new (STOU) makes a new file: created, sizeBefore 0, mode rw-r--r--", async () => {
        const handle = await put(s, "/n", "hello", { kind: "create-new" });
        expect(handle.created).toBe(true);
        expect(handle.sizeBefore).toBe(0);
        expect(handle.written).toBe(5);
        expect(await text(s, "/n")).toBe("hello");
        expect((await s.stat("/n")).mode).toBe(0o644);
      });

      it("create-new on an existing name is exists, and the file is untouched", async () => {
        await put(s, "/n", "keep me");
        await expectCode(s.openWrite("/n", { kind: "create-new" }), "exists");
        expect(await text(s, "/n")).toBe("keep me");
        await s.mkdir("/d");
        await expectCode(s.openWrite("/d", { kind: "create-new" }), "exists");
      });

      it("replace (STOR) makes a missing file at once, empty, visible before commit", async () => {
        const handle = await s.openWrite("/new", { kind: "replace" });
        expect(handle.created).toBe(true);
        expect((await s.stat("/new")).size).toBe(0);
        await handle.commit();
        await handle.close();
        expect((await s.stat("/new")).kind).toBe("file");
      });

      it("replace opens an existing file WITHOUT emptying it (a failed PASV never destroys it); truncate(0) then write replaces it", async () => {
        await put(s, "/f", "old old old");
        const handle = await s.openWrite("/f", { kind: "replace" });
        expect(handle.created).toBe(false);
        expect(handle.sizeBefore).toBe(11);
        expect(await text(s, "/f")).toBe("old old old");
        await handle.truncate(0);
        await writeAll(handle, "new");
        await handle.commit();
        await handle.close();
        expect(await text(s, "/f")).toBe("new");
      });

      positioned("replace without truncate writes over the start and keeps the rest (r+ semantics)", async () => {
        await put(s, "/f", "0123456789");
        const handle = await s.openWrite("/f", { kind: "replace" });
        await writeAll(handle, "ab");
        await handle.commit();
        await handle.close();
        expect(await text(s, "/f")).toBe("ab23456789");
      });

      positioned("at (REST + STOR) writes from the offset, keeps what is before; truncate(offset + written) cuts the old tail", async () => {
        await put(s, "/f", "0123456789");
        const handle = await s.openWrite("/f", { kind: "at", offset: 3 });
        expect(handle.created).toBe(false);
        expect(handle.sizeBefore).toBe(10);
        await writeAll(handle, "XY");
        expect(await text(s, "/f")).toBe("012XY56789");
        await handle.truncate(3 + handle.written);
        await handle.commit();
        await handle.close();
        expect(await text(s, "/f")).toBe("012XY");
      });

      positioned("at on a missing file is not-found and creates nothing", async () => {
        await expectCode(s.openWrite("/none", { kind: "at", offset: 5 }), "not-found");
        await expectCode(s.stat("/none"), "not-found");
      });

      positioned("at past the end leaves a gap that reads as zeros (pwrite)", async () => {
        await put(s, "/f", "ab");
        const handle = await s.openWrite("/f", { kind: "at", offset: 5 });
        await writeAll(handle, "Z");
        await handle.commit();
        await handle.close();
        expect((await read(s, "/f")).equals(Buffer.from([0x61, 0x62, 0, 0, 0, 0x5a]))).toBe(true);
      });

      positioned("append (APPE) adds at the end of an existing file", async () => {
        await put(s, "/log", "one\n");
        const handle = await put(s, "/log", "two\n", { kind: "append" });
        expect(handle.created).toBe(false);
        expect(handle.sizeBefore).toBe(4);
        expect(await text(s, "/log")).toBe("one\ntwo\n");
      });

      it("append creates a missing file", async () => {
        const handle = await put(s, "/log", "first", { kind: "append" });
        expect(handle.created).toBe(true);
        expect(await text(s, "/log")).toBe("first");
      });

      positioned("two appenders never overwrite each other: every write lands at the end as it is then", async () => {
        await put(s, "/log", "");
        const a = await s.openWrite("/log", { kind: "append" });
        const b = await s.openWrite("/log", { kind: "append" });
        const wa = a.writable();
        const wb = b.writable();
        const write = (w: NodeJS.WritableStream, chunk: string) => new Promise<void>((resolve, reject) => w.write(chunk, (err) => (err ? reject(err) : resolve())));
        for (let i = 0; i < 5; i++) {
          await write(wa, `a${i};`);
          await write(wb, `b${i};`);
        }
        for (const h of [a, b]) {
          await h.commit();
          await h.close();
        }
        expect(await text(s, "/log")).toBe("a0;b0;a1;b1;a2;b2;a3;b3;a4;b4;");
      });

      positioned("two writers of one file write at their own positions; where they overlap the later write wins", async () => {
        await put(s, "/f", "..........");
        const a = await s.openWrite("/f", { kind: "at", offset: 0 });
        const b = await s.openWrite("/f", { kind: "at", offset: 4 });
        await writeAll(a, "AAAAAA"); // 0..5
        await writeAll(b, "BBB"); // 4..6: over the tail of A's
        for (const h of [a, b]) {
          await h.commit();
          await h.close();
        }
        expect(await text(s, "/f")).toBe("AAAABBB...");
      });

      it("openWrite of a folder is is-a-folder, whatever the mode", async () => {
        await s.mkdir("/d");
        for (const mode of [{ kind: "replace" }, { kind: "replace", atomic: true }, { kind: "append" }, { kind: "at", offset: 0 }] as WriteMode[]) {
          if (!features.positionedWrites && mode.kind !== "replace") continue;
          await expectCode(s.openWrite("/d", mode), "is-a-folder");
        }
        await expectCode(s.openWrite("/", { kind: "replace" }), "is-a-folder");
        expect((await s.stat("/d")).kind).toBe("folder");
      });

      it("openWrite in a missing folder is not-found", async () => {
        await expectCode(s.openWrite("/no/file", { kind: "replace" }), "not-found");
        await expectCode(s.openWrite("/no/file", { kind: "create-new" }), "not-found");
      });

      it("a write updates the modification time", async () => {
        await put(s, "/f", "x");
        await s.setTimes("/f", Date.UTC(2001, 0, 1));
        const handle = await s.openWrite("/f", { kind: "append" });
        await writeAll(handle, "y");
        await handle.commit();
        await handle.close();
        expect((await s.stat("/f")).mtimeMs).toBeGreaterThan(Date.UTC(2020, 0, 1));
      });

      it("abandoned (close without commit): a file this handle created is gone (no data connection came)", async () => {
        const handle = await s.openWrite("/never", { kind: "replace" });
        expect(handle.created).toBe(true);
        await handle.close();
        await expectCode(s.stat("/never"), "not-found");
        const unique = await s.openWrite("/stou", { kind: "create-new" });
        await unique.close();
        await expectCode(s.stat("/stou"), "not-found");
      });

      it("abandoned: an existing file opened with replace is still there (it was never emptied)", async () => {
        await put(s, "/keep", "precious");
        const handle = await s.openWrite("/keep", { kind: "replace" });
        await handle.close();
        expect(await text(s, "/keep")).toBe("precious");
      });

      it("close() is idempotent; commit() then close() keeps the data", async () => {
        const handle = await s.openWrite("/f", { kind: "replace" });
        await writeAll(handle, "data");
        await handle.commit();
        await handle.close();
        await handle.close();
        expect(await text(s, "/f")).toBe("data");
      });
    });

    describe("atomic uploads (replace with atomic: true)", () => {
      it("until commit() readers see the old file whole; after it, the new one", async () => {
        await put(s, "/f", "old version");
        const handle = await s.openWrite("/f", { kind: "replace", atomic: true });
        expect(handle.created).toBe(false);
        expect(handle.sizeBefore).toBe(11);
        await writeAll(handle, "new!");
        expect(await text(s, "/f")).toBe("old version");
        await handle.commit();
        expect(await text(s, "/f")).toBe("new!");
        await handle.close();
        expect(await text(s, "/f")).toBe("new!");
      });

      it("abandoned, the old file stays exactly as it was and nothing else is left in the folder", async () => {
        await s.mkdir("/d");
        await put(s, "/d/f", "old version");
        const handle = await s.openWrite("/d/f", { kind: "replace", atomic: true });
        await writeAll(handle, "half an upl");
        await handle.close();
        expect(await text(s, "/d/f")).toBe("old version");
        expect(await names(s, "/d")).toEqual(["f"]);
      });

      it("of a new name: created; nothing appears before commit, the file after it", async () => {
        const handle = await s.openWrite("/fresh", { kind: "replace", atomic: true });
        expect(handle.created).toBe(true);
        expect(handle.sizeBefore).toBe(0);
        await writeAll(handle, "made");
        await expectCode(s.stat("/fresh"), "not-found");
        await handle.commit();
        await handle.close();
        expect(await text(s, "/fresh")).toBe("made");
      });

      it("of a new name, abandoned: no file at all", async () => {
        const handle = await s.openWrite("/fresh", { kind: "replace", atomic: true });
        await writeAll(handle, "made");
        await handle.close();
        await expectCode(s.stat("/fresh"), "not-found");
        expect(await names(s, "/")).toEqual([]);
      });

      it("two atomic uploads of one name never interleave: the file is one of them, whole", async () => {
        await put(s, "/f", "old");
        const a = await s.openWrite("/f", { kind: "replace", atomic: true });
        const b = await s.openWrite("/f", { kind: "replace", atomic: true });
        const bigA = Buffer.alloc(200_000, 0x61);
        const bigB = Buffer.alloc(150_000, 0x62);
        await Promise.all([writeAll(a, bigA), writeAll(b, bigB)]);
        await a.commit();
        await b.commit();
        await a.close();
        await b.close();
        expect((await read(s, "/f")).equals(bigB)).toBe(true);
        expect(await names(s, "/")).toEqual(["f"]);
      });
    });

    describe("folders (MKD, RMD, CWD)", () => {
      it("mkdir makes one empty folder", async () => {
        await s.mkdir("/d");
        expect((await s.stat("/d")).kind).toBe("folder");
        expect(await listAll(s, "/d")).toEqual([]);
      });

      it("mkdir of an existing name is exists (folder or file); of the root too", async () => {
        await s.mkdir("/d");
        await put(s, "/f", "x");
        await expectCode(s.mkdir("/d"), "exists");
        await expectCode(s.mkdir("/f"), "exists");
        await expectCode(s.mkdir("/"), "exists");
        expect(await text(s, "/f")).toBe("x");
      });

      it("mkdir needs its parent (not-found) to be a folder (not-a-folder): no mkdir -p", async () => {
        await put(s, "/f", "x");
        await expectCode(s.mkdir("/a/b"), "not-found");
        await expectCode(s.stat("/a"), "not-found");
        await expectCode(s.mkdir("/f/b"), "not-a-folder");
      });

      it("rmdir removes an empty folder", async () => {
        await s.mkdir("/d");
        await s.rmdir("/d");
        await expectCode(s.stat("/d"), "not-found");
      });

      it("rmdir refuses a folder with something in it (not-empty), and it stays whole", async () => {
        await s.mkdir("/d");
        await put(s, "/d/f", "x");
        await expectCode(s.rmdir("/d"), "not-empty");
        expect(await text(s, "/d/f")).toBe("x");
      });

      it("rmdir of a file is not-a-folder, of a missing name not-found, of the root busy", async () => {
        await put(s, "/f", "x");
        await expectCode(s.rmdir("/f"), "not-a-folder");
        await expectCode(s.rmdir("/missing"), "not-found");
        await expectCode(s.rmdir("/"), "busy");
        expect(await text(s, "/f")).toBe("x");
      });
    });

    describe("remove (DELE)", () => {
      it("remove deletes a file", async () => {
        await put(s, "/f", "x");
        await s.remove("/f");
        await expectCode(s.stat("/f"), "not-found");
        expect(await names(s, "/")).toEqual([]);
      });

      it("remove never deletes a folder (is-a-folder), empty or not, nor the root", async () => {
        await s.mkdir("/d");
        await expectCode(s.remove("/d"), "is-a-folder");
        await expectCode(s.remove("/"), "is-a-folder");
        expect((await s.stat("/d")).kind).toBe("folder");
      });

      it("remove of a missing name is not-found", async () => {
        await expectCode(s.remove("/missing"), "not-found");
        await expectCode(s.remove("/missing/deeper"), "not-found");
      });
    });

    describe("rename (RNFR/RNTO)", () => {
      it("a file moves to a new name (and into another folder); the old name is gone", async () => {
        await s.mkdir("/d");
        await put(s, "/a", "content");
        await s.rename("/a", "/b");
        await expectCode(s.stat("/a"), "not-found");
        await s.rename("/b", "/d/c");
        expect(await text(s, "/d/c")).toBe("content");
        expect(await names(s, "/")).toEqual(["d"]);
      });

      it("a file replaces an existing file", async () => {
        await put(s, "/a", "new");
        await put(s, "/b", "old, longer");
        await s.rename("/a", "/b");
        expect(await text(s, "/b")).toBe("new");
        expect(await names(s, "/")).toEqual(["b"]);
      });

      it("a file never replaces a folder (is-a-folder); a folder never replaces a file (not-a-folder)", async () => {
        await put(s, "/f", "x");
        await s.mkdir("/d");
        await expectCode(s.rename("/f", "/d"), "is-a-folder");
        await expectCode(s.rename("/d", "/f"), "not-a-folder");
        expect(await text(s, "/f")).toBe("x");
        expect((await s.stat("/d")).kind).toBe("folder");
      });

      it("a folder replaces an empty folder, not a folder with something in it (not-empty)", async () => {
        await s.mkdir("/a");
        await put(s, "/a/inside", "1");
        await s.mkdir("/empty");
        await s.mkdir("/full");
        await put(s, "/full/x", "2");
        await expectCode(s.rename("/a", "/full"), "not-empty");
        await s.rename("/a", "/empty");
        expect(await text(s, "/empty/inside")).toBe("1");
        expect(await names(s, "/")).toEqual(["empty", "full"]);
      });

      it("a folder moves with everything in it", async () => {
        await s.mkdir("/a");
        await s.mkdir("/a/sub");
        await put(s, "/a/sub/f", "deep");
        await s.rename("/a", "/b");
        expect(await text(s, "/b/sub/f")).toBe("deep");
        await expectCode(s.stat("/a"), "not-found");
      });

      it("a folder never moves into itself (name-not-allowed) and the tree is unchanged", async () => {
        await s.mkdir("/a");
        await s.mkdir("/a/b");
        await expectCode(s.rename("/a", "/a/b/c"), "name-not-allowed");
        await expectCode(s.rename("/a", "/a/x"), "name-not-allowed");
        expect((await s.stat("/a/b")).kind).toBe("folder");
        expect(await names(s, "/a")).toEqual(["b"]);
      });

      it("a name that starts like a folder's is not inside it: /a -> /ab is fine", async () => {
        await s.mkdir("/a");
        await s.rename("/a", "/ab");
        expect((await s.stat("/ab")).kind).toBe("folder");
      });

      it("renaming to the same name changes nothing", async () => {
        await put(s, "/f", "same");
        await s.rename("/f", "/f");
        expect(await text(s, "/f")).toBe("same");
      });

      it("rename of a missing name, or into a missing folder, is not-found and changes nothing", async () => {
        await put(s, "/f", "x");
        await expectCode(s.rename("/missing", "/g"), "not-found");
        await expectCode(s.rename("/f", "/nofolder/g"), "not-found");
        expect(await names(s, "/")).toEqual(["f"]);
      });

      it("the root is never renamed, nor replaced (busy)", async () => {
        await s.mkdir("/d");
        await expectCode(s.rename("/", "/d/x"), "busy");
        await expectCode(s.rename("/d", "/"), "busy");
      });
    });

    describe("listing (LIST, NLST, MLSD, STAT)", () => {
      it("list gives every entry once with its kind and size; a single file is stat, not list", async () => {
        await s.mkdir("/d");
        await put(s, "/d/one", "1");
        await put(s, "/d/three", "333");
        await s.mkdir("/d/sub");
        const entries = await listAll(s, "/d");
        const byName = new Map(entries.map((e) => [e.name, e]));
        expect([...byName.keys()].sort()).toEqual(["one", "sub", "three"]);
        expect(byName.get("one")).toMatchObject({ kind: "file", size: 1 });
        expect(byName.get("three")).toMatchObject({ kind: "file", size: 3 });
        expect(byName.get("sub")).toMatchObject({ kind: "folder" });
        for (const e of entries) {
          expect(e.mode).toBeGreaterThanOrEqual(0);
          expect(e.mode).toBeLessThanOrEqual(0o777);
          expect(e.nlink).toBeGreaterThanOrEqual(1);
          expect(Number.isFinite(e.mtimeMs)).toBe(true);
        }
      });

      it("list of a file is not-a-folder, of a missing name not-found", async () => {
        await put(s, "/f", "x");
        await expectCode(listAll(s, "/f"), "not-a-folder");
        await expectCode(listAll(s, "/missing"), "not-found");
      });

      it("a big folder comes in several batches, lazily, every name exactly once", async () => {
        await s.mkdir("/many");
        const count = 700;
        for (let i = 0; i < count; i++) {
          const h = await s.openWrite(`/many/f${i}`, { kind: "create-new" });
          await h.commit();
          await h.close();
        }
        let batches = 0;
        const seen: string[] = [];
        for await (const batch of s.list("/many")) {
          batches++;
          seen.push(...batch.map((e) => e.name));
        }
        expect(batches).toBeGreaterThan(1);
        expect(seen.length).toBe(count);
        expect(new Set(seen).size).toBe(count);
      });

      it("stopping a listing early (the client went away) is fine; the folder lists again", async () => {
        await s.mkdir("/many");
        for (let i = 0; i < 200; i++) await put(s, `/many/f${i}`, "");
        for await (const batch of s.list("/many")) {
          expect(batch.length).toBeGreaterThan(0);
          break;
        }
        expect((await listAll(s, "/many")).length).toBe(200);
      });

      it("the root lists what was made in it", async () => {
        await put(s, "/a", "1");
        await s.mkdir("/b");
        expect(await names(s, "/")).toEqual(["a", "b"]);
      });
    });

    describe("times and modes (MFMT, MDTM, SITE CHMOD)", () => {
      it("setTimes sets the modification time (MFMT), to the second at least, on files and folders", async () => {
        await put(s, "/f", "x");
        await s.mkdir("/d");
        const when = Date.UTC(2025, 0, 2, 3, 4, 5);
        await s.setTimes("/f", when);
        await s.setTimes("/d", when);
        expect(Math.floor((await s.stat("/f")).mtimeMs / 1000)).toBe(when / 1000);
        expect(Math.floor((await s.stat("/d")).mtimeMs / 1000)).toBe(when / 1000);
      });

      it("chmod sets the permission bits, never setuid/setgid/sticky", async () => {
        await put(s, "/f", "x");
        await s.chmod("/f", 0o600);
        expect((await s.stat("/f")).mode).toBe(0o600);
        await s.chmod("/f", 0o7755);
        expect((await s.stat("/f")).mode).toBe(0o755);
      });

      it("setTimes and chmod of a missing name are not-found", async () => {
        await expectCode(s.setTimes("/missing", 0), "not-found");
        await expectCode(s.chmod("/missing", 0o644), "not-found");
      });
    });
  });
}
