// What can go wrong, sorted by what the user (or a script) should do about it.
//
//   FtpReplyError    the server said no:          "550 No such file or directory."   -> exit 1
//   ConnectionError  no (more) control connection: "connect ECONNREFUSED 127.0.0.1:2121" -> exit 2
//   UsageError       the command line was wrong:   "get: expected REMOTE [LOCAL]"    -> exit 2
//   CommandError     anything else a command can fail on (a local file, a checksum) -> exit 1
//
// The shell prints the message and goes on; a script stops and exits with `exitCode`.

import type { Reply } from "./reply-parser.ts";

export class CommandError extends Error {
  readonly exitCode: number = 1;
}

/** A negative (4xx/5xx) or unexpected reply. `reply` is the server's, word for word. */
export class FtpReplyError extends CommandError {
  constructor(
    readonly reply: Reply,
    readonly command?: string,
  ) {
    super(`${reply.code} ${reply.message.split("\n")[0]}`);
  }
}

/** The control connection is gone or never came: connecting, TLS, a lost session. */
export class ConnectionError extends Error {
  readonly exitCode = 2;
}

/** The login was refused (530): the session cannot start. */
export class LoginError extends ConnectionError {}

export class UsageError extends Error {
  readonly exitCode = 2;
}

/** A data connection that broke before the end: a transfer that can be resumed. */
export class TransferInterrupted extends CommandError {}

export function exitCodeOf(err: unknown): number {
  if (err instanceof CommandError || err instanceof ConnectionError || err instanceof UsageError) return err.exitCode;
  return 1;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
