//> final storage-memory
// A Storage that keeps its tree in memory: folders are maps, files are growable buffers.
// A real implementation of the contract (test/final/storage-contract.ts runs the same cases
// on it as on the local disk), not a mock: command and conformance tests that do not look at
// the disk can run on it, fast, with nothing to clean up, and with a disk that fills up on
// demand (`capacity`: writes past it fail with "no-space", as ENOSPC does).
//
//   const storage = new MemoryStorage({ capacity: 1024 * 1024 });
//   await storage.mkdir("/docs");
//   const file = await storage.openWrite("/docs/a.txt", { kind: "create-new" });
//   await pipeline(Readable.from([Buffer.from("hello")]), file.writable());
//   await file.commit(); await file.close();
//
// Files behave like inodes on a POSIX disk: an open handle keeps the file it opened when the
// name is removed or replaced, two writers of one file write at their own positions (the
// later write wins where they overlap), and appends land at the end as it is at that moment.
// Not modelled: symbolic links, owners, and permission bits (stored and shown, never enforced:
// as if every user were the owner; the session's permission letters still apply).

import type { Readable, Writable } from "node:stream";
import { StorageError } from "./errors.ts";
import type { FileInfo, ReadHandle, StatTarget, Storage, WriteHandle, WriteMode } from "./storage.ts";
import { virtualParts } from "./storage.ts";
import { positionedReadable, positionedWritable } from "./streams.ts";

interface MemoryFile {
  kind: "file";
  /** Capacity >= size; the bytes past `size` are always zero (so a gap reads as zeros). */
  data: Buffer;
  size: number;
  mtimeMs: number;
  mode: number;
  /** Its bytes count against `capacity`: in the tree, or written aside; false once dropped. */
  counted: boolean;
}

interface MemoryFolder {
  kind: "folder";
  entries: Map<string, MemoryNode>;
  mtimeMs: number;
  mode: number;
}

type MemoryNode = MemoryFile | MemoryFolder;

/** Entries per batch of list(): as the local disk's walk does. */
const LIST_BATCH = 64;

export interface MemoryStorageOptions {
  /** Bytes all files together may hold (default: no limit). */
  capacity?: number;
  /** The clock for modification times (tests may fix it). */
  now?: () => number;
}

export class MemoryStorage implements Storage {
  private readonly root: MemoryFolder;
  private readonly capacity: number;
  private readonly now: () => number;
  /** Bytes held by the files in the tree (and by files written but not yet committed). */
  private used = 0;

  constructor(options: MemoryStorageOptions = {}) {
    this.capacity = options.capacity ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
    this.root = { kind: "folder", entries: new Map(), mtimeMs: this.now(), mode: 0o755 };
  }

  /** Bytes all files hold now (tests check that a failed upload gave its room back). */
  get usedBytes(): number {
    return this.used;
  }

  async stat(vpath: string, _target: StatTarget = "follow"): Promise<FileInfo> {
    // No links in memory: the entry and what it leads to are the same.
    const parts = virtualParts(vpath);
    return info(parts[parts.length - 1] ?? "/", this.lookup(parts));
  }

  async *list(vpath: string): AsyncGenerator<FileInfo[]> {
    const folder = this.lookup(virtualParts(vpath));
    if (folder.kind !== "folder") throw new StorageError("not-a-folder", vpath);
    // The names as they are now; an entry removed before its batch is skipped, one added
    // later is not listed (readdir(3) leaves both open; this is one of the allowed answers).
    const names = [...folder.entries.keys()];
    for (let i = 0; i < names.length; i += LIST_BATCH) {
      const batch: FileInfo[] = [];
      for (const name of names.slice(i, i + LIST_BATCH)) {
        const node = folder.entries.get(name);
        if (node) batch.push(info(name, node));
      }
      if (batch.length > 0) yield batch;
    }
  }

  async openRead(vpath: string): Promise<ReadHandle> {
    const parts = virtualParts(vpath);
    const node = this.lookup(parts);
    if (node.kind === "folder") throw new StorageError("is-a-folder", vpath);
    return new MemoryReadHandle(node, info(parts[parts.length - 1]!, node));
  }

