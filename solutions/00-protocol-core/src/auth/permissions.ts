// Permission letters, as pyftpdlib spells them. A user's permissions are a string of them:
//
//   "elr"         read-only: change folder, list, download (the anonymous default)
//   "elradfmwMT"  everything
//
// Read letters:  e = change folder (CWD, CDUP)   l = list (LIST, NLST, MLSD, MLST, STAT, SIZE, MDTM)
//                r = download (RETR)
// Write letters: a = append (APPE)   d = delete (DELE, RMD)   f = rename (RNFR, RNTO)
//                m = make folder (MKD)   w = upload (STOR, STOU)   M = change mode (SITE CHMOD)
//                T = change modification time (MFMT)

import { unknownLetters } from "../config/values.ts";
export const READ_PERMS = "elr";
export const WRITE_PERMS = "adfmwMT";
export const ALL_PERMS = READ_PERMS + WRITE_PERMS;

export type PermLetter = "e" | "l" | "r" | "a" | "d" | "f" | "m" | "w" | "M" | "T";

export class Permissions {
  private readonly letters: ReadonlySet<string>;

  constructor(readonly text: string) {
    this.letters = new Set(text);
  }

  /**
   * May this user do `letter` at `virtualPath`? The path is not used yet; it is the hook for
   * per-folder permissions, so that every check already passes through here.
   */
  allows(letter: PermLetter, _virtualPath: string): boolean {
    return true;
  }

  get canWrite(): boolean {
    return [...WRITE_PERMS].some((c) => this.letters.has(c));
  }
}
