//> final storage-atomic
// Atomic uploads (--atomic-uploads, atomic_uploads = yes): every STOR that replaces a file
// (WriteMode "replace") is written somewhere hidden and put in place only by commit(), once
// the upload is complete. A reader of the old file keeps reading the old file, two uploads of
// one name never interleave, and a broken upload never replaces a good file (a broken upload
// of a NEW file is still kept, for REST: commands/transfer.ts commits it).
//
//   const storage = new AtomicStorage(new LocalStorage(jail));
//   const file = await storage.openWrite("/a.iso", { kind: "replace" });   // hidden until commit
//
// How the file is hidden is the backend's business (WriteMode "replace" + atomic): the local
// disk writes ".a.iso.ftp-upload-1f2e3d4c" next to the target through the folder it holds
// open and renames it over the target (same folder, same file system: an atomic rename);
// memory keeps the bytes aside; an object store is atomic anyway (a PUT or a completed
// multipart upload). STOU, APPE and REST + STOR write in place, as before.

import { StorageLayer } from "./layer.ts";
import type { WriteHandle, WriteMode } from "./storage.ts";

export class AtomicStorage extends StorageLayer {
  override openWrite(vpath: string, mode: WriteMode): Promise<WriteHandle> {
    return this.inner.openWrite(vpath, mode.kind === "replace" ? { kind: "replace", atomic: true } : mode);
  }
}
//<
