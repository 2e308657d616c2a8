// Listing folders over a data connection (LIST, NLST).
//
//   C: PASV                  S: 227 Entering Passive Mode (127,0,0,1,234,96).
//   C: LIST -la docs         S: 150 Opening data connection; listing /docs.
//   (data: "-rw-r--r--   1 ftp ftp  1234 Nov 21 10:44 notes.txt\r\n" ..., then close)
//                            S: 226 Transfer complete.

import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checkedPath } from "../fs/open-path.ts";
import { ListingDates, lsLine } from "../listing/format.ts";
import { virtualBasename } from "../fs/virtual-path.ts";
import type { Session } from "../session.ts";
import type { FileInfo } from "../storage/storage.ts";
import type { CommandSpec } from "./spec.ts";

type Format = "LIST" | "NLST" | "MLSD";

/**
 * "LIST -la docs" -> "docs". Clients send ls-style flags; we accept and ignore them (the
 * listing is always long and always shows every entry).
 */
export function stripListFlags(arg: string): string {
  let rest = arg.trim();
  while (/^-[a-zA-Z]+(\s|$)/.test(rest)) rest = rest.replace(/^-[a-zA-Z]+\s*/, "");
  return rest;
}

/** One line of a listing, without its line end. */
function formatEntry(s: Session, format: Format, name: string, st: FileInfo, vpath: string, dates: ListingDates): string {
  if (format === "NLST") return name;
  return lsLine(name, st, dates);
}

/** Lines are sent in pieces of about this many characters: few writes, little memory. */
const PIECE = 32 * 1024;

/**
 * The listing as a stream of CRLF-terminated lines, produced as the client reads them (a file
 * is listed as its own line).
 */
async function* listingChunks(
  s: Session,
  format: Format,
  vpath: string,
  info: FileInfo,
): AsyncGenerator<Buffer> {
  // The client gets the names in the session's encoding.
  const codec = s.codec;
  const dates = new ListingDates();
  let line = (name: string, entry: FileInfo, path: string) => `${formatEntry(s, format, name, entry, path, dates)}\r\n`;
  if (info.kind !== "folder") {
    yield codec.encode(line(virtualBasename(vpath), info, vpath));
    return;
  }
  const parent = vpath === "/" ? "" : vpath;
  let text = "";
  // The storage reads the folder through itself, held open, in batches (virtual folders last).
  for await (const batch of s.storage!.list(vpath)) {
    for (const entry of batch) {
      text += line(entry.name, entry, `${parent}/${entry.name}`);
    }
    if (text.length >= PIECE) {
      yield codec.encode(text);
      text = "";
    }
  }
  if (text) yield codec.encode(text);
}

/** LIST, NLST (and MLSD): check the path before the 150, then send the listing over the data connection. */
async function listOverData(s: Session, format: Format, arg: string): Promise<void> {
  const target = format === "MLSD" ? arg : stripListFlags(arg);
  const vpath = checkedPath(s, target || ".", "l");
  const info = await s.storage!.stat(vpath);
  await s.runTransfer(format, vpath, `listing ${vpath}.`, (socket) =>
    // One piece read ahead, no more: the folder is walked as fast as the client takes the listing.
    pipeline([Readable.from(listingChunks(s, format, vpath, info), { highWaterMark: 1 }), ...s.throttle("download"), socket as Writable]),
  );
}

export const listingCommands: CommandSpec[] = [
  {
    name: "LIST",
    arg: "optional",
    auth: true,
    perm: "l",
    help: "Syntax: LIST [-la] [<path>] (list files in long format; the last name may hold * ? [...]).",
    handler: (s, arg) => listOverData(s, "LIST", arg),
  },
  {
    name: "NLST",
    arg: "optional",
    auth: true,
    perm: "l",
    help: "Syntax: NLST [<path>] (list file names; the last name may hold * ? [...]).",
    handler: (s, arg) => listOverData(s, "NLST", arg),
  },
];
