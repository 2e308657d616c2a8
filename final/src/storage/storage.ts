//> 0 storage
// The storage seam: everything the commands do with files, behind one interface, so that the
// same FTP commands can serve a folder on the local disk, a tree in memory (tests), and later
// an object store (S3) without knowing which.
//
// One Storage per logged-in user, on VIRTUAL paths: "/", "/docs", "/docs/notes.txt", already
// normalized by fs/virtual-path.ts resolveVirtual() (no "." or "..", no empty parts, no NUL,
// no trailing "/"). "/" is the user's root; the storage alone knows what a path maps to (a
// jailed folder, a bucket prefix), so no path reaching it can lead outside "/". A path in any
// other shape is refused with StorageError("name-not-allowed"): a bug in the caller, never a
// way out. Permission letters (elrwadfmMT) stay in the session: they are rules on virtual
// paths, the same whatever stores the files.
//
// How the commands use it (see the table in each method's comment):
//
//   RETR   const file = await storage.openRead(vpath);            // regular files only
//          if (offset > file.size) -> 554 (REST past the end)
//          binary, no throttle, file.sendTo ? file.sendTo(socket, offset)   // the fast path
//                                          : pipeline(file.stream(offset), ...filters, socket)
//          finally file.close()
//   STOR   const file = await storage.openWrite(vpath, { kind: "replace", atomic });
//          (data connection up) file.truncate(0) unless file.created
//          file.receiver?.() (fast path) or pipeline(socket, ...filters, file.writable())
//          success: file.commit(); always: file.close()   (close without commit = abandon)
//
// Fast paths plug in behind optional members, so the command code never knows the backend:
//   - the local disk reads and writes through its descriptor with the shared buffer pool
//     (storage/local/send-file.ts, receive-file.ts, buffer-pool.ts): ReadHandle.sendTo and
//     WriteHandle.receiver;
//   - an object store streams a ranged GET in stream(start, end) and uploads in parts from
//     writable(), completing the multipart upload in commit() (and aborting it in close()
//     without commit): it simply has no sendTo / receiver, and the generic streams are its
//     fast path.

import type { OnReadOpts, Socket } from "node:net";
import type { Readable, Writable } from "node:stream";
import { StorageError } from "./errors.ts";

/**
 * What an entry is. A symbolic link whose target is inside the user's tree is reported as
 * what it points to (LIST shows a link to a folder as a folder, as today); "link" is a link
 * that leads outside the tree or nowhere, shown bare so a listing never reveals the world
 * outside. The last four exist on a local disk only (LIST's type letter: p s c b).
 */
export type FileKind = "file" | "folder" | "link" | "fifo" | "socket" | "char-device" | "block-device";

/**
 * One entry, whatever stores it: replaces fs.Stats in the listing and in SIZE, MDTM, MLST.
 * Only what the formats print (listing/format.ts): LIST prints "ftp ftp" as owner and group,
 * so there is no uid/gid (an optional owner/group can be added later without breaking anyone).
 */
export interface FileInfo {
  /** The last path component as text (the root's is "/"). */
  name: string;
  /**
   * The name's bytes where the backend has bytes (a local disk: names that are not valid
   * UTF-8 decode to U+FFFD in `name` but keep their bytes here).
   */
  rawName?: Buffer;
  kind: FileKind;
  /** Bytes (a folder's is whatever the backend says: 4096 on ext4, 0 in memory). */
  size: number;
  mtimeMs: number;
  /** Permission bits only (0o777), for LIST's "rwxr-xr-x" and MLSD's unix.mode. */
  mode: number;
  nlink: number;
}

/** A file open for reading: RETR, HASH. Holds the file it opened, whatever happens to its name. */
export interface ReadHandle {
  /** The file as it was when opened (RETR checks a REST offset against `size`). */
  readonly info: FileInfo;
  /**
   * The bytes from `start` up to `end` (exclusive; default: the end of the file at the time
   * each chunk is read, as a download on a POSIX disk sees a growing file). A start at or
   * past the end gives an empty stream. HASH ranges are stream(start, end).
   */
  stream(start: number, end?: number): Readable;
  /**
   * The backend's fast path for a plain binary download, when it has one: sends the bytes
   * from `start` to the end and ends the socket (the local disk: storage/local/send-file.ts, reads
   * from the descriptor into pooled buffers). Absent: the caller pipes stream(start).
   */
  sendTo?(socket: Socket, start: number): Promise<void>;
  /**
   * Closes the file: always call it, once everything that reads (stream, sendTo) has settled.
   * Idempotent. A stream still open is destroyed first.
   */
  close(): Promise<void>;
}

/**
 * How to open a file for writing:
 *   replace      STOR: creates the file, or opens the existing one WITHOUT emptying it (the
 *                caller calls truncate(0) once the data connection is there, so a failed
 *                PASV never destroys a good file); writes start at 0. `atomic`: writes go
 *                somewhere hidden and the file is replaced only by commit() (readers of the
 *                old file keep reading it; --atomic-uploads, and every object store).
 *   create-new   STOU: the file must not exist (StorageError "exists"); writes start at 0.
 *   at           REST + STOR: the file must exist ("not-found"); writes start at `offset`,
 *                which may be past the end (the gap reads as zeros, as pwrite(2)); the
 *                caller refuses an offset past `sizeBefore` if it wants to (554).
 *   append       APPE: creates the file if needed; every write lands at the end of the file
 *                as it is at that moment (O_APPEND: two appenders never overwrite each other).
 * Never through a link that leads outside the tree; only regular files ("is-a-folder",
 * "not-a-file" otherwise).
 */
