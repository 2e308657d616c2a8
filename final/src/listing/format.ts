//> 0 format
// How one directory entry is written in each listing format.
//
// LIST (like `ls -l`; not standardized, but every client parses this Unix style):
//   -rw-r--r--   1 ftp      ftp          1234 Nov 21 10:44 notes.txt
//   drwxr-xr-x   2 ftp      ftp          4096 Jan 02  2025 archive
// NLST: just the name.
//> final mlsx-comment
// MLSD / MLST (RFC 3659 section 7: machine-readable facts, then a space and the name):
//   type=file;size=1234;modify=20261121104400;perm=radfw;unix.mode=0644; notes.txt
//<

import type { FileInfo, FileKind } from "../storage/storage.ts";
//> final mlsx-import
import type { Permissions } from "../auth/permissions.ts";
//<

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

//> final mlsx-facts
/** The RFC 3659 "perm" fact: what this user may do with this entry. */
function permFact(st: FileInfo, perms: Permissions, vpath: string): string {
  const has = (l: Parameters<Permissions["allows"]>[0]) => perms.allows(l, vpath);
  let out = "";
  if (st.kind === "folder") {
    if (has("w")) out += "c";
    if (has("d")) out += "dp";
    if (has("e")) out += "e";
    if (has("f")) out += "f";
    if (has("l")) out += "l";
    if (has("m")) out += "m";
  } else {
    if (has("a")) out += "a";
    if (has("d")) out += "d";
    if (has("f")) out += "f";
    if (has("r")) out += "r";
    if (has("w")) out += "w";
  }
  return out;
}

//<
/** The facts MLSD and MLST can give (OPTS MLST picks among them; commands/info.ts imports it). */
export const MLST_FACTS = ["type", "size", "modify", "perm", "unix.mode"] as const;
//> final mlsx-facts-line

export function mlsxFacts(st: FileInfo, facts: ReadonlySet<string>, perms: Permissions, vpath: string): string {
  let out = "";
  if (facts.has("type")) out += `type=${st.kind === "folder" ? "dir" : st.kind === "file" ? "file" : st.kind === "link" ? "OS.unix=symlink" : "OS.unix=special"};`;
  if (facts.has("size")) out += `size=${st.size};`;
  if (facts.has("modify")) out += `modify=${ftpTimeOf(st.mtimeMs)};`;
  if (facts.has("perm")) out += `perm=${permFact(st, perms, vpath)};`;
  if (facts.has("unix.mode")) out += `unix.mode=0${(st.mode & 0o777).toString(8)};`;
  return out;
}
//<
//<
