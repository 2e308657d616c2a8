// One user on the command line, in the users file's order of fields, joined by colons:
//
//   --user anna:s3cret:elradfmwMT:/srv/ftp/anna     -> anna, password s3cret, every permission
//   --user guest:guest:elr:./pub                    -> read-only, home relative to the current folder
//
// The home comes last so that it may itself contain colons. Handy for tests and quick
// setups; a users file (--users) is the better home for more than a couple of users, because
// a password on the command line is visible to other users of the machine (ps).

import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ALL_PERMS, unknownPermLetters } from "./permissions.ts";
//> 1 user-spec-hash-import
import { checkerFor, isStoredHash } from "./password-hash.ts";
//<

export interface UserSpec {
  name: string;
  password: string;
  perms: string;
  home: string;
}

/** Parses one --user value; throws an Error whose message says what to write instead. */
export function parseUserSpec(text: string): UserSpec {
  const example = "write --user NAME:PASSWORD:PERMS:HOME, e.g. --user anna:s3cret:elradfmwMT:/srv/ftp/anna";
  const m = /^([^:\s]+):([^:]*):([^:]*):(.+)$/.exec(text);
  if (!m) throw new Error(`--user ${JSON.stringify(text)}: expected 4 fields separated by ':'; ${example}`);
  const [, name, password, perms, home] = m as unknown as [string, string, string, string, string];
//> 1 user-spec-letters
  // A typo like "elrW" must stop the server, not quietly mean "no upload".
  const bad = unknownPermLetters(perms);
  if (bad.length) throw new Error(`--user ${name}: unknown permission letter(s) "${bad.join("")}"; use letters from ${ALL_PERMS}`);
//<
//> 1 user-spec-hash
  if (isStoredHash(password)) {
    try {
      checkerFor(password);
    } catch (err) {
      throw new Error(`--user ${name}: the password hash is not usable: ${(err as Error).message}`);
    }
  }
//<
  const absolute = resolve(home);
  if (!(existsSync(absolute) && statSync(absolute).isDirectory())) {
    throw new Error(`--user ${name}: home folder ${absolute} does not exist or is not a folder; create it, or fix the path`);
  }
  return { name, password, perms, home: absolute };
}
