//> 0 local-storage
// The Storage of a folder on the local disk: a user's home, kept inside it by the Jail
// (fs/jail.ts), with the virtual folders mounted in that jail. The fast transfer paths are
// this backend's sendTo (local/send-file.ts) and receiver (local/receive-file.ts): the
// descriptor, the shared buffer pool, no stream in between.
//
//   const storage = new LocalStorage(jail);       // at login, one per session
//   const info = await storage.stat("/docs/notes.txt");
//
// Every path reaches the disk through one private method, open(), which asks the jail for a
// PathHandle (fs/path-handle.ts): the path walked one folder at a time and held open, so
// nothing done with it can be sent outside by someone renaming folders or swapping in links
// meanwhile. Each call acts through the handle as the commands did: `at` (the entry through
// its held folder, never following the last name: lstat, unlink, rmdir, mkdir, rename, open
// with O_NOFOLLOW), `self()` (the entry itself: stat, chmod, utimes, opendir) and
// `sibling()` (a name next to it: the atomic upload's hidden file). The calls take the
// server's strings through fs/byte-names.ts, so a name that is not UTF-8 keeps its bytes.
// Node's errno errors leave this file as StorageErrors (storage/errors.ts), except from the
// fast paths, whose errors toFtpError maps the same way.

import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import type { Socket } from "node:net";
import type { Readable, Writable } from "node:stream";
import { chmod, lstat, mkdir, open, rename, rmdir, stat, unlink, utimes } from "../fs/byte-names.ts";
import { Jail, type ResolveMode } from "../fs/jail.ts";
import type { PathHandle } from "../fs/path-handle.ts";
import { folderEntries } from "./local/entries.ts";
import { utf8 } from "../protocol/codec.ts";
import { FtpError } from "../protocol/reply.ts";
import { FileReceiver } from "./local/receive-file.ts";
import { sendFile } from "./local/send-file.ts";
import { asStorageError, StorageError } from "./errors.ts";
import type { FileInfo, FileKind, ReadHandle, StatTarget, Storage, UploadReceiver, WriteHandle, WriteMode } from "./storage.ts";
import { virtualParts } from "./storage.ts";
import { positionedReadable, positionedWritable } from "./streams.ts";
//> final storage-hard-links-import
import { refuseHardLink } from "../fs/hard-links.ts";
//<

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_APPEND } = constants;

/** New files: rw-r--r--, as STOR made them before. */
const FILE_MODE = 0o644;

/** The local disk's own choices. */
export interface LocalOptions {
//> final storage-hard-links-option
  /** refuse_hard_links: no writes into a file that has other names (fs/hard-links.ts). */
  refuseHardLinks?: boolean;
//<
}

export class LocalStorage implements Storage {
  constructor(
    private readonly jail: Jail,
    readonly options: LocalOptions = {},
  ) {}

  /** A storage on `home` without virtual folders (tests; login wraps the jail it mounted). */
  static async open(home: string): Promise<LocalStorage> {
    return new LocalStorage(await Jail.open(home));
  }

  async stat(vpath: string, target: StatTarget = "follow"): Promise<FileInfo> {
    const name = nameOf(vpath);
    if (target === "entry") return this.using(vpath, "parent", async (h) => infoOf(name, await fs(lstat(h.at))));
    return this.using(vpath, "follow", async (h) => infoOf(name, await fs(stat(await h.self()))));
  }

  async *list(vpath: string): AsyncGenerator<FileInfo[]> {
    // The folder is read through itself, held open, never by its name again.
    const h = await this.open(vpath, "follow");
    try {
      const real = await fs(h.self());
      // Links inside the home are shown as their targets, others bare (local/entries.ts).
      for await (const batch of folderEntries(real, this.jail)) {
        yield batch.map(({ name, stats }) => ({ ...infoOf(utf8.decode(name), stats), rawName: name }));
      }
    } catch (err) {
      throw asStorageError(err);
    } finally {
      await h.close();
    }
//> final storage-local-mounts
    // Virtual folders show up in their parent folder like real ones.
    const mounts: FileInfo[] = [];
    for (const mount of this.jail.mountsIn(vpath)) {
      const st = await stat(mount.real).catch(() => null);
      if (st) mounts.push(infoOf(mount.name, st));
    }
    if (mounts.length > 0) yield mounts;
//<
  }

  async openRead(vpath: string): Promise<ReadHandle> {
    return this.using(vpath, "follow", async (h) => {
      // Checked before open(): opening a FIFO or a device could block or have effects.
      requireFile(await fs(stat(await h.self())), vpath);
      // The walk followed every link, so the entry is no link: O_NOFOLLOW refuses one swapped in.
      const handle = await fs(open(h.at, O_RDONLY | O_NONBLOCK | O_NOFOLLOW));
      try {
        const st = await fs(handle.stat());
        requireFile(st, vpath); // what we opened, in case the name changed meanwhile
        return new LocalReadHandle(handle, infoOf(nameOf(vpath), st));
      } catch (err) {
        await handle.close();
        throw err;
      }
    });
  }

