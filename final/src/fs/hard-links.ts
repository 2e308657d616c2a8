//> final hard-links
// A hard link is not a symbolic link: it *is* the file, under a second name. Someone with a
// shell account who can write into a home can hard-link a file from elsewhere on the same
// file system into it (Linux allows it for files they can read, or any file with
// fs.protected_hardlinks=0), and the jail cannot tell the two names apart. With
// refuse_hard_links on, writes to a file that has more than one name are refused: the local
// disk's storage (storage/local.ts) checks the file it opened, in MFMT, SITE CHMOD and
// uploads into an existing file.

import type { Stats } from "node:fs";
import { StorageError } from "../storage/errors.ts";

export function refuseHardLink(refuse: boolean | undefined, st: Stats): void {
  if (refuse && st.isFile() && st.nlink > 1) {
    throw new StorageError("permission", "a file with other hard links", { reply: "Refused: this file has other hard links (refuse_hard_links)." });
  }
}
//<
