// File-system errors become FTP replies a user can act on. Codes from RFC 959:
// 550 file unavailable, 552 storage allocation exceeded, 452 insufficient storage,
// 553 file name not allowed, 451 local error in processing.

import { FtpError } from "../protocol/reply.ts";

const MESSAGES: Record<string, [number, string]> = {
  ENOENT: [550, "No such file or folder."],
  ENOTDIR: [550, "Not a folder."],
  EISDIR: [550, "Is a folder."],
  EACCES: [550, "Permission denied."],
  EPERM: [550, "Operation not permitted."],
  EEXIST: [550, "File exists."],
  ENOTEMPTY: [550, "Folder is not empty."],
  ENAMETOOLONG: [553, "File name too long."],
  ELOOP: [550, "Too many levels of symbolic links."],
  EINVAL: [553, "File name not allowed."],
  EXDEV: [550, "Cannot move across file systems."],
  ENOSPC: [452, "Insufficient storage space (disk full)."],
  EDQUOT: [552, "Disk quota exceeded."],
  EBUSY: [550, "File is busy."],
  EROFS: [550, "Read-only file system."],
  EMFILE: [451, "Too many open files on the server, try again."],
  ENFILE: [451, "Too many open files on the server, try again."],
};

/** Turns any error thrown while serving a command into the reply to send. */
export function toFtpError(err: unknown): FtpError {
  if (err instanceof FtpError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const known = code ? MESSAGES[code] : undefined;
  if (known) return new FtpError(known[0], known[1]);
  if (code === "ERR_INVALID_ARG_VALUE" || code === "ERR_INVALID_ARG_TYPE") {
    return new FtpError(501, "Invalid path name.");
  }
  return new FtpError(451, "Local error in processing.");
}

/** Errors that are the server's problem, not the client's: worth a log line. */
export function isUnexpected(err: unknown): boolean {
  if (err instanceof FtpError) return false;
  const code = (err as NodeJS.ErrnoException)?.code;
  return !code || !(code in MESSAGES);
}
