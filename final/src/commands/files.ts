//> final file-commands
// Working with files and folders by name.
//
//   C: SIZE notes.txt        S: 213 1234
//   C: MDTM notes.txt        S: 213 20261121104400
//   C: MFMT 20250101000000 notes.txt   S: 213 Modify=20250101000000; /notes.txt
//   C: MKD new               S: 257 "/new" created.
//   C: RNFR new              S: 350 Ready for RNTO.
//   C: RNTO old              S: 250 Renamed.
//   C: DELE notes.txt        S: 250 Deleted /notes.txt.

import type { PermLetter } from "../auth/permissions.ts";
import { checkedPath } from "../fs/open-path.ts";
import { ftpTime, ftpTimeOf } from "../listing/format.ts";
import { FtpError, quotePath } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import { alias, type CommandSpec } from "./spec.ts";
import { QuotaStorage } from "../storage/quota-layer.ts";

/** A directory entry to delete, rename or create: never the home folder itself. */
function entry(s: Session, arg: string, perm: PermLetter): string {
  const vpath = checkedPath(s, arg, perm);
  if (vpath === "/") throw new FtpError(550, "Not allowed on your home folder.");
  return vpath;
}

/**
 * Rules follow paths, so a folder with rules of its own (permission letters, a virtual
 * folder, a folder quota), or a folder that holds one, is not renamed, and no rename may
 * make one: `RNFR pub` + `RNTO pub2` would free `/pub/archive` from its read-only rule.
 */
async function refuseRuledRename(s: Session, vpath: string): Promise<void> {
  if (s.requireAccount().perms.holdsRule(vpath)) {
    throw new FtpError(550, `${vpath} is, or holds, a folder with permissions of its own; it cannot be renamed, nor can a rename make it.`);
  }
  // (Quotas are a layer of the storage, storage/quota-layer.ts: the one that knows the folders.)
  if (s.storage instanceof QuotaStorage && (await s.storage.holdsFolderQuota(vpath))) {
    throw new FtpError(550, `${vpath} is, or holds, a folder with a quota of its own; it cannot be renamed, nor can a rename make it.`);
  }
}

/** "20261121104400" (or with .sss fraction) -> a Date in UTC; RFC 3659 section 2.3. */
export function parseFtpTime(text: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d{1,3})?$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, sec));
  const valid = date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && sec < 61;
  return valid ? date : null;
}

const mkd: CommandSpec = {
  name: "MKD",
  arg: "required",
  auth: true,
  perm: "m",
  help: "Syntax: MKD <path> (make a folder).",
  async handler(s, arg) {
    const vpath = entry(s, arg, "m");
    await s.storage!.mkdir(vpath);
    s.reply(257, `${quotePath(vpath)} created.`);
  },
};

const rmd: CommandSpec = {
  name: "RMD",
  arg: "required",
  auth: true,
  perm: "d",
  help: "Syntax: RMD <path> (remove an empty folder).",
  async handler(s, arg) {
    const vpath = entry(s, arg, "d");
    await s.storage!.rmdir(vpath);
    s.reply(250, `Removed folder ${vpath}.`);
  },
};

export const fileCommands: CommandSpec[] = [
  {
    name: "SIZE",
    arg: "required",
    auth: true,
    perm: "l",
    help: "Syntax: SIZE <path> (file size in bytes).",
    feat: "SIZE",
    async handler(s, arg) {
      const info = await s.storage!.stat(checkedPath(s, arg, "l"));
      if (info.kind !== "file") throw new FtpError(550, "Not a regular file.");
      s.reply(213, String(info.size));
    },
  },
  {
    name: "MDTM",
    arg: "required",
    auth: true,
    perm: "l",
    help: "Syntax: MDTM <path> (last modification time, UTC).",
    feat: "MDTM",
    async handler(s, arg) {
      const info = await s.storage!.stat(checkedPath(s, arg, "l"));
      if (info.kind !== "file") throw new FtpError(550, "Not a regular file.");
      s.reply(213, ftpTimeOf(info.mtimeMs));
    },
  },
  {
    name: "MFMT",
    arg: "required",
    auth: true,
    perm: "T",
    help: "Syntax: MFMT <YYYYMMDDHHMMSS> <path> (set the modification time, UTC).",
    feat: "MFMT",
    async handler(s, arg) {
      const space = arg.indexOf(" ");
      const time = space === -1 ? null : parseFtpTime(arg.slice(0, space));
      if (!time || space === -1 || !arg.slice(space + 1)) {
        throw new FtpError(501, "Syntax: MFMT YYYYMMDDHHMMSS <path>");
      }
      const vpath = checkedPath(s, arg.slice(space + 1), "T");
      if (vpath === "/") throw new FtpError(550, "Not allowed on your home folder.");
      await s.storage!.setTimes(vpath, time.getTime());
      s.reply(213, `Modify=${ftpTime(time)}; ${vpath}`);
    },
  },
  {
    name: "DELE",
    arg: "required",
    auth: true,
    perm: "d",
    help: "Syntax: DELE <path> (delete a file).",
    async handler(s, arg) {
      const vpath = entry(s, arg, "d");
      const info = await s.storage!.stat(vpath, "entry");
      if (info.kind === "folder") throw new FtpError(550, "Is a folder; use RMD.");
      await s.storage!.remove(vpath);
      s.reply(250, `Deleted ${vpath}.`);
    },
  },
  mkd,
  alias(mkd, "XMKD"),
  rmd,
  alias(rmd, "XRMD"),
  {
    name: "RNFR",
    arg: "required",
    auth: true,
    perm: "f",
    help: "Syntax: RNFR <path> (the file to rename; RNTO follows).",
    async handler(s, arg) {
      // Only the virtual path is kept: RNTO walks it again and never acts on a path resolved now.
      const from = entry(s, arg, "f");
      await s.storage!.stat(from, "entry");
      await refuseRuledRename(s, from);
      s.renameFrom = { vpath: from };
      s.reply(350, "Ready for RNTO.");
    },
  },
  {
    name: "RNTO",
    arg: "required",
    auth: true,
    perm: "f",
    help: "Syntax: RNTO <path> (the new name; after RNFR).",
    async handler(s, arg) {
      const from = s.renameFrom;
      s.renameFrom = null;
      if (!from) throw new FtpError(503, "Send RNFR first.");
      const fromPath = entry(s, from.vpath, "f");
      const toPath = entry(s, arg, "f");
      await refuseRuledRename(s, toPath);
      await renameEntries(s, fromPath, toPath);
    },
  },
];

/** RNTO's work, on the two entries' virtual paths (the storage holds them while it renames). */
async function renameEntries(s: Session, fromPath: string, toPath: string): Promise<void> {
      const from = { vpath: fromPath };
      const to = { vpath: toPath };
      // (Quotas charge a rename in the storage: storage/quota-layer.ts.)
      await s.storage!.rename(from.vpath, to.vpath);
      s.log("info", "rename", { from: from.vpath, to: to.vpath });
      s.reply(250, `Renamed ${from.vpath} to ${to.vpath}.`);
}
//<
