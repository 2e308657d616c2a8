// Working with files and folders by name.
//
//   C: SIZE notes.txt        S: 213 1234
//   C: MDTM notes.txt        S: 213 20261121104400
//   C: MFMT 20250101000000 notes.txt   S: 213 Modify=20250101000000; /notes.txt
//   C: MKD new               S: 257 "/new" created.
//   C: RNFR new              S: 350 Ready for RNTO.
//   C: RNTO old              S: 250 Renamed.
//   C: DELE notes.txt        S: 250 Deleted /notes.txt.

import { lstat, mkdir, rename, rmdir, stat, unlink, utimes } from "../fs/byte-names.ts";
import { ftpTime } from "../listing/format.ts";
import { FtpError, quotePath } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import { alias, type CommandSpec } from "./spec.ts";
//> final rename-checks-import
import type { Move } from "../quota.ts";
//<

/** A directory entry to delete, rename or create: never the home folder itself. */
async function entry(s: Session, arg: string): Promise<{ vpath: string; real: string }> {
  const resolved = await s.resolve(arg, "parent");
  if (resolved.vpath === "/") throw new FtpError(550, "Not allowed on your home folder.");
  return resolved;
}

//> final rename-checks
/**
 * Rules follow paths, so a folder with rules of its own (permission letters, a virtual
 * folder, a folder quota), or a folder that holds one, is not renamed, and no rename may
 * make one: `RNFR pub` + `RNTO pub2` would free `/pub/archive` from its read-only rule.
 */
function refuseRuledRename(s: Session, entry: { vpath: string; real: string }): void {
  if (s.requireAccount().perms.holdsRule(entry.vpath)) {
    throw new FtpError(550, `${entry.vpath} is, or holds, a folder with permissions of its own; it cannot be renamed, nor can a rename make it.`);
  }
  if (s.options.quotas?.holdsFolderQuota(entry.real)) {
    throw new FtpError(550, `${entry.vpath} is, or holds, a folder with a quota of its own; it cannot be renamed, nor can a rename make it.`);
  }
}

/** Quotas: what a rename brings into a limit must fit there (else 552); see Quotas.beginMove. */
async function renameCharge(s: Session, from: string, to: string): Promise<Move | undefined> {
  const quotas = s.options.quotas;
  if (!quotas) return undefined;
  const account = s.requireAccount();
  const home = s.jail!.realHome;
  return quotas.beginMove(from, quotas.limitsFor(account.name, home, from, account.mounts), to, quotas.limitsFor(account.name, home, to, account.mounts));
}

//<
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
    const { vpath, real } = await entry(s, arg);
    await mkdir(real);
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
    const { vpath, real } = await entry(s, arg);
    await rmdir(real);
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
      const { real } = await s.resolve(arg);
      const st = await stat(real);
      if (!st.isFile()) throw new FtpError(550, "Not a regular file.");
      s.reply(213, String(st.size));
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
      const { real } = await s.resolve(arg);
      const st = await stat(real);
      if (!st.isFile()) throw new FtpError(550, "Not a regular file.");
      s.reply(213, ftpTime(st.mtime));
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
      const { vpath, real } = await s.resolve(arg.slice(space + 1));
      const st = await stat(real);
      await utimes(real, st.atime, time);
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
      const { vpath, real } = await entry(s, arg);
      const st = await lstat(real);
      if (st.isDirectory()) throw new FtpError(550, "Is a folder; use RMD.");
      await unlink(real);
//> final quota-dele
      if (st.isFile()) s.options.quotas?.changed(real, -st.size);
//<
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
      const from = await entry(s, arg);
//> final rename-rules-from
      refuseRuledRename(s, from);
//<
      await lstat(from.real);
      s.renameFrom = from;
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
      const to = await entry(s, arg);
//> final rename-rules-to
      refuseRuledRename(s, to);
//<
//> final quota-rename
      // Quotas: a file or folder that enters a limit must fit there (552); it is counted once moved.
      const move = await renameCharge(s, from.real, to.real);
      try {
        await rename(from.real, to.real);
      } catch (err) {
        move?.drop();
        throw err;
      }
      move?.done();
//<
//> 0-final plain-rename
      //- await rename(from.real, to.real);
//<
      s.log("info", "rename", { from: from.vpath, to: to.vpath });
      s.reply(250, `Renamed ${from.vpath} to ${to.vpath}.`);
    },
  },
];
