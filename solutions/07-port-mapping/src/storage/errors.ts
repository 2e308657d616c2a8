// What can go wrong with a file, whatever stores it, and the one place where that becomes an
// FTP reply. Codes from RFC 959: 550 file unavailable, 552 storage allocation exceeded,
// 452 insufficient storage, 553 file name not allowed, 451 local error in processing,
// 504 not implemented for that parameter.
//
//   throw new StorageError("not-empty")                    -> 550 Folder is not empty.
//   throw asStorageError(err)    (a Node errno error)      -> the same codes: ENOTEMPTY is "not-empty"
//   session: s.reply(...toFtpError(err))                    -> FtpErrors pass through unchanged
//
// The reply texts are those the server gave before the seam (the old fs/errors.ts), word for
// word, so a command moved onto a Storage answers exactly as before (EPERM keeps "Operation not permitted." although its code is
// "permission", like EACCES). A backend may give a reply text of its own (the jail's "Path is
// outside your home folder."); `detail` is for the log only and never reaches the client.

import { FtpError } from "../protocol/reply.ts";

export type StorageErrorCode =
  | "not-found"
  | "exists"
  | "not-a-folder"
  | "is-a-folder"
  | "not-a-file"
  | "not-empty"
  | "permission"
  | "outside"
  | "no-space"
  | "quota"
  | "name-not-allowed"
  | "name-too-long"
  | "link-loop"
  | "cross-device"
  | "read-only"
  | "busy"
  | "too-many-open"
  | "unsupported"
  | "io";

/** Each code's reply. */
const REPLIES: Record<StorageErrorCode, readonly [number, string]> = {
  "not-found": [550, "No such file or folder."],
  exists: [550, "File exists."],
  "not-a-folder": [550, "Not a folder."],
  "is-a-folder": [550, "Is a folder."],
  "not-a-file": [550, "Not a regular file."],
  "not-empty": [550, "Folder is not empty."],
  permission: [550, "Permission denied."],
  outside: [550, "Path is outside your home folder."],
  "no-space": [452, "Insufficient storage space (disk full)."],
  quota: [552, "Disk quota exceeded."],
  "name-not-allowed": [553, "File name not allowed."],
  "name-too-long": [553, "File name too long."],
  "link-loop": [550, "Too many levels of symbolic links."],
  "cross-device": [550, "Cannot move across file systems."],
  "read-only": [550, "Read-only file system."],
  busy: [550, "File is busy."],
  "too-many-open": [451, "Too many open files on the server, try again."],
  unsupported: [504, "Not supported by this server's storage."],
  io: [451, "Local error in processing."],
};

/** Node's errno codes, as the old fs/errors.ts knew them: the storage code, and a reply text where it differs. */
const ERRNO: Record<string, readonly [StorageErrorCode, string?]> = {
  ENOENT: ["not-found"],
  ENOTDIR: ["not-a-folder"],
  EISDIR: ["is-a-folder"],
  EACCES: ["permission"],
  EPERM: ["permission", "Operation not permitted."],
  EEXIST: ["exists"],
  ENOTEMPTY: ["not-empty"],
  ENAMETOOLONG: ["name-too-long"],
  ELOOP: ["link-loop"],
  EINVAL: ["name-not-allowed"],
  EXDEV: ["cross-device"],
  ENOSPC: ["no-space"],
  EDQUOT: ["quota"],
  EBUSY: ["busy"],
  EROFS: ["read-only"],
  EMFILE: ["too-many-open"],
  ENFILE: ["too-many-open"],
};

export class StorageError extends Error {
  /** The text the client gets: the code's own unless a backend gave one. */
  readonly reply: string;
  /** The Node errno code this came from (local disk), if any. */
  readonly errno: string | undefined;

  constructor(
    readonly code: StorageErrorCode,
    /** For the log (a path, the errno); never sent to the client. */
    readonly detail?: string,
    options?: { reply?: string; errno?: string; cause?: unknown },
  ) {
    const reply = options?.reply ?? REPLIES[code][1];
    super(detail ? `${reply} (${detail})` : reply, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reply = reply;
    this.errno = options?.errno;
  }
}

/**
 * Any error from a backend's own calls as a StorageError: errno errors by their code, anything
 * else (a bug, an SDK's error) as "io", kept as the cause for the log.
 */
export function asStorageError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const errno = (err as NodeJS.ErrnoException)?.code;
  const known = errno ? ERRNO[errno] : undefined;
  if (known) return new StorageError(known[0], (err as Error).message, { reply: known[1], errno, cause: err });
  return new StorageError("io", err instanceof Error ? err.message : String(err), { errno, cause: err });
}

/**
 * Turns any error thrown while serving a command into the reply to send: an FtpError as it
 * is, a StorageError by its code, a Node errno error with the reply it always had.
 */
export function toFtpError(err: unknown): FtpError {
  if (err instanceof FtpError) return err;
  if (err instanceof StorageError) return new FtpError(REPLIES[err.code][0], err.reply);
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code && ERRNO[code]) return toFtpError(asStorageError(err));
  if (code === "ERR_INVALID_ARG_VALUE" || code === "ERR_INVALID_ARG_TYPE") {
    return new FtpError(501, "Invalid path name.");
  }
  return new FtpError(451, "Local error in processing.");
}

/** Errors that are the server's problem, not the client's: worth a log line. */
export function isUnexpected(err: unknown): boolean {
  if (err instanceof FtpError) return false;
  if (err instanceof StorageError) return err.code === "io";
  const code = (err as NodeJS.ErrnoException)?.code;
  return !code || !(code in ERRNO);
}
