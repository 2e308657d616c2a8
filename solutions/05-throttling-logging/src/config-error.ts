// A configuration mistake the operator must fix before the server starts. The message names
// the file and line, says what is wrong and how to fix it:
//
//   users.txt:3: unknown permission letter(s) "x" in "elrx" (fix: use letters from elradfmwMT)

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${file}${line > 0 ? `:${line}` : ""}: ${problem} (fix: ${fix})`);
  }
}

/**
 * A part of the server that a lesson asks you to write, and that is not written yet: main.ts
 * prints its message (no stack trace) and exits with code 2.
 */
export class NotWrittenYet extends Error {}
