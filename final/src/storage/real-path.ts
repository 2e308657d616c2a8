//> final storage-real-path
// STOPGAP, LocalStorage only: quotas (quota.ts) count usage by REAL folder, so the commands
// that charge or count a quota still ask the local disk where a virtual path lands. Goes once
// quota.ts counts virtual paths (then a quota is a layer around any Storage).

import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import { LocalStorage } from "./local.ts";
import type { StatTarget } from "./storage.ts";

/** The real path `vpath` leads to ("entry": the directory entry itself); for quotas only, never to act on. */
export function realPathOf(s: Session, vpath: string, target: StatTarget): Promise<string> {
  if (!(s.storage instanceof LocalStorage)) throw new FtpError(451, "Quotas need the local disk storage.");
  return s.storage.realPathOf(vpath, target);
}
//<
