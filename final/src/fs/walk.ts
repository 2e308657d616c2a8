//> 0 walk
// Finding a path inside the home one name at a time, each step relative to the folder the
// previous step opened (see proc-fd.ts), so that no name is ever looked up from the top again
// after it was checked. A symbolic link met on the way is read, not followed: its target is
// worked out here and must lie inside one of the jail's roots (the home, or a virtual folder),
// and the walk goes on from that root. Links that stay inside work; links out are refused.
//
//   walk("d/f")   open home | open d in it (O_NOFOLLOW) | entry "f" in d: the result is
//                 { folder: the open "d", name: "f" } -- and every later action on "f" goes
//                 through that open folder, however "d" is renamed or replaced meanwhile.

import { close, lstat, open, readlink } from "node:fs";
import { posix } from "node:path";
import { promisify } from "node:util";
import { FtpError } from "../protocol/reply.ts";
import { decodeName, diskPath } from "./byte-names.ts";
import { inFolder, O_DIRECTORY, O_NOFOLLOW, O_PATH } from "./proc-fd.ts";

const openFd = promisify(open);
const closeFd = promisify(close);
const lstatPath = promisify(lstat);
const readlinkPath = promisify(readlink);

// Names keep their bytes (fs/byte-names.ts): a name that is not UTF-8 travels as a string with
// escapes, turned back into its bytes for every call, and a link's target read as bytes.
const lstatAt = (path: string) => lstatPath(diskPath(path));
const readlinkAt = async (path: string): Promise<string> =>
  decodeName((await readlinkPath(diskPath(path), { encoding: "buffer" })) as Buffer);

/** Links followed in one walk, as the kernel allows (MAXSYMLINKS). */
const MAX_HOPS = 40;

export interface Walked {
  /** The folder that holds the entry, open (O_PATH); the caller closes it. */
  folder: number;
  /** The entry's name in that folder ("." for a root itself). */
  name: string;
  /** Its real path, for quotas, logs and messages (never to act on). */
  real: string;
  /** It does not exist (yet): a new file or folder. */
  missing: boolean;
}

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

function openFolder(path: string): Promise<number> {
  return openFd(diskPath(path), O_PATH | O_DIRECTORY | O_NOFOLLOW);
}

/** The root (and the names below it) that an absolute real path falls in, or null: outside. */
function rootOf(roots: readonly string[], abs: string): { root: string; parts: string[] } | null {
  let best: string | null = null;
  for (const r of roots) {
    const inside = abs === r || abs.startsWith(r === "/" ? "/" : `${r}/`);
    if (inside && (best === null || r.length > best.length)) best = r;
  }
  if (best === null) return null;
  return { root: best, parts: abs.slice(best.length).split("/").filter(Boolean) };
}

/**
 * Walks `parts` (names of a normalized virtual path, no "." or "..") from `start`. mode
 * "follow": the last name is followed too, when it is a link; "parent": the last name is the
 * entry itself (DELE, RNFR, MKD ... act on a link, never on what it points to).
 * `roots[0]` is `start`; link targets must lie under one of `roots`.
 */
export async function walk(roots: readonly string[], start: string, parts: readonly string[], mode: "follow" | "parent"): Promise<Walked> {
  let root = start;
  let fd = await openFolder(root);
  let below: string[] = []; // names walked below root, all real folders
  let todo = mode === "parent" ? parts.slice(0, -1) : [...parts];
  const last = mode === "parent" ? parts[parts.length - 1] : undefined;
  let hops = 0;
  let viaLink = false; // the current last name came from a link's target
  try {
    while (todo.length > 0) {
      const name = todo[0]!;
      const isLast = todo.length === 1;
      const here = inFolder(fd, name);
      let linkTarget: string | null = null;
      if (isLast && mode === "follow") {
        const st = await lstatAt(here).catch((err: NodeJS.ErrnoException) => {
          if (err.code === "ENOENT") return null;
          throw err;
        });
        if (st === null) {
          // A link to nothing: creating its target would create it wherever the link says.
          if (viaLink) throw new FtpError(550, "Symbolic link points to nothing inside your home folder.");
          return { folder: fd, name, real: posix.join(root, ...below, name), missing: true };
        }
        if (!st.isSymbolicLink()) return { folder: fd, name, real: posix.join(root, ...below, name), missing: false };
        linkTarget = await readlinkAt(here);
      } else {
        try {
          const next = await openFolder(here);
          await closeFd(fd);
          fd = next;
          below.push(name);
          todo = todo.slice(1);
          viaLink = false;
          continue;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== "ELOOP" && code !== "ENOTDIR") throw err;
          linkTarget = await readlinkAt(here).catch(() => {
            throw errno("ENOTDIR", "not a folder");
          });
        }
      }
      // A link: work out where it points, from the real folder it sits in.
      if (++hops > MAX_HOPS) throw errno("ELOOP", "too many links");
      const target = posix.resolve(posix.join(root, ...below), linkTarget);
      const inside = rootOf(roots, target);
      if (!inside) throw new FtpError(550, "Path is outside your home folder.");
      const rest = todo.slice(1);
      todo = [...inside.parts, ...rest];
      viaLink = rest.length === 0;
      if (mode === "parent" && inside.parts.length === 0 && rest.length === 0) viaLink = false;
      const next = await openFolder(inside.root);
      await closeFd(fd);
      fd = next;
      root = inside.root;
      below = [];
    }
    if (last !== undefined) return { folder: fd, name: last, real: posix.join(root, ...below, last), missing: false };
    return { folder: fd, name: ".", real: posix.join(root, ...below), missing: false };
  } catch (err) {
    await closeFd(fd).catch(() => {});
    throw err;
  }
}
//<
