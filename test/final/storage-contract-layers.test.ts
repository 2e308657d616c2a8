/**
 * The storage contract on the final server's storage layers (final/src/storage/layer.ts):
 * atomic uploads (atomic.ts) and quotas (quota-layer.ts) around memory and the local disk, as
 * storage/user-storage.ts stacks them at login, plus what the quota layer itself promises:
 * every write, delete and rename counted, a write past the limit refused and undone.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Quotas } from "../../final/src/quota.ts";
import { AtomicStorage } from "../../final/src/storage/atomic.ts";
import { LocalStorage } from "../../final/src/storage/local.ts";
import { MemoryStorage } from "../../final/src/storage/memory.ts";
import { QuotaStorage } from "../../final/src/storage/quota-layer.ts";
import { describeStorageContract, expectCode, put, text, writeAll } from "./storage-contract.ts";

async function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), "ftp-lab-layers-"));
}

function quotas(bytes: number): Quotas {
  return new Quotas({ defaultQuota: bytes, userQuota: new Map(), folderQuota: new Map() });
}

/** Local disk, optionally atomic, with a quota layer of `bytes` for user "anna" on top. */
async function quotaStack(bytes: number, atomic: boolean): Promise<{ storage: QuotaStorage; q: Quotas; home: string; cleanup: () => Promise<void> }> {
  const home = await tempHome();
  const local = await LocalStorage.open(home);
  const q = quotas(bytes);
  const inner = atomic ? new AtomicStorage(local) : local;
  const storage = new QuotaStorage(inner, q, { name: "anna", home, mounts: [] }, (vpath, target) => local.realPathOf(vpath, target), atomic);
  return { storage, q, home, cleanup: () => rm(home, { recursive: true, force: true }) };
}

// The whole contract runs on the quota layer (around the local disk, where quotas count). Not on
// an atomic stack: its "replace" is hidden until commit and starts empty by design, which two
// of the contract's cases check the other way; the atomic layer's own cases follow instead.
describeStorageContract("QuotaStorage(LocalStorage), room to spare", async () => {
  const { storage, cleanup } = await quotaStack(1 << 30, false);
  return { storage, cleanup };
});

describe("AtomicStorage: a replacing write is hidden until commit", () => {
  it.each(["memory", "local"])("%s: readers see the old file until commit; an abandoned write leaves it; other modes write in place", async (backend) => {
    const home = backend === "local" ? await tempHome() : "";
    const storage = new AtomicStorage(backend === "local" ? await LocalStorage.open(home) : new MemoryStorage());
    await put(storage, "/a", "old");
    const file = await storage.openWrite("/a", { kind: "replace" });
    await writeAll(file, "new!");
    expect(await text(storage, "/a")).toBe("old");
    await file.close(); // no commit: abandoned
    expect(await text(storage, "/a")).toBe("old");
    const again = await storage.openWrite("/a", { kind: "replace" });
    await writeAll(again, "new!");
    await again.commit();
    await again.close();
    expect(await text(storage, "/a")).toBe("new!");
    const appended = await storage.openWrite("/a", { kind: "append" });
    await writeAll(appended, "+");
    expect(await text(storage, "/a")).toBe("new!+"); // in place, before commit
    await appended.commit();
    await appended.close();
    const fresh = await storage.openWrite("/b", { kind: "create-new" });
    expect((await storage.stat("/b")).size).toBe(0); // STOU's name is taken at once
    await fresh.close();
    if (home) await rm(home, { recursive: true, force: true });
  });
});

describe("QuotaStorage: counts and refuses on virtual paths", () => {
  for (const atomic of [false, true]) {
    it(`writes, removes and renames are counted${atomic ? " (atomic)" : ""}`, async () => {
      const { storage, q, home, cleanup } = await quotaStack(1000, atomic);
      try {
        await put(storage, "/a", "x".repeat(100));
        expect(await q.used(home)).toBe(100);
        await put(storage, "/a", "x".repeat(40)); // replaced: 40, not 140
        expect(await q.used(home)).toBe(40);
        await storage.mkdir("/d");
        await storage.rename("/a", "/d/a");
        expect(await q.used(home)).toBe(40);
        await storage.remove("/d/a");
        expect(await q.used(home)).toBe(0);
      } finally {
        await cleanup();
      }
    });

    it(`a write past the limit is refused (552) and leaves nothing${atomic ? "; the old file stays" : ""}`, async () => {
      const { storage, q, home, cleanup } = await quotaStack(1000, atomic);
      try {
        await put(storage, "/old", "o".repeat(600));
        const file = await storage.openWrite("/old", { kind: "replace" });
        await file.truncate(0);
        await expect(writeAll(file, Buffer.alloc(700, 1), Buffer.alloc(700, 2))).rejects.toMatchObject({ code: 552 });
        await file.commit(); // refused: not put in place
        await file.close();
        if (atomic) expect(await text(storage, "/old")).toBe("o".repeat(600));
        else await expectCode(storage.stat("/old"), "not-found");
        expect(await q.used(home)).toBe(atomic ? 600 : 0);
        const appended = await storage.openWrite("/keep", { kind: "append" });
        await writeAll(appended, "k".repeat(10));
        await appended.commit();
        await appended.close();
        const more = await storage.openWrite("/keep", { kind: "append" });
        await expect(writeAll(more, Buffer.alloc(2000))).rejects.toMatchObject({ code: 552 });
        await more.close();
        expect(await text(storage, "/keep")).toBe("k".repeat(10)); // shrunk back
      } finally {
        await cleanup();
      }
    });
  }
});
