//> 0 listing
// Listing folders over a data connection (LIST, NLST).
//
//   C: PASV                  S: 227 Entering Passive Mode (127,0,0,1,234,96).
//   C: LIST -la docs         S: 150 Opening data connection; listing /docs.
//   (data: "-rw-r--r--   1 ftp ftp  1234 Nov 21 10:44 notes.txt\r\n" ..., then close)
//                            S: 226 Transfer complete.
//> final mlst-comment
//
// The final server also lists in machine-readable form (MLSD; MLST on the control connection),
// sends STAT's listing on the control connection, and takes wildcards (LIST *.txt).
//
//   C: MLST docs/notes.txt   S: 250-Listing /docs/notes.txt
//                            S:  type=file;size=1234;modify=20261121104400;perm=r; /docs/notes.txt
//                            S: 250 End.
//<

import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checkedPath } from "../fs/open-path.ts";
import { ListingDates, lsLine } from "../listing/format.ts";
import { virtualBasename } from "../fs/virtual-path.ts";
import type { Session } from "../session.ts";
import type { FileInfo } from "../storage/storage.ts";
import type { CommandSpec } from "./spec.ts";
//> final mlst-import
import { mlsxFacts, MLST_FACTS } from "../listing/format.ts";
import { FtpError } from "../protocol/reply.ts";
import { StorageError } from "../storage/errors.ts";
//<
//> final wildcard-import
import { wildcardTarget, type WildcardTarget } from "../listing/wildcard.ts";
//<

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

//> final wire-name
/**
 * A file name may contain CR or LF (Unix allows it). Written as is, it would end a listing
 * line early, or on the control connection forge a reply. RFC 2640 section 3.1 sends CR as
 * CR NUL; we send LF as NUL, so every line stays one line.
 */
export function wireName(name: string): string {
  return /[\r\n]/.test(name) ? name.replace(/\r/g, "\r\0").replace(/\n/g, "\0") : name;
}

//<
/** One line of a listing, without its line end. */
function formatEntry(s: Session, format: Format, name: string, st: FileInfo, vpath: string, dates: ListingDates): string {
//> final wire-name-use
  name = wireName(name);
//<
  if (format === "NLST") return name;
//> final mlsd-entry
  if (format === "MLSD") return `${mlsxFacts(st, s.mlstFacts, s.account!.perms, vpath)} ${name}`;
//<
  return lsLine(name, st, dates);
}

/** Lines are sent in pieces of about this many characters: few writes, little memory. */
const PIECE = 32 * 1024;

/**
 * The listing as a stream of CRLF-terminated lines, produced as the client reads them (a file
 * is listed as its own line).
//> final listing-extras-doc
 * `linePrefix` starts every line (STAT's listing); with a `wildcard`, only the matching entries
 * (and NLST shows them with the argument's folder part).
//<
 */
async function* listingChunks(
  s: Session,
  format: Format,
  vpath: string,
  info: FileInfo,
//> final listing-extras
  linePrefix = "",
  wildcard?: WildcardTarget,
//<
): AsyncGenerator<Buffer> {
  // The client gets the names in the session's encoding.
  const codec = s.codec;
  const dates = new ListingDates();
  let line = (name: string, entry: FileInfo, path: string) => `${formatEntry(s, format, name, entry, path, dates)}\r\n`;
//> final listing-prefix
  // NLST of a wildcard shows each name with the argument's folder part.
  const plainLine = line;
  line = (name, entry, path) => linePrefix + plainLine(wildcard && format === "NLST" ? wildcard.prefix + name : name, entry, path);
//<
  if (info.kind !== "folder") {
    yield codec.encode(line(virtualBasename(vpath), info, vpath));
    return;
  }
  const parent = vpath === "/" ? "" : vpath;
  let text = "";
  // The storage reads the folder through itself, held open, in batches (virtual folders last).
  for await (const batch of s.storage!.list(vpath)) {
    for (const entry of batch) {
//> final listing-wildcard-match
      if (wildcard && !wildcard.matches(entry.name)) continue;
//<
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
//> final listing-wildcard
  const wildcard = format === "MLSD" ? null : await wildcardTarget(s, target);
  if (wildcard) return listMatches(s, format, wildcard);
//<
  const vpath = checkedPath(s, target || ".", "l");
  const info = await s.storage!.stat(vpath);
//> final mlsd-folder
  if (format === "MLSD" && info.kind !== "folder") throw new FtpError(501, "MLSD needs a folder; use MLST for a file.");
//<
  await s.runTransfer(format, vpath, `listing ${vpath}.`, (socket) =>
    // One piece read ahead, no more: the folder is walked as fast as the client takes the listing.
    pipeline([Readable.from(listingChunks(s, format, vpath, info), { highWaterMark: 1 }), ...s.throttle("download"), socket as Writable]),
  );
}

//> final listing-final
/** LIST or NLST of the entries a wildcard matches (listing/wildcard.ts). */
async function listMatches(s: Session, format: Format, w: WildcardTarget): Promise<void> {
  await s.runTransfer(format, w.vpath, `listing ${w.vpath}.`, (socket) =>
    pipeline([Readable.from(listingChunks(s, format, w.vpath, w.info, "", w), { highWaterMark: 1 }), ...s.throttle("download"), socket as Writable]),
  );
}

/** STAT with a path: the LIST output, sent as a multi-line 213 reply on the control connection. */
export async function statPath(s: Session, arg: string): Promise<void> {
  const wildcard = await wildcardTarget(s, stripListFlags(arg));
  if (wildcard) return statMatches(s, wildcard);
  const vpath = checkedPath(s, stripListFlags(arg) || ".", "l");
  const info = await s.storage!.stat(vpath);
  s.replyPart(213, `Status of ${vpath}:`);
  // Continuation lines start with a space, so none can be mistaken for the final "213 ".
  for await (const chunk of listingChunks(s, "LIST", vpath, info, " ")) {
    await s.writeContinuation(chunk);
  }
  s.reply(213, "End of status.");
}

async function statMatches(s: Session, w: WildcardTarget): Promise<void> {
  s.replyPart(213, `Status of ${w.vpath}:`);
  for await (const chunk of listingChunks(s, "LIST", w.vpath, w.info, " ", w)) {
    await s.writeContinuation(chunk);
  }
  s.reply(213, "End of status.");
}

//<
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
//> final mlsd-mlst
  {
    name: "MLSD",
    arg: "optional",
    auth: true,
    perm: "l",
    help: "Syntax: MLSD [<path>] (list a folder in machine-readable form).",
    handler: (s, arg) => listOverData(s, "MLSD", arg),
  },
  {
    name: "MLST",
    arg: "optional",
    auth: true,
    perm: "l",
    help: "Syntax: MLST [<path>] (facts about one file, on the control connection).",
    // RFC 3659 section 7.8: every fact we know, with a * on those this session has selected.
    feat: (s) => `MLST ${MLST_FACTS.map((f) => `${f}${s.mlstFacts.has(f) ? "*" : ""};`).join("")}`,
    async handler(s, arg) {
      const vpath = checkedPath(s, arg || ".", "l");
      // A name that is missing, or swapped for a link since the walk, is "no such file".
      const st = await s.storage!.stat(vpath).catch((err: unknown) => {
        if (err instanceof StorageError && (err.code === "not-found" || err.code === "link-loop")) return null;
        throw err;
      });
      if (!st) throw new FtpError(550, "No such file or folder.");
      s.reply(250, [`Listing ${vpath}`, `${mlsxFacts(st, s.mlstFacts, s.account!.perms, vpath)} ${vpath}`, "End."]);
    },
  },
//<
];
//<
