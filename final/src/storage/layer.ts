//> final storage-layer
// A Storage around another one: every call goes to `inner` unless a layer changes it. The
// final server's features that work the same on any backend are such layers, stacked where
// the session's storage is made (storage/user-storage.ts): atomic uploads (atomic.ts) and
// quotas (quota-layer.ts) around the local disk (local.ts) or anything else.

import type { FileInfo, ReadHandle, StatTarget, Storage, WriteHandle, WriteMode } from "./storage.ts";

export class StorageLayer implements Storage {
  readonly checksum?: Storage["checksum"];

  constructor(protected readonly inner: Storage) {
    if (inner.checksum) this.checksum = (vpath, algorithm, start, end) => inner.checksum!(vpath, algorithm, start, end);
  }

  stat(vpath: string, target?: StatTarget): Promise<FileInfo> {
    return this.inner.stat(vpath, target);
  }
  list(vpath: string): AsyncIterable<FileInfo[]> {
    return this.inner.list(vpath);
  }
  openRead(vpath: string): Promise<ReadHandle> {
    return this.inner.openRead(vpath);
  }
  openWrite(vpath: string, mode: WriteMode): Promise<WriteHandle> {
    return this.inner.openWrite(vpath, mode);
  }
  mkdir(vpath: string): Promise<void> {
    return this.inner.mkdir(vpath);
  }
  rmdir(vpath: string): Promise<void> {
    return this.inner.rmdir(vpath);
  }
  remove(vpath: string): Promise<void> {
    return this.inner.remove(vpath);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  setTimes(vpath: string, mtimeMs: number): Promise<void> {
    return this.inner.setTimes(vpath, mtimeMs);
  }
  chmod(vpath: string, mode: number): Promise<void> {
    return this.inner.chmod(vpath, mode);
  }
}
//<
