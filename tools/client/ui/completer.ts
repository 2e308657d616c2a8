// Tab completion for the shell (node:readline calls it with the line up to the cursor).
//
//   "ge<TAB>"             -> "get "
//   "get rep<TAB>"        -> "get report.pdf "       (names from an MLSD of the current folder)
//   "cd do<TAB>"          -> "cd docs/"              (only folders for cd, mkdir, rmdir)
//   "get docs/re<TAB>"    -> "get docs/readme.md "   (MLSD docs)
//   "put ~/no<TAB>"       -> local names for put and lcd
//   "get my<TAB>"         -> "get my\ file.txt "     (quoted so that it splits back into one word)
//
// Listings are kept for a few seconds (pressing TAB twice must not list twice) and forgotten
// after a command that changes something on the server.

import { readdir } from "node:fs/promises";
import type { CommandContext } from "../commands/context.ts";
import { COMMANDS, findCommand } from "../commands/table.ts";
import type { Entry } from "../protocol/listing.ts";
import { quoteWord, split, type Word } from "./words.ts";

export type Completer = (line: string, callback: (err: null, result: [string[], string]) => void) => void;

const TTL_MS = 15_000;
const listings = new Map<string, { at: number; entries: Entry[] }>();

export function forgetListings(): void {
  listings.clear();
}

async function remoteEntries(ctx: CommandContext, dir: string): Promise<Entry[]> {
  const key = `${ctx.session.cwd}\0${dir}`;
  const cached = listings.get(key);
  if (cached && Date.now() - cached.at < TTL_MS) return cached.entries;
  const path = dir === "" ? undefined : dir === "/" ? "/" : dir.replace(/\/$/, "");
  const entries = await ctx.session.quietly(() => ctx.session.entries(path));
  listings.set(key, { at: Date.now(), entries });
  return entries;
}

async function localEntries(dir: string): Promise<Entry[]> {
  const found = await readdir(dir === "" ? "." : dir, { withFileTypes: true });
  return found.map((d) => ({ name: d.name, type: d.isDirectory() ? "dir" : "file" }));
}

async function names(ctx: CommandContext, value: string, where: "remote" | "local", foldersOnly: boolean): Promise<string[]> {
  const slash = value.lastIndexOf("/");
  const dir = slash === -1 ? "" : value.slice(0, slash + 1);
  const base = value.slice(slash + 1);
  const entries = where === "remote" ? await remoteEntries(ctx, dir) : await localEntries(dir);
  return entries
    .filter((e) => e.name.startsWith(base) && (base !== "" || !e.name.startsWith(".")))
    .filter((e) => !foldersOnly || e.type !== "file")
    .map((e) => `${dir}${e.name}${e.type === "dir" ? "/" : ""}`)
    .sort();
}

/** As the user would type it: with a backslash before spaces, or inside the quote they opened. */
function typed(candidate: string, current: Word): string {
  const q = current.raw[0];
  if (q === '"' || q === "'") return q + candidate.replace(new RegExp(q, "g"), q === '"' ? '\\"' : "'\\''");
  return quoteWord(candidate);
}

export async function complete(ctx: CommandContext, line: string): Promise<[string[], string]> {
  const s = split(line);
  const words = s.commands[s.commands.length - 1] ?? [];
  const fresh = s.endsBetweenWords || words.length === 0;
  const current: Word = fresh ? { value: "", raw: "", start: line.length } : words[words.length - 1]!;
  const position = fresh ? words.length : words.length - 1;

  let candidates: string[];
  if (position === 0) {
    candidates = COMMANDS.flatMap((c) => c.names).filter((n) => n.startsWith(current.value.toLowerCase())).sort();
  } else {
    const spec = findCommand(words[0]!.value);
    if (!spec) return [[], current.raw];
    const index = words.slice(1, position).filter((w) => !w.value.startsWith("-")).length;
    const kind = index < spec.args.length ? spec.args[index] : spec.repeat ? spec.args[spec.args.length - 1] : undefined;
    if (kind === "remote" || kind === "remote-dir") candidates = await names(ctx, current.value, "remote", kind === "remote-dir");
    else if (kind === "local") candidates = await names(ctx, current.value, "local", false);
    else if (kind === "command") candidates = COMMANDS.map((c) => c.names[0]!).filter((n) => n.startsWith(current.value));
    else candidates = [];
  }
  const shown = candidates.map((c) => typed(c, current));
  // One match that is not a folder: finish the word, like a shell does.
  if (shown.length === 1 && !shown[0]!.endsWith("/")) shown[0] += " ";
  return [shown, current.raw];
}

export function makeCompleter(ctx: CommandContext): Completer {
  return (line, callback) => {
    complete(ctx, line).then(
      (result) => callback(null, result),
      () => callback(null, [[], line]),
    );
  };
}
