//> 0 open-path
// A command's path argument: made a virtual path from the current folder (never touching the
// disk), with the command's permission letter checked on it. checkedPath() hands it to
// s.storage, which walks it in the jail and holds it open while it acts (storage/local.ts).

import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import type { PermLetter } from "../auth/permissions.ts";
import { procFdAvailable } from "./proc-fd.ts";
import { resolveVirtual } from "./virtual-path.ts";

let warned = false;

/**
 * A command's path argument as a virtual path, with the command's permission letter `perm`
 * checked on it: what the commands hand to s.storage (which keeps it inside the home).
 */
export function checkedPath(s: Session, arg: string, perm: PermLetter | undefined): string {
  const account = s.requireAccount();
  const vpath = resolveVirtual(s.cwd, arg);
  if (perm && !account.perms.allows(perm, vpath)) throw new FtpError(550, "Permission denied.");
  if (!warned && !procFdAvailable()) {
    warned = true;
    s.log("warn", "no /proc/self/fd here: paths are checked with realpath() only; someone else who can write into a home can race a command outside it");
  }
  return vpath;
}
//<