  async openWrite(vpath: string, mode: WriteMode): Promise<WriteHandle> {
    if (vpath === "/") throw new StorageError("is-a-folder", "/");
    if (mode.kind === "at" && (!Number.isSafeInteger(mode.offset) || mode.offset < 0)) throw new StorageError("io", `bad offset ${mode.offset}`);
    // Held open until the write handle closes: commit() and an abandoned upload's clean-up act
    // through the same folder the file was opened in.
    const h = await this.open(vpath, "follow");
    try {
      return await this.openWriteAt(h, vpath, mode);
    } catch (err) {
      await h.close();
      throw asStorageError(err);
    }
  }

  private async openWriteAt(h: PathHandle, vpath: string, mode: WriteMode): Promise<WriteHandle> {
    const append = mode.kind === "append" ? O_APPEND : 0;
    const start = mode.kind === "at" ? mode.offset : mode.kind === "append" ? null : 0;

    if (mode.kind === "replace" && mode.atomic) {
      // Written to a hidden file next to the target, renamed over it by commit(): same folder,
      // same file system, so the rename is atomic.
      const before = await lstat(h.at).catch(() => null);
      if (before) requireFile(before, vpath);
      const tempName = `.${h.name}.ftp-upload-${randomBytes(4).toString("hex")}`;
      const handle = await fs(open(h.sibling(tempName), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, FILE_MODE));
      return new LocalWriteHandle(handle, start, { path: h, created: before === null, sizeBefore: before?.size ?? 0, temp: tempName });
    }

    // A new file, made exclusively: nobody else's file is ever truncated or replaced by it.
    if (mode.kind !== "at") {
      try {
        const handle = await open(h.at, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | append, FILE_MODE);
        const { ino } = await handle.stat();
        return new LocalWriteHandle(handle, start, { path: h, created: true, sizeBefore: 0, ino });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || mode.kind === "create-new") throw asStorageError(err);
      }
    }
    requireFile(await fs(lstat(h.at)), vpath);
    const handle = await fs(open(h.at, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | append));
    try {
      const st = await fs(handle.stat());
      requireFile(st, vpath);
//> final storage-hard-links-write
      refuseHardLink(this.options.refuseHardLinks, st);
//<
      return new LocalWriteHandle(handle, start, { path: h, created: false, sizeBefore: st.size });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async mkdir(vpath: string): Promise<void> {
    if (vpath === "/") throw new StorageError("exists", "/");
    await this.using(vpath, "parent", (h) => fs(mkdir(h.at)));
  }

  async rmdir(vpath: string): Promise<void> {
    if (vpath === "/") throw new StorageError("busy", "/");
    await this.using(vpath, "parent", (h) => fs(rmdir(h.at)));
  }

  async remove(vpath: string): Promise<void> {
    if (vpath === "/") throw new StorageError("is-a-folder", "/");
    await this.using(vpath, "parent", async (h) => {
      // unlink(2) of a folder is EISDIR on Linux but EPERM elsewhere: say it plainly.
      if ((await fs(lstat(h.at))).isDirectory()) throw new StorageError("is-a-folder", vpath);
      await fs(unlink(h.at));
    });
  }

  async rename(from: string, to: string): Promise<void> {
    if (from === "/" || to === "/") throw new StorageError("busy", "/");
    // Both entries held through their folders for the rename. rename(2) itself gives the
    // contract's answers: EISDIR, ENOTDIR, ENOTEMPTY, EINVAL (a folder into itself), and
    // nothing at all for the same name.
    await this.using(from, "parent", (f) => this.using(to, "parent", (t) => fs(rename(f.at, t.at))));
  }

  async setTimes(vpath: string, mtimeMs: number): Promise<void> {
    await this.using(vpath, "follow", async (h) => {
      const self = await fs(h.self());
      const st = await fs(stat(self));
//> final storage-hard-links-times
      refuseHardLink(this.options.refuseHardLinks, st);
//<
      await fs(utimes(self, st.atime, new Date(mtimeMs)));
    });
  }

  async chmod(vpath: string, mode: number): Promise<void> {
    await this.using(vpath, "follow", async (h) => {
      const self = await fs(h.self());
//> final storage-hard-links-chmod
      refuseHardLink(this.options.refuseHardLinks, await fs(stat(self)));
//<
      await fs(chmod(self, mode & 0o777));
    });
  }

  /**
   * Not part of Storage: the real path, for the quota layer (storage/quota-layer.ts), whose
   * accounting (quota.ts) counts usage by real folder. Never to act on: for counting only.
   */
  realPathOf(vpath: string, target: StatTarget = "follow"): Promise<string> {
    return this.using(vpath, target === "entry" ? "parent" : "follow", async (h) => h.real);
  }

  // ---- the jail: the one place that knows how a virtual path reaches the disk ------------

  /** `act` on the path held open, closed afterwards. */
  private async using<T>(vpath: string, mode: ResolveMode, act: (h: PathHandle) => Promise<T>): Promise<T> {
    const h = await this.open(vpath, mode);
    try {
      return await act(h);
    } catch (err) {
      throw asStorageError(err);
    } finally {
      await h.close();
    }
  }

  /**
   * The path walked by the jail and held open. "follow": the file `vpath` leads to, links
   * inside the home followed; "parent": the directory entry itself (a link is not followed).
   */
  private async open(vpath: string, mode: ResolveMode): Promise<PathHandle> {
    virtualParts(vpath); // the shape check, before the jail walks it from the home
    try {
      return await this.jail.handle(vpath, mode);
    } catch (err) {
      if (err instanceof FtpError) {
        // The jail's own refusals keep their words ("Path is outside your home folder.").
        const code = /outside|points to nothing/.test(err.message) ? "outside" : "permission";
        throw new StorageError(code, vpath, { reply: err.message });
      }
      throw asStorageError(err);
    }
  }
}

/** A node:fs call whose errno error leaves as a StorageError. */
function fs<T>(call: Promise<T>): Promise<T> {
  return call.catch((err: unknown) => {
    throw asStorageError(err);
  });
}

function nameOf(vpath: string): string {
  return vpath === "/" ? "/" : vpath.slice(vpath.lastIndexOf("/") + 1);
}

function kindOf(st: Stats): FileKind {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "folder";
  if (st.isSymbolicLink()) return "link";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  if (st.isCharacterDevice()) return "char-device";
  return "block-device";
}

function infoOf(name: string, st: Stats): FileInfo {
  return { name, kind: kindOf(st), size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o777, nlink: st.nlink };
}

/** Only regular files are read or written: a FIFO or a device could block the server. */
function requireFile(st: Stats, vpath: string): void {
  if (st.isDirectory()) throw new StorageError("is-a-folder", vpath);
  if (!st.isFile()) throw new StorageError("not-a-file", vpath);
}

class LocalReadHandle implements ReadHandle {
  private closed: Promise<void> | null = null;
  private readonly streams: Readable[] = [];
  private sending: Promise<void> | null = null;

