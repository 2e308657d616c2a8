//> 0 permissions
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
//> final folder-permissions-import
import { under } from "../fs/virtual-folders.ts";

//<
export const READ_PERMS = "elr";
export const WRITE_PERMS = "adfmwMT";
export const ALL_PERMS = READ_PERMS + WRITE_PERMS;

export type PermLetter = "e" | "l" | "r" | "a" | "d" | "f" | "m" | "w" | "M" | "T";

export class Permissions {
  private readonly letters: ReadonlySet<string>;

  constructor(readonly text: string) {
//> 1 check-letters
    const bad = unknownLetters(text);
    if (bad.length) throw new Error(`unknown permission letter(s) ${bad.join("")}; use letters from ${ALL_PERMS}`);
//<
    this.letters = new Set(text);
  }

  /**
   * May this user do `letter` at `virtualPath`? The path is not used yet; it is the hook for
   * per-folder permissions, so that every check already passes through here.
   */
  allows(letter: PermLetter, _virtualPath: string): boolean {
//> final folder-permissions-check
    // Per-folder letters (virtual folders, folder_permissions): the deepest folder wins.
    const own = this.overrideFor(_virtualPath);
    if (own) return own.has(letter);
//<
//> 0-1 allow-everything
    //- return true;
//<
//> 1 allows
    return this.letters.has(letter);
//<
  }

//> final folder-permissions
  private readonly overrides: Array<{ vpath: string; letters: ReadonlySet<string> }> = [];

  /** Gives the folder `vpath` (and everything in it) its own letters. */
  override(vpath: string, letters: string): void {
    const bad = unknownLetters(letters);
    if (bad.length) throw new Error(`unknown permission letter(s) ${bad.join("")} for ${vpath}; use letters from ${ALL_PERMS}`);
    this.overrides.push({ vpath, letters: new Set(letters) });
    this.overrides.sort((a, b) => b.vpath.length - a.vpath.length); // deepest first
  }

  private overrideFor(vpath: string): ReadonlySet<string> | undefined {
    return this.overrides.find((o) => under(vpath, o.vpath))?.letters;
  }

  /**
   * Is `vpath` a folder with letters of its own (or a virtual folder), or does it hold one?
   * Such a folder is not renamed, and no rename may create it: the rules follow paths, so
   * `RNFR pub` + `RNTO pub2` would free `/pub/archive` from its read-only rule, and an RNTO to
   * `/pub` would put other files under it.
   */
  holdsRule(vpath: string): boolean {
    return vpath !== "/" && this.overrides.some((o) => under(o.vpath, vpath));
  }

//<
  get canWrite(): boolean {
    return [...WRITE_PERMS].some((c) => this.letters.has(c));
  }
}
//<
