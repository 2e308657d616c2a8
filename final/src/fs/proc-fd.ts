//> 0 proc-fd
// Acting on a file *through an open folder* instead of by its full path. A path like
// /home/anna/d/f is looked up again, link by link, every time it is used; if someone who can
// write into the home swaps "d" for a symbolic link between our check and our action, the
// action lands wherever the link points (the classic check-then-act race).
//
// Node has no openat(), but Linux offers the same through /proc: "/proc/self/fd/7/f" names
// the entry "f" *inside the folder open as descriptor 7*. The kernel follows the magic link
// "/proc/self/fd/7" to the open folder itself (not to its path), so a later rename or swap of
// the folder's name changes nothing. Only the last name ("f") is looked up, and with
// O_NOFOLLOW (or with calls that never follow the last name: lstat, unlink, rmdir, mkdir,
// rename, readlink) a link swapped in there is not followed either.
//
// Folders are held with O_PATH: it needs no read permission (realpath only needed search
// permission) and costs no more than a lookup.

import { closeSync, constants, openSync } from "node:fs";

/** O_PATH is Linux-only and not in fs.constants; the value is the same on every Linux arch Node runs on. */
export const O_PATH = 0o10000000;
export const { O_DIRECTORY, O_NOFOLLOW } = constants;

let available: boolean | null = null;

/** Does this system offer /proc/self/fd with O_PATH (Linux with /proc mounted)? Checked once. */
export function procFdAvailable(): boolean {
  if (available !== null) return available;
  available = false;
  if (process.platform !== "linux") return available;
  let fd = -1;
  try {
    fd = openSync("/", O_PATH | O_DIRECTORY);
    const inner = openSync(`/proc/self/fd/${fd}/.`, O_PATH | O_DIRECTORY | O_NOFOLLOW);
    closeSync(inner);
    available = true;
  } catch {
    available = false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return available;
}

/** The entry `name` inside the folder held open as `fd` (never "" or a name with "/"). */
export function inFolder(fd: number, name: string): string {
  return `/proc/self/fd/${fd}/${name}`;
}

/** The object held open as `fd` itself: calls on this path reach that inode, whatever its name now. */
export function itself(fd: number): string {
  return `/proc/self/fd/${fd}`;
}
//<