export type WriteMode =
  | { kind: "replace"; atomic?: boolean }
  | { kind: "create-new" }
  | { kind: "at"; offset: number }
  | { kind: "append" };

/** The fast upload path's shape: storage/local/receive-file.ts FileReceiver. */
export interface UploadReceiver {
  /** Given to the data socket (runTransfer's `onread`): it reads into the receiver's buffers. */
  readonly onread: OnReadOpts;
  /** True once a socket reads into the receiver's buffers (TLS, for one, does not). */
  readonly attached: boolean;
  /** Bytes written so far, one after another from the start position. */
  readonly written: number;
  /** Writes until the client closes the connection; rejects on a write or connection error. */
  finished(socket: Socket): Promise<void>;
  /** Gives the buffers back (idempotent). */
  release(): void;
}

/** A file open for writing: STOR, APPE, STOU, REST + STOR. */
export interface WriteHandle {
  /** True when this open made the file (STOR of a new name; quota: nothing was replaced). */
  readonly created: boolean;
  /** The file's size before this open (0 when created): quota accounting, REST's check. */
  readonly sizeBefore: number;
  /** Bytes written through writable() and receiver() so far. */
  readonly written: number;
  /**
   * A stream writing from the mode's start position on (0, `offset`, or the end for append).
   * Ending it does not close the file: the caller still truncates, commits and closes.
   * Call writable() or receiver() once per handle, not both.
   */
  writable(): Writable;
  /**
   * The backend's fast path for a plain binary upload, when it has one (the local disk:
   * the data socket reads straight into pooled buffers that go to the descriptor).
   */
  receiver?(): UploadReceiver;
  /** Sets the length (STOR empties an existing file; REST cuts what lies past the new data). */
  truncate(size: number): Promise<void>;
  /**
   * Makes what was written the file's content for good: atomic replace puts it in place (an
   * object store completes its multipart upload). A no-op where writes already landed.
   */
  commit(): Promise<void>;
  /**
   * Closes the file; always call it, once writing has settled. Idempotent. Without commit()
   * first the upload is abandoned: an atomic write leaves the old file (or no file) as it
   * was, and a file this handle created is removed; bytes written into an existing file
   * in place stay (a disk cannot take them back; REST resumes from them).
   */
  close(): Promise<void>;
}

/** Which entry `stat` describes. */
export type StatTarget =
  /** The file a path leads to: links inside the tree are followed (RETR, SIZE, CWD, LIST). */
  | "follow"
  /** The directory entry itself: a link is "link" (DELE, RNFR, RNTO: never act on a target). */
  | "entry";

/**
 * The file operations of one user. Errors are StorageErrors (storage/errors.ts), which
 * storage/errors.ts turns into FTP replies in one place.
 */
export interface Storage {
  /** SIZE, MDTM, CWD, MLST, LIST of one file, RNFR. "not-found" when there is nothing there. */
  stat(vpath: string, target?: StatTarget): Promise<FileInfo>;
  /**
   * A folder's entries (LIST, NLST, MLSD, STAT), in batches, produced as the caller asks for
   * them: a folder of 100,000 entries is never held whole. Entries that vanish meanwhile are
   * skipped; order is the backend's. "not-a-folder" for a file (LIST of one file is stat).
   * Breaking out of the loop releases the folder.
   */
  list(vpath: string): AsyncIterable<FileInfo[]>;
  /** RETR, HASH: a regular file ("is-a-folder", "not-a-file" otherwise). */
  openRead(vpath: string): Promise<ReadHandle>;
  /** STOR, APPE, STOU, REST + STOR: see WriteMode. */
  openWrite(vpath: string, mode: WriteMode): Promise<WriteHandle>;
  /** MKD: one folder; its parent must exist ("not-found"), the name must be free ("exists"). */
  mkdir(vpath: string): Promise<void>;
  /** RMD: an empty folder ("not-empty", "not-a-folder"). */
  rmdir(vpath: string): Promise<void>;
  /** DELE: a file or link, never a folder ("is-a-folder"); a link goes, its target stays. */
  remove(vpath: string): Promise<void>;
  /**
   * RNFR/RNTO, atomic uploads: rename(2)'s rules. A file replaces an existing file; a folder
   * replaces an empty folder ("not-empty" otherwise); a file never replaces a folder
   * ("is-a-folder") nor a folder a file ("not-a-folder"); a folder never moves into itself
   * ("name-not-allowed"); the same name is a no-op.
   */
  rename(from: string, to: string): Promise<void>;
  /** MFMT: the modification time (the access time is kept where there is one). */
  setTimes(vpath: string, mtimeMs: number): Promise<void>;
  /** SITE CHMOD: permission bits (masked to 0o777; "unsupported" where there are none). */
  chmod(vpath: string, mode: number): Promise<void>;
  /**
   * HASH, when the backend knows a checksum without reading the file (an object store's
   * stored SHA-256); null or absent: the caller hashes openRead().stream(start, end).
   */
  checksum?(vpath: string, algorithm: string, start: number, end: number): Promise<Buffer | null>;
}

/**
 * "/a/b" -> ["a", "b"], "/" -> []. Refuses anything resolveVirtual() would not produce.
 * (Shared by the backends: the one place that says what a virtual path looks like.)
 */
export function virtualParts(vpath: string): string[] {
  if (vpath === "/") return [];
  const parts = vpath.split("/");
  const ok = parts[0] === "" && parts.length > 1 && parts.slice(1).every((p) => p !== "" && p !== "." && p !== ".." && !p.includes("\0"));
  if (!ok) throw new StorageError("name-not-allowed", `not a virtual path: ${JSON.stringify(vpath.slice(0, 100))}`);
  return parts.slice(1);
}
//<