  async openWrite(vpath: string, mode: WriteMode): Promise<WriteHandle> {
    const { folder, name } = this.entry(vpath, "is-a-folder");
    const existing = folder.entries.get(name);
    // O_CREAT | O_EXCL: any existing name, a folder's too, is "exists".
    if (mode.kind === "create-new" && existing) throw new StorageError("exists", vpath);
    if (existing?.kind === "folder") throw new StorageError("is-a-folder", vpath);
    let file = existing;
    let created = false;
    if (mode.kind === "at") {
      if (!existing) throw new StorageError("not-found", vpath);
      if (!Number.isSafeInteger(mode.offset) || mode.offset < 0) throw new StorageError("io", `bad offset ${mode.offset}`);
    }
    const atomic = mode.kind === "replace" && mode.atomic === true;
    if (atomic) {
      // Written aside (taking room, as a temporary file does); commit() puts it in place of
      // whatever has the name then.
      file = this.newFile();
    } else if (!file) {
      file = this.newFile();
      this.link(folder, name, file);
      created = true;
    }
    const start = mode.kind === "at" ? mode.offset : mode.kind === "append" ? null : 0;
    return new MemoryWriteHandle(this, vpath, file, start, atomic, atomic ? !existing : created, existing?.size ?? 0);
  }

  async mkdir(vpath: string): Promise<void> {
    const { folder, name } = this.entry(vpath, "exists");
    if (folder.entries.has(name)) throw new StorageError("exists", vpath);
    this.link(folder, name, { kind: "folder", entries: new Map(), mtimeMs: this.now(), mode: 0o755 });
  }

  async rmdir(vpath: string): Promise<void> {
    const { folder, name } = this.entry(vpath, "busy");
    const node = folder.entries.get(name);
    if (!node) throw new StorageError("not-found", vpath);
    if (node.kind !== "folder") throw new StorageError("not-a-folder", vpath);
    if (node.entries.size > 0) throw new StorageError("not-empty", vpath);
    this.unlink(folder, name);
  }

  async remove(vpath: string): Promise<void> {
    const { folder, name } = this.entry(vpath, "is-a-folder");
    const node = folder.entries.get(name);
    if (!node) throw new StorageError("not-found", vpath);
    if (node.kind === "folder") throw new StorageError("is-a-folder", vpath);
    this.unlink(folder, name);
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.entry(from, "busy");
    const node = source.folder.entries.get(source.name);
    if (!node) throw new StorageError("not-found", from);
    const target = this.entry(to, "busy");
    if (from === to) return;
    const fromParts = virtualParts(from);
    const toParts = virtualParts(to);
    if (node.kind === "folder" && toParts.length > fromParts.length && fromParts.every((p, i) => p === toParts[i])) {
      throw new StorageError("name-not-allowed", `${from} into itself`);
    }
    const replaced = target.folder.entries.get(target.name);
    if (replaced) {
      if (node.kind === "file" && replaced.kind === "folder") throw new StorageError("is-a-folder", to);
      if (node.kind === "folder" && replaced.kind === "file") throw new StorageError("not-a-folder", to);
      if (replaced.kind === "folder" && replaced.entries.size > 0) throw new StorageError("not-empty", to);
      this.unlink(target.folder, target.name);
    }
    source.folder.entries.delete(source.name);
    source.folder.mtimeMs = this.now();
    target.folder.entries.set(target.name, node);
    target.folder.mtimeMs = this.now();
  }

  async setTimes(vpath: string, mtimeMs: number): Promise<void> {
    this.lookup(virtualParts(vpath)).mtimeMs = mtimeMs;
  }

  async chmod(vpath: string, mode: number): Promise<void> {
    this.lookup(virtualParts(vpath)).mode = mode & 0o777;
  }

  // ---- the tree ------------------------------------------------------------------------

  private lookup(parts: string[]): MemoryNode {
    let node: MemoryNode = this.root;
    for (const [i, part] of parts.entries()) {
      if (node.kind !== "folder") throw new StorageError("not-a-folder", `/${parts.slice(0, i).join("/")}`);
      const next: MemoryNode | undefined = node.entries.get(part);
      if (!next) throw new StorageError("not-found", `/${parts.slice(0, i + 1).join("/")}`);
      node = next;
    }
    return node;
  }

  /** The folder holding `vpath` and its name there; the root itself is refused with `onRoot`. */
  private entry(vpath: string, onRoot: "is-a-folder" | "exists" | "busy"): { folder: MemoryFolder; name: string } {
    const parts = virtualParts(vpath);
    const name = parts.pop();
    if (name === undefined) throw new StorageError(onRoot, "/");
    const folder = this.lookup(parts);
    if (folder.kind !== "folder") throw new StorageError("not-a-folder", vpath);
    return { folder, name };
  }

  private newFile(): MemoryFile {
    return { kind: "file", data: Buffer.alloc(0), size: 0, mtimeMs: this.now(), mode: 0o644, counted: true };
  }

  /** Puts `node` in `folder` as `name` (replacing what is there). */
  link(folder: MemoryFolder, name: string, node: MemoryNode): void {
    if (folder.entries.has(name)) this.unlink(folder, name);
    folder.entries.set(name, node);
    folder.mtimeMs = this.now();
  }

