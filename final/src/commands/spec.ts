//> 0 command-spec
// The shape of one entry in the command table. Every command the server knows is one such
// entry; the session checks login and arguments generically from it, and HELP and FEAT are
// built from the table, so adding a command is adding an entry.

import type { PermLetter } from "../auth/permissions.ts";
import type { Session } from "../session.ts";

export interface CommandSpec {
  name: string;
  /** Is an argument required, forbidden, or optional? Checked before the handler runs (501). */
  arg: "required" | "none" | "optional";
  /** Must the user be logged in? Checked before the handler runs (530). */
  auth: boolean;
  /** The permission letter the command needs; handlers check it per path with session.resolve. */
  perm?: PermLetter;
  /** One line for HELP, starting with the syntax. */
  help: string;
  /** The line this command adds to FEAT (RFC 2389), if any. */
  feat?: string | ((session: Session) => string);
  /** Answered at once even while a transfer runs (ABOR, STAT); others wait their turn. */
  urgent?: boolean;
  handler(session: Session, arg: string): Promise<void> | void;
}

/** Other spellings of the same command (RFC 775's X-commands). */
export function alias(spec: CommandSpec, name: string): CommandSpec {
  return { ...spec, name, feat: undefined };
}
//<
