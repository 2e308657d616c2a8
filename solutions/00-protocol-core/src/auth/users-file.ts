// The users file, in the seeds' format: one user per line, fields separated by spaces.
//
//   # name      password   perms        home
//   anna        s3cret     elradfmwMT   /srv/ftp/anna
//   anonymous   -          elr          /srv/ftp/pub
//
// Blank lines and lines starting with # are skipped. The home may contain spaces (it is the
// rest of the line) and may be relative to the users file's folder. A line for "anonymous"
// turns anonymous login on; its password field is ignored.

import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { VirtualUsers } from "./authorizer.ts";
import { ALL_PERMS, unknownPermLetters } from "./permissions.ts";
import { ConfigError } from "../config-error.ts";

export interface UserLine {
  name: string;
  password: string;
  perms: string;
  home: string;
  line: number;
}

/**
 *   parseUsersFile("# team\nanna s3cret elr /srv/anna\n", "users.txt")
 *     -> [{ name: "anna", password: "s3cret", perms: "elr", home: "/srv/anna", line: 2 }]
 *   parseUsersFile("anna s3cret elr\n", "users.txt")
 *     -> throws ConfigError "users.txt:1: expected 4 fields ... (fix: write e.g. ...)"
 */
export function parseUsersFile(text: string, file: string): UserLine[] {
  const users: UserLine[] = [];
  return users;
}

/** Reads a users file into an authorizer, checking that every home folder exists. */
export function loadUsersFile(file: string, into = new VirtualUsers()): VirtualUsers {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, 0, `cannot read the users file (${(err as NodeJS.ErrnoException).code ?? err})`, "check the path given to --users");
  }
  for (const user of parseUsersFile(text, file)) {
  }
  return into;
}
