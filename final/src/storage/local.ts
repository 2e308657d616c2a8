//> final storage-local
// The Storage of a folder on the local disk: a user's home, kept inside it by the Jail
// (fs/jail.ts), with the virtual folders mounted in that jail. The fast transfer paths are
// this backend's sendTo (transfer/send-file.ts) and receiver (transfer/receive-file.ts): the
// descriptor, the shared buffer pool, no stream in between.
//
//   const storage = new LocalStorage(jail);       // at login, one per session
//   const info = await storage.stat("/docs/notes.txt");
//
// Every path reaches the disk through one private method, resolve() (follow and entryOf call
// it); list() also hands the jail to listing/entries.ts (which shows a link by whether its
// target is inside) and asks it for the virtual folders. The handle-based jail that replaces
// fs/jail.ts changes those few lines and nothing else.
// Node's errno errors leave this file as StorageErrors (storage/errors.ts), except from the
// fast paths, whose errors toFtpError maps the same way.

import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, rename, rmdir, stat, unlink, utimes, chmod, type FileHandle } from "node:fs/promises";
import type { Socket } from "node:net";
import { basename, dirname, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { Jail, type ResolveMode } from "../fs/jail.ts";
import { folderEntries } from "../listing/entries.ts";
import { utf8 } from "../protocol/codec.ts";
import { FtpError } from "../protocol/reply.ts";
import { FileReceiver } from "../transfer/receive-file.ts";
import { sendFile } from "../transfer/send-file.ts";
import { asStorageError, StorageError } from "./errors.ts";
import type { FileInfo, FileKind, ReadHandle, StatTarget, Storage, UploadReceiver, WriteHandle, WriteMode } from "./storage.ts";
import { virtualParts } from "./storage.ts";
import { positionedReadable, positionedWritable } from "./streams.ts";

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_APPEND } = constants;

/** New files: rw-r--r--, as STOR made them before. */
const FILE_MODE = 0o644;

export class LocalStorage implements Storage {
  constructor(private readonly jail: Jail) {}

  /** A storage on `home` without virtual folders (tests; login wraps the jail it mounted). */
  static async open(home: string): Promise<LocalStorage> {
    return new LocalStorage(await Jail.open(home));
  }

  async stat(vpath: string, target: StatTarget = "follow"): Promise<FileInfo> {
    const name = nameOf(vpath);
    if (target === "entry") return infoOf(name, await fs(lstat(await this.entryOf(vpath))));
    return infoOf(name, await fs(stat(await this.follow(vpath))));
  }

  async *list(vpath: string): AsyncGenerator<FileInfo[]> {
    const real = await this.follow(vpath);
    try {
      // Links inside the home are shown as their targets, others bare (listing/entries.ts).
      for await (const batch of folderEntries(real, this.jail)) {
        yield batch.map(({ name, stats }) => ({ ...infoOf(utf8.decode(name), stats), rawName: name }));
      }
    } catch (err) {
      throw asStorageError(err);
    }
    // Virtual folders show up in their parent folder like real ones.
    const mounts: FileInfo[] = [];
    for (const mount of this.jail.mountsIn(vpath)) {
      const st = await stat(mount.real).catch(() => null);
      if (st) mounts.push(infoOf(mount.name, st));
    }
    if (mounts.length > 0) yield mounts;
  }