  constructor(
    private readonly handle: FileHandle,
    readonly info: FileInfo,
  ) {}

  stream(start: number, end?: number): Readable {
    const stream = positionedReadable((buffer, position) => fs(this.handle.read(buffer, 0, buffer.length, position)).then((r) => r.bytesRead), start, end);
    this.streams.push(stream);
    return stream;
  }

  sendTo(socket: Socket, start: number): Promise<void> {
    this.sending = sendFile(this.handle, start, socket);
    return this.sending;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      for (const stream of this.streams) stream.destroy();
      // send-file reads by descriptor number: never close it under a read on its way.
      await this.sending?.catch(() => {});
      // (FileHandle.close waits for the stream's reads still on their way.)
      await this.handle.close();
    })();
    return this.closed;
  }
}

interface WriteTarget {
  /** The file's entry, held open through its folder; closed with the write handle. */
  path: PathHandle;
  created: boolean;
  sizeBefore: number;
  /** Atomic only: the hidden file's name, next to the target, written instead. */
  temp?: string;
  /** Created here: its inode, so close() without commit removes this file and no other. */
  ino?: number;
}

class LocalWriteHandle implements WriteHandle {
  readonly created: boolean;
  readonly sizeBefore: number;
  private streamWritten = 0;
  private stream: Writable | null = null;
  private fileReceiver: FileReceiver | null = null;
  private committed = false;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly handle: FileHandle,
    private readonly start: number | null,
    private readonly where: WriteTarget,
  ) {
    this.created = where.created;
    this.sizeBefore = where.sizeBefore;
  }

  get written(): number {
    return this.streamWritten + (this.fileReceiver?.written ?? 0);
  }

  writable(): Writable {
    this.stream = positionedWritable((buffer, position) => writeAll(this.handle, buffer, position), this.start, (n) => (this.streamWritten += n));
    return this.stream;
  }

  receiver(): UploadReceiver {
    this.fileReceiver = new FileReceiver(this.handle, this.start ?? "append");
    return this.fileReceiver;
  }

  async truncate(size: number): Promise<void> {
    await fs(this.handle.truncate(size));
  }

  async commit(): Promise<void> {
    if (this.committed) return;
    const { path, temp } = this.where;
    if (temp) await fs(rename(path.sibling(temp), path.at));
    this.committed = true;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stream?.destroy();
      this.fileReceiver?.release();
      try {
        await this.handle.close();
        if (this.committed) return;
        const { path, temp, ino } = this.where;
        if (temp) {
          await unlink(path.sibling(temp)).catch(() => {});
        } else if (ino !== undefined) {
          // Abandoned before commit (no data connection came): the file we made goes, unless
          // the name meanwhile belongs to another file.
          const now = await lstat(path.at).catch(() => null);
          if (now?.ino === ino) await unlink(path.at).catch(() => {});
        }
      } finally {
        await this.where.path.close();
      }
    })();
    return this.closed;
  }
}

/** Writes all of `buffer` at `position` (null: where O_APPEND puts it). */
async function writeAll(handle: FileHandle, buffer: Buffer, position: number | null): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesWritten } = await fs(handle.write(buffer, done, buffer.length - done, position === null ? null : position + done));
    if (bytesWritten === 0) throw new StorageError("io", "the file took no bytes");
    done += bytesWritten;
  }
}
//<
