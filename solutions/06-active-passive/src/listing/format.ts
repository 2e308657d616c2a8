// How one directory entry is written in each listing format.
//
// LIST (like `ls -l`; not standardized, but every client parses this Unix style):
//   -rw-r--r--   1 ftp      ftp          1234 Nov 21 10:44 notes.txt
//   drwxr-xr-x   2 ftp      ftp          4096 Jan 02  2025 archive
// NLST: just the name.

import type { FileInfo, FileKind } from "../storage/storage.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SIX_MONTHS_MS = 180 * 24 * 3600 * 1000;

const TYPE_CHARS: Record<FileKind, string> = { file: "-", folder: "d", link: "l", "char-device": "c", "block-device": "b", fifo: "p", socket: "s" };

export function typeChar(st: FileInfo): string {
  return TYPE_CHARS[st.kind];
}

/** "rwxr-x---" for each of the 512 permission values, made once (a listing has thousands). */
const MODE_STRINGS = Array.from({ length: 512 }, (_, mode) => {
  const rwx = (bits: number) => `${bits & 4 ? "r" : "-"}${bits & 2 ? "w" : "-"}${bits & 1 ? "x" : "-"}`;
  return rwx(mode >> 6) + rwx(mode >> 3) + rwx(mode);
});

function modeString(mode: number): string {
  return MODE_STRINGS[mode & 0o777]!;
}

/** "Nov 21 10:44" for recent files, "Jan 02  2025" for older ones (in UTC). */
export function lsDate(mtime: Date, now = Date.now()): string {
  const month = MONTHS[mtime.getUTCMonth()];
  const day = String(mtime.getUTCDate()).padStart(2, " ");
  const recent = Math.abs(now - mtime.getTime()) < SIX_MONTHS_MS;
  const tail = recent
    ? `${String(mtime.getUTCHours()).padStart(2, "0")}:${String(mtime.getUTCMinutes()).padStart(2, "0")}`
    : ` ${mtime.getUTCFullYear()}`;
  return `${month} ${day} ${tail}`;
}

/**
 * lsDate for the files of one listing, remembered per minute: files made together (a folder
 * of 10,000 uploads) share a handful of minutes, so most lines reuse a date already written.
 */
export class ListingDates {
  private readonly byMinute = new Map<number, string>();
  constructor(private readonly now = Date.now()) {}

  of(mtimeMs: number): string {
    const minute = Math.floor(mtimeMs / 60_000);
    let text = this.byMinute.get(minute);
    if (text === undefined) {
      text = lsDate(new Date(mtimeMs), this.now);
      if (this.byMinute.size < 10_000) this.byMinute.set(minute, text);
    }
    return text;
  }
}

export function lsLine(name: string, st: FileInfo, dates: ListingDates): string {
  const size = String(st.size).padStart(12, " ");
  return `${typeChar(st)}${modeString(st.mode)} ${String(st.nlink).padStart(3, " ")} ftp      ftp      ${size} ${dates.of(st.mtimeMs)} ${name}`;
}

/** YYYYMMDDHHMMSS in UTC, the time format of MDTM and MLSD (RFC 3659 section 2.3). */
export function ftpTime(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
}

/** ftpTime of a modification time in milliseconds (rounded as fs.Stats' mtime is). */
export function ftpTimeOf(mtimeMs: number): string {
  return ftpTime(new Date(Math.round(mtimeMs)));
}

/** The facts MLSD and MLST can give (OPTS MLST picks among them; commands/info.ts imports it). */
export const MLST_FACTS = ["type", "size", "modify", "perm", "unix.mode"] as const;
