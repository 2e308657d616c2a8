// Wildcards for mget and mput: *, ? and [abc] in the last part of a path.
//
//   hasWildcards("docs/*.md")          -> true
//   splitGlob("docs/*.md")             -> { dir: "docs", pattern: "*.md" }
//   globMatcher("*.md")("notes.md")    -> true;   globMatcher("*.md")(".hidden.md") -> false
//   globMatcher("report-?.[ct]xt")("report-1.txt") -> true
//
// As in a shell, * does not match a leading dot, and wildcards in folder names are not
// expanded (mget */*.txt is not supported: say mget docs/*.txt).

export function hasWildcards(text: string): boolean {
  return /[*?[]/.test(text);
}

export function splitGlob(path: string): { dir: string; pattern: string } {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? { dir: "", pattern: path } : { dir: path.slice(0, slash) || "/", pattern: path.slice(slash + 1) };
}

export function globMatcher(pattern: string): (name: string) => boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end === -1) re += "\\[";
      else {
        let body = pattern.slice(i + 1, end);
        const negate = body.startsWith("!") || body.startsWith("^");
        if (negate) body = body.slice(1);
        re += `[${negate ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
        i = end;
      }
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  const regex = new RegExp(`^${re}$`);
  const dotOk = pattern.startsWith(".");
  return (name) => (dotOk || !name.startsWith(".")) && regex.test(name);
}

/** Join a folder from splitGlob and a name: ("", "a") -> "a", ("docs", "a") -> "docs/a", ("/", "a") -> "/a". */
export function joinPath(dir: string, name: string): string {
  return dir === "" ? name : dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}
