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
import type { PermLetter } from "../auth/permissions.ts";
import { openPath } from "../fs/open-path.ts";
import type { PathHandle } from "../fs/path-handle.ts";
import { ftpTime } from "../listing/format.ts";
import { FtpError, quotePath } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import { alias, type CommandSpec } from "./spec.ts";

/**
 * A directory entry to delete, rename or create: never the home folder itself. Held open
 * through its folder (fs/path-handle.ts): the caller acts on `at` and closes it.
 */
async function entry(s: Session, arg: string, perm: PermLetter): Promise<PathHandle> {
  const handle = await openPath(s, arg, "parent", perm);
  if (handle.vpath === "/") {
    await handle.close();
    throw new FtpError(550, "Not allowed on your home folder.");
  }
  return handle;
}

/** Runs `act` on a checked path, closing its handle afterwards. */
async function using<T>(handle: PathHandle, act: (h: PathHandle) => Promise<T>): Promise<T> {
  try {
    return await act(handle);
  } finally {
    await handle.close();
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
    const vpath = await using(await entry(s, arg, "m"), async (h) => {
      await mkdir(h.at);
      return h.vpath;
    });
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
    const vpath = await using(await entry(s, arg, "d"), async (h) => {
      await rmdir(h.at);
      return h.vpath;
    });
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
      const st = await using(await openPath(s, arg, "follow", "l"), async (h) => stat(await h.self()));
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
      const st = await using(await openPath(s, arg, "follow", "l"), async (h) => stat(await h.self()));
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
      const vpath = await using(await openPath(s, arg.slice(space + 1), "follow", "T"), async (h) => {
        if (h.vpath === "/") throw new FtpError(550, "Not allowed on your home folder.");
        const self = await h.self();
        const st = await stat(self);
        await utimes(self, st.atime, time);
        return h.vpath;
      });
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
      const vpath = await using(await entry(s, arg, "d"), async ({ at, real, vpath }) => {
        const st = await lstat(at);
        if (st.isDirectory()) throw new FtpError(550, "Is a folder; use RMD.");
        await unlink(at);
        return vpath;
      });
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
      const from = await using(await entry(s, arg, "f"), async (h) => {
        await lstat(h.at);
        return { vpath: h.vpath, real: h.real };
      });
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
      const fromHandle = await entry(s, from.vpath, "f");
      let toHandle: PathHandle;
      try {
        toHandle = await entry(s, arg, "f");
      } catch (err) {
        await fromHandle.close();
        throw err;
      }
      try {
        await renameHandles(s, fromHandle, toHandle);
      } finally {
        await fromHandle.close();
        await toHandle.close();
      }
    },
  },
];

/** RNTO's work, on the two entries held open through their folders. */
async function renameHandles(s: Session, fromHandle: PathHandle, toHandle: PathHandle): Promise<void> {
      const from = { vpath: fromHandle.vpath, real: fromHandle.real };
      const to = { vpath: toHandle.vpath, real: toHandle.real };
      await rename(fromHandle.at, toHandle.at);
      s.log("info", "rename", { from: from.vpath, to: to.vpath });
      s.reply(250, `Renamed ${from.vpath} to ${to.vpath}.`);
}
