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
import { unknownLetters } from "../config/values.ts";
import { ALL_PERMS } from "./permissions.ts";
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
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const fields = /^(\S+)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(trimmed);
    if (!fields) {
      throw new ConfigError(
        file,
        line,
        `expected 4 fields (name password perms home), found ${trimmed.split(/\s+/).length}`,
        "write e.g. `anna s3cret elradfmwMT /srv/ftp/anna`",
      );
    }
    const [, name, password, perms, home] = fields as unknown as [string, string, string, string, string];
    const bad = unknownLetters(perms);
    if (bad.length) {
      throw new ConfigError(file, line, `unknown permission letter(s) "${bad.join("")}" in "${perms}"`, `use letters from ${ALL_PERMS}`);
    }
    // "anonymous", "Anonymous" and "ftp" are all the one anonymous account.
    const key = ["anonymous", "ftp"].includes(name.toLowerCase()) ? "anonymous" : name;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new ConfigError(file, line, `user "${name}" is already defined on line ${first}`, "keep one line per user");
    }
    seen.set(key, line);
    users.push({ name, password, perms, home, line });
  });
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
    // A relative home is relative to the users file's folder, so file and homes move together.
    const home = resolve(dirname(file), user.home);
    let isDir = false;
    try {
      isDir = statSync(home).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      throw new ConfigError(file, user.line, `home folder ${home} of user "${user.name}" does not exist or is not a folder`, "create it, or fix the path");
    }
    into.addUser(user.name, user.password, home, user.perms);
  }
  return into;
}