  /** Takes `name` out of `folder`; a file's bytes stop counting (an open handle keeps them). */
  unlink(folder: MemoryFolder, name: string): void {
    const node = folder.entries.get(name);
    if (!node) return;
    folder.entries.delete(name);
    folder.mtimeMs = this.now();
    // (A folder is only unlinked when empty: it holds no bytes.)
    if (node.kind === "file") this.release(node);
  }

  /** A file is dropped: its bytes no longer count against the capacity (a handle may keep them). */
  release(file: MemoryFile): void {
    if (file.counted) this.used -= file.size;
    file.counted = false;
  }

  /** The folder and name of `vpath` for a handle that must find its file again. */
  place(vpath: string): { folder: MemoryFolder; name: string } {
    return this.entry(vpath, "is-a-folder");
  }

  /** Writes `buffer` at `position` (null: at the end). Counts the growth; refuses past capacity. */
  write(file: MemoryFile, buffer: Buffer, position: number | null): void {
    const at = position ?? file.size;
    const end = at + buffer.length;
    const growth = file.counted ? Math.max(0, end - file.size) : 0;
    if (this.used + growth > this.capacity) throw new StorageError("no-space", `${growth} more bytes`);
    if (end > file.data.length) {
      const grown = Buffer.alloc(Math.max(end, file.data.length * 2, 4096));
      file.data.copy(grown, 0, 0, file.size);
      file.data = grown;
    }
    buffer.copy(file.data, at);
    file.size = Math.max(file.size, end);
    file.mtimeMs = this.now();
    this.used += growth;
  }

  truncate(file: MemoryFile, size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new StorageError("io", `bad size ${size}`);
    if (size > file.size) {
      if (file.counted && this.used + size - file.size > this.capacity) throw new StorageError("no-space", `${size - file.size} more bytes`);
      if (size > file.data.length) {
        const grown = Buffer.alloc(size);
        file.data.copy(grown, 0, 0, file.size);
        file.data = grown;
      }
    } else {
      file.data.fill(0, size, file.size); // keeps "past size is zero"
    }
    if (file.counted) this.used += size - file.size;
    file.size = size;
    file.mtimeMs = this.now();
  }
}

function info(name: string, node: MemoryNode): FileInfo {
  return node.kind === "file"
    ? { name, kind: "file", size: node.size, mtimeMs: node.mtimeMs, mode: node.mode, nlink: 1 }
    : { name, kind: "folder", size: 0, mtimeMs: node.mtimeMs, mode: node.mode, nlink: 2 };
}

function closedError(): StorageError {
  return new StorageError("io", "the file is closed");
}

class MemoryReadHandle implements ReadHandle {
  private closed = false;
  private readonly streams: Readable[] = [];

  constructor(
    private readonly file: MemoryFile,
    readonly info: FileInfo,
  ) {}

  stream(start: number, end?: number): Readable {
    const stream = positionedReadable(async (buffer, position) => {
      if (this.closed) throw closedError();
      if (position >= this.file.size) return 0;
      return this.file.data.copy(buffer, 0, position, Math.min(this.file.size, position + buffer.length));
    }, start, end);
    this.streams.push(stream);
    return stream;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stream of this.streams) stream.destroy();
  }
}

class MemoryWriteHandle implements WriteHandle {
  written = 0;
  private closed = false;
  private committed = false;
  private stream: Writable | null = null;

  constructor(
    private readonly storage: MemoryStorage,
    private readonly vpath: string,
    private readonly file: MemoryFile,
    private readonly start: number | null,
    private readonly atomic: boolean,
    readonly created: boolean,
    readonly sizeBefore: number,
  ) {}

  writable(): Writable {
    this.stream = positionedWritable(
      async (buffer, position) => {
        if (this.closed) throw closedError();
        this.storage.write(this.file, buffer, position);
      },
      this.start,
      (n) => (this.written += n),
    );
    return this.stream;
  }

  async truncate(size: number): Promise<void> {
    if (this.closed) throw closedError();
    this.storage.truncate(this.file, size);
  }

  async commit(): Promise<void> {
    if (this.closed) throw closedError();
    if (this.atomic && !this.committed) {
      const { folder, name } = this.storage.place(this.vpath);
      if (folder.entries.get(name)?.kind === "folder") throw new StorageError("is-a-folder", this.vpath);
      this.storage.link(folder, name, this.file);
    }
    this.committed = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.destroy();
    if (this.committed) return;
    if (this.atomic) {
      // Never put in place: its bytes go.
      this.storage.release(this.file);
    } else if (this.created) {
      // Abandoned before commit: the file this handle made goes (if it is still that file).
      const place = (() => {
        try {
          return this.storage.place(this.vpath);
        } catch {
          return null;
        }
      })();
      if (place && place.folder.entries.get(place.name) === this.file) this.storage.unlink(place.folder, place.name);
    }
  }
}
//<
