//> 0 path-handle
// A path the jail has checked, held as an open folder plus one name in it (see walk.ts), so
// that acting on it later cannot be sent elsewhere by a rename or a swapped-in link.
//
//   at      "/proc/self/fd/<folder>/<name>": for calls that never follow the last name
//           (lstat, unlink, rmdir, mkdir, rename) and for open() with O_NOFOLLOW
//   self()  "/proc/self/fd/<n>": the entry itself, opened without following; for stat, chmod,
//           utimes, opendir and reads, which follow names -- this one is followed to the
//           open inode, whatever its name has become
//   real    the real path, for quotas, logs and messages only
//
// Without /proc/self/fd (not Linux) both are the real path resolved by realpath(), as before:
// safe against links, not against someone swapping folders while a command runs.

import { close, open } from "node:fs";
import { promisify } from "node:util";
import { diskPath } from "./byte-names.ts";
import { inFolder, itself, O_NOFOLLOW, O_PATH } from "./proc-fd.ts";

const openFd = promisify(open);
const closeFd = promisify(close);

export class PathHandle {
  private selfFd = -1;
  private closed = false;

  /** `folder` -1: no descriptors (the fallback); `at` is then the real path. */
  constructor(
    readonly vpath: string,
    readonly real: string,
    private readonly folder: number,
    readonly name: string,
  ) {}

  /** Acts on the entry through its folder; never follows a link in the last name (use with O_NOFOLLOW for open). */
  get at(): string {
    return this.folder < 0 ? this.real : inFolder(this.folder, this.name);
  }

  /** A path to the entry itself (fails with ELOOP if a link was swapped in since the walk). */
  async self(): Promise<string> {
    if (this.folder < 0) return this.real;
    if (this.selfFd < 0) this.selfFd = await openFd(diskPath(this.at), O_PATH | O_NOFOLLOW);
    return itself(this.selfFd);
  }

  /** The same entry's name in the same folder as `name` (for a sibling: STOU, atomic uploads). */
  sibling(name: string): string {
    return this.folder < 0 ? this.real.slice(0, this.real.lastIndexOf("/") + 1) + name : inFolder(this.folder, name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.selfFd >= 0) await closeFd(this.selfFd).catch(() => {});
    if (this.folder >= 0) await closeFd(this.folder).catch(() => {});
  }
}
//<
