//> final wildcard
// Wildcards in LIST, NLST and STAT arguments, for the classic clients' `mget *.txt` (it sends
// "NLST *.txt", then RETRs each name it gets back) and Python's ftplib `nlst("*.txt")`:
//
//   NLST *.txt        a.txt, b.txt           (never .hidden.txt: * skips a leading dot)
//   NLST sub/?.txt    sub/x.txt              (NLST names carry the folder as it was sent)
//   LIST -l [ab]*     ls -l lines of the matches
//
// `*` (any run), `?` (one character), `[abc]`, `[a-z]`, `[!a]` / `[^a]` (one of, or none of
// a set), in the LAST path component only: the folder part is an ordinary path, resolved in
// the jail like any other, and the pattern is matched against that one folder's entries, so it
// can never name anything outside it. A name that starts with "." matches only a pattern that
// starts with "." (as in a shell). A name that exists as written, "*" and all, is that file.
// A pattern that matches nothing gives an empty listing and 226, as vsftpd does.
//
// The matcher backtracks only to the last `*` it passed, so a pattern costs at most
// (pattern length x name length) steps per name, whatever it holds: no exponential blow-up
// from "*a*a*a*a*b" (vsftpd's CVE-2011-0762 was a glob matcher without such a bound).

import { checkedPath } from "../fs/open-path.ts";
import { resolveVirtual, virtualBasename, virtualDirname } from "../fs/virtual-path.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import type { FileInfo } from "../storage/storage.ts";

/** A pattern's folder, checked by the storage, and how to pick and show its entries. */
export interface WildcardTarget {
  vpath: string;
  info: FileInfo;
  matches(name: string): boolean;
  /** What NLST puts before each name: the folder part of the argument as sent ("sub/", or ""). */
  prefix: string;
}

/**
 * If the last component of `target` is a pattern and no file is named so, the folder to list
 * and the matcher; otherwise null (list `target` as usual).
 */
export async function wildcardTarget(s: Session, target: string): Promise<WildcardTarget | null> {
  const slash = target.lastIndexOf("/");
  if (!isPattern(target.slice(slash + 1))) return null;
  // A name that exists as written is that name, not a pattern.
  const exists = await (async () => s.storage!.stat(checkedPath(s, target, "l")))().then(
    () => true,
    () => false,
  );
  if (exists) return null;
  // resolveVirtual refuses what it always refuses (NUL, a climb out of the home) and undoes
  // CR NUL; the pattern is then the last component, the folder everything before it.
  const full = resolveVirtual(s.cwd, target);
  const pattern = virtualBasename(full);
  // Listing needs "l" on the folder, for STAT as for LIST and NLST.
  // The storage reads the folder through itself, held open, when it is listed.
  const vpath = checkedPath(s, virtualDirname(full), "l");
  const info = await s.storage!.stat(vpath);
  if (info.kind !== "folder") throw new FtpError(550, `${vpath}: not a folder.`);
  return { vpath, info, matches: globMatcher(pattern), prefix: slash === -1 ? "" : target.slice(0, slash + 1) };
}

/** Does this path component hold a wildcard (*, ?, or a [set] that is closed)? */
export function isPattern(component: string): boolean {
  if (component.includes("*") || component.includes("?")) return true;
  const open = component.indexOf("[");
  return open !== -1 && component.indexOf("]", open + 2) !== -1;
}

type Token = { kind: "star" } | { kind: "any" } | { kind: "char"; char: string } | { kind: "set"; negated: boolean; items: Array<[string, string]> };

/** Pattern -> tokens, by code point; a "[" without its "]" is an ordinary character. */
function tokenize(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "*") {
      if (tokens.at(-1)?.kind !== "star") tokens.push({ kind: "star" });
    } else if (c === "?") {
      tokens.push({ kind: "any" });
    } else if (c === "[") {
      const set = readSet(chars, i + 1);
      if (set) {
        tokens.push(set.token);
        i = set.end;
      } else tokens.push({ kind: "char", char: c });
    } else tokens.push({ kind: "char", char: c });
  }
  return tokens;
}

/** A [set] starting after its "[": its token and the index of its "]", or null if unclosed. */
function readSet(chars: string[], start: number): { token: Token; end: number } | null {
  let i = start;
  const negated = chars[i] === "!" || chars[i] === "^";
  if (negated) i++;
  const items: Array<[string, string]> = [];
  // A "]" right at the start is a member, not the end.
  for (let first = true; i < chars.length; first = false) {
    const c = chars[i]!;
    if (c === "]" && !first) return { token: { kind: "set", negated, items }, end: i };
    if (chars[i + 1] === "-" && i + 2 < chars.length && chars[i + 2] !== "]") {
      items.push([c, chars[i + 2]!]);
      i += 3;
    } else {
      items.push([c, c]);
      i += 1;
    }
  }
  return null;
}

function matchesOne(token: Token, c: string): boolean {
  if (token.kind === "any") return true;
  if (token.kind === "char") return token.char === c;
  if (token.kind === "set") {
    const cp = c.codePointAt(0)!;
    const inSet = token.items.some(([lo, hi]) => cp >= lo.codePointAt(0)! && cp <= hi.codePointAt(0)!);
    return inSet !== token.negated;
  }
  return false;
}

/** A name -> matches? function for one pattern. */
export function globMatcher(pattern: string): (name: string) => boolean {
  const tokens = tokenize(pattern);
  const fixed = tokens.filter((t) => t.kind !== "star").length;
  const leadingDot = tokens[0]?.kind === "char" && tokens[0].char === ".";
  return (name) => {
    if (name.startsWith(".") && !leadingDot) return false;
    const chars = Array.from(name);
    if (fixed > chars.length) return false;
    let t = 0;
    let n = 0;
    // Where to resume after the last star: the token after it, and the name position it took.
    let starT = -1;
    let starN = 0;
    while (n < chars.length) {
      const token = tokens[t];
      if (token && token.kind !== "star" && matchesOne(token, chars[n]!)) {
        t++;
        n++;
      } else if (token?.kind === "star") {
        starT = ++t;
        starN = n;
      } else if (starT !== -1) {
        // Let the last star take one more character, and try again from there.
        t = starT;
        n = ++starN;
      } else return false;
    }
    while (tokens[t]?.kind === "star") t++;
    return t === tokens.length;
  };
}
//<
