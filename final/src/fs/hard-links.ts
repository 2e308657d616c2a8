//> final hard-links
// A hard link is not a symbolic link: it *is* the file, under a second name. Someone with a
// shell account who can write into a home can hard-link a file from elsewhere on the same
// file system into it (Linux allows it for files they can read, or any file with
// fs.protected_hardlinks=0), and the jail cannot tell the two names apart. With
// refuse_hard_links on, writes to a file that has more than one name are refused.

import type { Stats } from "node:fs";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";

export function refuseHardLink(s: Session, st: Stats): void {
  if (s.options.refuseHardLinks && st.isFile() && st.nlink > 1) {
    throw new FtpError(550, "Refused: this file has other hard links (refuse_hard_links).");
  }
}
//<
