/**
 * The storage contract on MemoryStorage (final/src/storage/memory.ts), plus what only memory
 * has (a capacity that fills up like a disk), and the one error mapping
 * (final/src/storage/errors.ts) checked against the replies the server gives today.
 */
import { describe, expect, it } from "vitest";
import { FtpError } from "../../final/src/protocol/reply.ts";
import { asStorageError, isUnexpected, StorageError, toFtpError, type StorageErrorCode } from "../../final/src/storage/errors.ts";
import { MemoryStorage } from "../../final/src/storage/memory.ts";
import { describeStorageContract, expectCode, put, text, writeAll } from "./storage-contract.ts";

describeStorageContract("MemoryStorage", async () => ({ storage: new MemoryStorage(), cleanup: async () => {} }));

describe("MemoryStorage: a disk that fills up", () => {
  it("a write past the capacity is no-space (452, as ENOSPC), and what fit stays", async () => {
    const storage = new MemoryStorage({ capacity: 10 });
    await put(storage, "/a", "12345");
    const handle = await storage.openWrite("/b", { kind: "replace" });
    await expectCode(writeAll(handle, "123456"), "no-space");
    await handle.close();
    expect(await text(storage, "/a")).toBe("12345");
    expect(storage.usedBytes).toBe(5);
  });

  it("removing, replacing and abandoning give the room back", async () => {
    const storage = new MemoryStorage({ capacity: 10 });
    await put(storage, "/a", "1234567890");
    await storage.remove("/a");
    expect(storage.usedBytes).toBe(0);
    await put(storage, "/a", "123");
    await put(storage, "/b", "1234567");
    await storage.rename("/b", "/a"); // the old /a's 3 bytes go
    expect(storage.usedBytes).toBe(7);
    const atomic = await storage.openWrite("/a", { kind: "replace", atomic: true });
    await writeAll(atomic, "xyz");
    expect(storage.usedBytes).toBe(10); // written aside, it takes room like a temporary file
    await atomic.close(); // abandoned
    expect(storage.usedBytes).toBe(7);
    const shrink = await storage.openWrite("/a", { kind: "replace" });
    await shrink.truncate(2);
    await shrink.commit();
    await shrink.close();
    expect(storage.usedBytes).toBe(2);
  });
});

describe("storage errors: the one mapping to FTP replies", () => {
  const errnos = ["ENOENT", "ENOTDIR", "EISDIR", "EACCES", "EPERM", "EEXIST", "ENOTEMPTY", "ENAMETOOLONG", "ELOOP", "EINVAL", "EXDEV", "ENOSPC", "EDQUOT", "EBUSY", "EROFS", "EMFILE", "ENFILE", "EIO", "ENOTSUP"];
  const errnoError = (code: string) => Object.assign(new Error(`${code}: something, open '/srv/x'`), { code });

  // The replies the server gave before the storage seam (fs/errors.ts at fcb2412), one per
  // errno, and whether the error is worth a log line: the seam must not change any of them.
  const before: Record<string, [number, string, boolean]> = {
    ENOENT: [550, "No such file or folder.", false],
    ENOTDIR: [550, "Not a folder.", false],
    EISDIR: [550, "Is a folder.", false],
    EACCES: [550, "Permission denied.", false],
    EPERM: [550, "Operation not permitted.", false],
    EEXIST: [550, "File exists.", false],
    ENOTEMPTY: [550, "Folder is not empty.", false],
    ENAMETOOLONG: [553, "File name too long.", false],
    ELOOP: [550, "Too many levels of symbolic links.", false],
    EINVAL: [553, "File name not allowed.", false],
    EXDEV: [550, "Cannot move across file systems.", false],
    ENOSPC: [452, "Insufficient storage space (disk full).", false],
    EDQUOT: [552, "Disk quota exceeded.", false],
    EBUSY: [550, "File is busy.", false],
    EROFS: [550, "Read-only file system.", false],
    EMFILE: [451, "Too many open files on the server, try again.", false],
    ENFILE: [451, "Too many open files on the server, try again.", false],
    EIO: [451, "Local error in processing.", true],
    ENOTSUP: [451, "Local error in processing.", true],
  };

  it("a Node errno error gets exactly the reply it got before the seam, raw or as a StorageError", () => {
    expect(Object.keys(before)).toEqual(errnos);
    for (const code of errnos) {
      const [replyCode, text, unexpected] = before[code]!;
      for (const err of [errnoError(code), asStorageError(errnoError(code))]) {
        const now = toFtpError(err);
        expect([now.code, now.message], code).toEqual([replyCode, text]);
        expect(isUnexpected(err), code).toBe(unexpected);
      }
    }
  });

  it("FtpErrors pass through; errors without a code are 451 and worth a log line", () => {
    const ftp = new FtpError(553, "Nope.");
    expect(toFtpError(ftp)).toBe(ftp);
    expect(isUnexpected(ftp)).toBe(false);
    const bug = new TypeError("x is undefined");
    expect([toFtpError(bug).code, toFtpError(bug).message]).toEqual([451, "Local error in processing."]);
    expect(isUnexpected(bug)).toBe(true);
    expect(isUnexpected(asStorageError(bug))).toBe(true);
    expect(asStorageError(bug).code).toBe("io");
  });

  it("every code has a reply; a backend's own words replace the text, never the code; details stay out of it", () => {
    const codes: StorageErrorCode[] = ["not-found", "exists", "not-a-folder", "is-a-folder", "not-a-file", "not-empty", "permission", "outside", "no-space", "quota", "name-not-allowed", "name-too-long", "link-loop", "cross-device", "read-only", "busy", "too-many-open", "unsupported", "io"];
    for (const code of codes) {
      const reply = toFtpError(new StorageError(code, "/secret/real/path"));
      expect(reply.code, code).toBeGreaterThanOrEqual(450);
      expect(reply.message, code).not.toContain("/secret");
    }
    expect(toFtpError(new StorageError("not-a-file")).message).toBe("Not a regular file.");
    expect(toFtpError(new StorageError("outside")).message).toBe("Path is outside your home folder.");
    expect(toFtpError(new StorageError("quota", undefined, { reply: "Quota exceeded: delete some files." }))).toMatchObject({ code: 552, message: "Quota exceeded: delete some files." });
    expect(toFtpError(new StorageError("unsupported")).code).toBe(504);
  });
});