  async openRead(vpath: string): Promise<ReadHandle> {
    const real = await this.follow(vpath);
    // Checked before open(): opening a FIFO or a device could block or have effects.
    requireFile(await fs(stat(real)), vpath);
    const handle = await fs(open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW));
    try {
      const st = await fs(handle.stat());
      requireFile(st, vpath); // what we opened, in case the name changed meanwhile
      return new LocalReadHandle(handle, infoOf(nameOf(vpath), st));
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async openWrite(vpath: string, mode: WriteMode): Promise<WriteHandle> {
    if (vpath === "/") throw new StorageError("is-a-folder", "/");
    const real = await this.follow(vpath);
    const append = mode.kind === "append" ? O_APPEND : 0;
    const start = mode.kind === "at" ? mode.offset : mode.kind === "append" ? null : 0;
    if (mode.kind === "at" && (!Number.isSafeInteger(mode.offset) || mode.offset < 0)) throw new StorageError("io", `bad offset ${mode.offset}`);

    if (mode.kind === "replace" && mode.atomic) {
      // Written to a hidden file next to the target, renamed over it by commit(): same folder,
      // same file system, so the rename is atomic.
      const before = await lstat(real).catch(() => null);
      if (before) requireFile(before, vpath);
      const temp = join(dirname(real), `.${basename(real)}.ftp-upload-${randomBytes(4).toString("hex")}`);
      const handle = await fs(open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, FILE_MODE));
      return new LocalWriteHandle(handle, start, { created: before === null, sizeBefore: before?.size ?? 0, temp, target: real });
    }

    // A new file, made exclusively: nobody else's file is ever truncated or replaced by it.
    if (mode.kind !== "at") {
      try {
        const handle = await open(real, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | append, FILE_MODE);
        const { ino } = await handle.stat();
        return new LocalWriteHandle(handle, start, { created: true, sizeBefore: 0, target: real, ino });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || mode.kind === "create-new") throw asStorageError(err);
      }
    }
    requireFile(await fs(stat(real)), vpath);
    const handle = await fs(open(real, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | append));
    try {
      const st = await fs(handle.stat());
      requireFile(st, vpath);
      return new LocalWriteHandle(handle, start, { created: false, sizeBefore: st.size, target: real });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async mkdir(vpath: string): Promise<void> {
    if (vpath === "/") throw new StorageError("exists", "/");
    await fs(mkdir(await this.entryOf(vpath)));
  }

  async rmdir(vpath: string): Promise<void> {
    if (vpath === "/") throw new StorageError("busy", "/");
    await fs(rmdir(await this.entryOf(vpath)));
  }

  async remove(vpath: string): Promise<void> {
    if (vpath === "/") throw new StorageError("is-a-folder", "/");
    const real = await this.entryOf(vpath);
    // unlink(2) of a folder is EISDIR on Linux but EPERM elsewhere: say it plainly.
    if ((await fs(lstat(real))).isDirectory()) throw new StorageError("is-a-folder", vpath);
    await fs(unlink(real));
  }

  async rename(from: string, to: string): Promise<void> {
    if (from === "/" || to === "/") throw new StorageError("busy", "/");
    // rename(2) itself gives the contract's answers: EISDIR, ENOTDIR, ENOTEMPTY, EINVAL (a
    // folder into itself), and nothing at all for the same name.
    await fs(rename(await this.entryOf(from), await this.entryOf(to)));
  }

  async setTimes(vpath: string, mtimeMs: number): Promise<void> {
    const real = await this.follow(vpath);
    const st = await fs(stat(real));
    await fs(utimes(real, st.atime, new Date(mtimeMs)));
  }

  async chmod(vpath: string, mode: number): Promise<void> {
    await fs(chmod(await this.follow(vpath), mode & 0o777));
  }

  /**
   * Transitional, not part of Storage: the real path, for the code that still keys on real
   * paths (quota.ts counts usage by real folder). Goes once quotas count virtual paths.
   */
  realPathOf(vpath: string, target: StatTarget = "follow"): Promise<string> {
    return target === "entry" ? this.entryOf(vpath) : this.follow(vpath);
  }

  // ---- the jail: the one place that knows how a virtual path reaches the disk ------------

  /** The real path of the file `vpath` leads to, links inside the home followed. */
  private follow(vpath: string): Promise<string> {
    return this.resolve(vpath, "follow");
  }

  /** The real path of the directory entry `vpath` itself (a link is not followed). */
  private entryOf(vpath: string): Promise<string> {
    return this.resolve(vpath, "parent");
  }

  private async resolve(vpath: string, mode: ResolveMode): Promise<string> {
    virtualParts(vpath); // the shape check, before the jail joins it to the home
    try {
      return await this.jail.resolve(vpath, mode);
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
  created: boolean;
  sizeBefore: number;
  /** The file's real path (atomic: where commit() puts the hidden file). */
  target: string;
  /** Atomic only: the hidden file written instead. */
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
    if (this.where.temp) await fs(rename(this.where.temp, this.where.target));
    this.committed = true;
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.stream?.destroy();
      this.fileReceiver?.release();
      await this.handle.close();
      if (this.committed) return;
      if (this.where.temp) {
        await unlink(this.where.temp).catch(() => {});
      } else if (this.where.ino !== undefined) {
        // Abandoned before commit (no data connection came): the file we made goes, unless
        // the name meanwhile belongs to another file.
        const now = await lstat(this.where.target).catch(() => null);
        if (now?.ino === this.where.ino) await unlink(this.where.target).catch(() => {});
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
