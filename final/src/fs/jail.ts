//> 0 jail
// Keeps a session inside its home on the real disk. The virtual path is already free of
// "..", but a symbolic link inside the home may still point anywhere:
//
//   home/escape -> /etc          "RETR /escape/passwd" must fail with 550
//   home/shared -> home/pub      fine: it stays inside
//
// So before touching a file we resolve links with realpath() and check that the result is
// still under the real home. Two modes:
//   follow: the file itself (RETR, STOR, CWD, LIST, ...); links are followed and checked.
//   parent: the directory entry (DELE, RNFR, RNTO, MKD, RMD); only the folder that holds it
//           is resolved, so deleting a link deletes the link, never what it points to.

import { lstat, realpath } from "./byte-names.ts";
import { join, sep } from "node:path";
import { FtpError } from "../protocol/reply.ts";
import { PathHandle } from "./path-handle.ts";
import { procFdAvailable } from "./proc-fd.ts";
import { walk } from "./walk.ts";
//> final jail-mounts-import
import { under } from "./virtual-folders.ts";
//<

export type ResolveMode = "follow" | "parent";

/**
 * The real path of a home folder, remembered for a second: a burst of logins to one home
 * (200 anonymous clients at once) resolves it once, not 200 times, and a home the operator
 * moves is seen again within a second.
 */
const homes = new Map<string, { real: Promise<string>; until: number }>();
const HOME_CACHE_MS = 1000;

function realHome(home: string): Promise<string> {
  const now = Date.now();
  const known = homes.get(home);
  if (known && known.until > now) return known.real;
  const real = realpath(home);
  homes.set(home, { real, until: now + HOME_CACHE_MS });
  // A missing home is looked up again next time (unless a newer lookup already replaced it).
  real.catch(() => {
    if (homes.get(home)?.real === real) homes.delete(home);
  });
  if (homes.size > 10_000) homes.clear(); // many distinct homes: keep the map bounded
  return real;
}

export class Jail {
  private constructor(readonly realHome: string) {}

  static async open(home: string): Promise<Jail> {
    return new Jail(await realHome(home));
  }

//> final jail-mounts
  /** Virtual folders: each one a jail of its own, deepest first. */
  private readonly mounts: Array<{ vpath: string; jail: Jail }> = [];

  async mount(vpath: string, real: string): Promise<void> {
    this.mounts.push({ vpath, jail: await Jail.open(real) });
    this.mounts.sort((a, b) => b.vpath.length - a.vpath.length);
  }

  /** The virtual folders shown directly inside the folder `vpath`, for listings. */
  mountsIn(vpath: string): Array<{ name: string; real: string }> {
    const parent = vpath === "/" ? "" : vpath;
    return this.mounts
      .filter((m) => m.vpath.startsWith(`${parent}/`) && !m.vpath.slice(parent.length + 1).includes("/"))
      .map((m) => ({ name: m.vpath.slice(parent.length + 1), real: m.jail.realHome }));
  }

//<
  contains(realPath: string): boolean {
//> final jail-mounts-contains
    if (this.mounts.some((m) => m.jail.contains(realPath))) return true;
//<
    return realPath === this.realHome || realPath.startsWith(this.realHome === sep ? sep : this.realHome + sep);
  }

  /** The real path for a virtual path ("/a/b"), checked to be inside the home. */
  async resolve(vpath: string, mode: ResolveMode): Promise<string> {
//> final jail-mounts-resolve
    const mount = this.mounts.find((m) => under(vpath, m.vpath));
    if (mount) {
      if (vpath === mount.vpath && mode === "parent") throw new FtpError(550, "A virtual folder cannot be deleted, renamed or replaced.");
      return mount.jail.resolve(vpath.slice(mount.vpath.length) || "/", mode);
    }
//<
    const lexical = join(this.realHome, vpath);
    if (vpath === "/") return this.realHome;
    if (mode === "parent") return join(await this.resolveExisting(join(lexical, "..")), baseOf(lexical));
    try {
      return await this.resolveExisting(lexical);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    // It does not exist (yet): a new file. If it is a dangling link, creating it would
    // create the link's target, wherever that is, so refuse.
    const isLink = await lstat(lexical).then((s) => s.isSymbolicLink(), () => false);
    if (isLink) throw new FtpError(550, "Symbolic link points to nothing inside your home folder.");
    return join(await this.resolveExisting(join(lexical, "..")), baseOf(lexical));
  }

  /** Every real folder a link may lead into: the home and the virtual folders. */
  private roots(): string[] {
    const roots = [this.realHome];
//> final jail-mounts-roots
    for (const m of this.mounts) roots.push(m.jail.realHome);
//<
    return roots;
  }

  /**
   * Like resolve(), but the result is held open (see path-handle.ts): acting on it cannot be
   * sent outside by someone renaming folders or swapping in links meanwhile. Close it after.
   */
  async handle(vpath: string, mode: ResolveMode, shown = vpath): Promise<PathHandle> {
//> final jail-mounts-handle
    const mount = this.mounts.find((m) => under(vpath, m.vpath));
    if (mount) {
      if (vpath === mount.vpath && mode === "parent") throw new FtpError(550, "A virtual folder cannot be deleted, renamed or replaced.");
      return mount.jail.handle(vpath.slice(mount.vpath.length) || "/", mode, shown);
    }
//<
    if (!procFdAvailable()) {
      const real = await this.resolve(vpath, mode);
      return new PathHandle(shown, real, -1, baseOf(real));
    }
    const parts = vpath.split("/").filter(Boolean);
    const walked = await walk(this.roots(), this.realHome, parts, parts.length === 0 ? "follow" : mode);
    return new PathHandle(shown, walked.real, walked.folder, walked.name);
  }

  private async resolveExisting(path: string): Promise<string> {
    const real = await realpath(path);
    if (!this.contains(real)) throw new FtpError(550, "Path is outside your home folder.");
    return real;
  }
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf(sep) + 1);
}
//<
