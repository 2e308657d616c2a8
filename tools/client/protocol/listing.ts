// Folder listings for programs: names and types out of MLSD, LIST or NLST output.
//
//   MLSD (RFC 3659, exact):  "type=dir;modify=20240101120000; docs"            -> { name: "docs", type: "dir" }
//                            "type=file;size=6;modify=20240101120000; a.txt"   -> { name: "a.txt", type: "file", size: 6 }
//   LIST (for people, guessed): "-rw-r--r-- 1 ftp ftp 6 Jan 01 12:00 a.txt"   -> { name: "a.txt", type: "file", size: 6 }
//                            "01-01-24  12:00PM  <DIR>  docs"  (Windows style)  -> { name: "docs", type: "dir" }
//   NLST (names only):       "a.txt"                                           -> { name: "a.txt", type: "unknown" }
//
// LIST has no standard format, which is exactly why MLSD was invented; the client uses MLSD
// when FEAT lists MLST, and reads LIST only to show it.

export interface Entry {
  name: string;
  type: "file" | "dir" | "link" | "unknown";
  size?: number;
}

const lines = (text: string) => text.split(/\r?\n/).filter((l) => l.length > 0);

export function parseMlsd(text: string): Entry[] {
  const out: Entry[] = [];
  for (const line of lines(text)) {
    const space = line.indexOf(" ");
    if (space === -1) continue;
    const facts = new Map<string, string>();
    for (const fact of line.slice(0, space).split(";")) {
      const eq = fact.indexOf("=");
      if (eq > 0) facts.set(fact.slice(0, eq).toLowerCase(), fact.slice(eq + 1));
    }
    const name = line.slice(space + 1);
    const type = (facts.get("type") ?? "").toLowerCase();
    if (type === "cdir" || type === "pdir" || name === "." || name === "..") continue;
    const size = facts.has("size") ? Number(facts.get("size")) : undefined;
    out.push({
      name,
      type: type === "dir" ? "dir" : type === "file" ? "file" : type.startsWith("os.unix=symlink") || type === "os.unix=slink" ? "link" : "unknown",
      ...(size !== undefined && Number.isFinite(size) ? { size } : {}),
    });
  }
  return out;
}

const UNIX = /^([-dlbcps])[-rwxsStTl+.@]{9,10}\s+\d+\s+\S+(?:\s+\S+)?\s+(\d+)\s+(\w{3}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4}))\s(.+)$/;
const DOS = /^\d{2}-\d{2}-\d{2,4}\s+\d{1,2}:\d{2}(?:AM|PM)?\s+(<DIR>|\d+)\s+(.+)$/i;

export function parseList(text: string): Entry[] {
  const out: Entry[] = [];
  for (const line of lines(text)) {
    const unix = UNIX.exec(line);
    if (unix) {
      const kind = unix[1]!;
      let name = unix[4]!;
      if (kind === "l") name = name.replace(/ -> .*$/, "");
      if (name === "." || name === "..") continue;
      out.push({ name, type: kind === "d" ? "dir" : kind === "l" ? "link" : kind === "-" ? "file" : "unknown", size: Number(unix[2]) });
      continue;
    }
    const dos = DOS.exec(line);
    if (dos) out.push(dos[1]!.toUpperCase() === "<DIR>" ? { name: dos[2]!, type: "dir" } : { name: dos[2]!, type: "file", size: Number(dos[1]) });
  }
  return out;
}

export function parseNlst(text: string): Entry[] {
  // Some servers answer NLST with paths ("docs/a.txt" for NLST docs): keep the last part.
  return lines(text).map((l) => ({ name: l.replace(/^.*\//, ""), type: "unknown" as const })).filter((e) => e.name !== "." && e.name !== "..");
}
