// Walks a folder entry by entry without reading it whole into memory, and stats the entries
// a batch at a time (in parallel, in order). A symbolic link is shown as what it points to
// when that is inside the home; a link that leads outside (or nowhere) is shown as a bare
// link, without its target, so a listing never reveals the world outside the home.

import type { Stats } from "node:fs";
import { lstat, opendir, realpath, stat } from "node:fs/promises";
import type { Jail } from "../fs/jail.ts";

export interface Entry {
  /** The raw name bytes, as the file system has them. */
  name: Buffer;
  stats: Stats;
}

const BATCH = 64;

export async function* folderEntries(real: string, jail: Jail): AsyncGenerator<Entry[]> {
  // Names as bytes: a name that is not valid UTF-8 is still listed (the codec decides).
  const dir = await opendir(real, { encoding: "buffer" as BufferEncoding, bufferSize: BATCH });
  const prefix = real.endsWith("/") ? real : `${real}/`;
  let names: Buffer[] = [];
  try {
    for await (const dirent of dir) {
      names.push(dirent.name as unknown as Buffer);
      if (names.length === BATCH) {
        yield await statAll(prefix, names, jail);
        names = [];
      }
    }
    if (names.length) yield await statAll(prefix, names, jail);
  } finally {
    // for-await closes the Dir when the loop ends; nothing more to do here.
  }
}

async function statAll(prefix: string, names: Buffer[], jail: Jail): Promise<Entry[]> {
  const results = await Promise.all(names.map((name) => entryStats(Buffer.concat([Buffer.from(prefix), name]), jail)));
  const entries: Entry[] = [];
  results.forEach((stats, i) => {
    // An entry that vanished between readdir and stat is simply skipped.
    if (stats) entries.push({ name: names[i]!, stats });
  });
  return entries;
}

export async function entryStats(path: Buffer | string, jail: Jail): Promise<Stats | null> {
  try {
    const st = await lstat(path);
    if (!st.isSymbolicLink()) return st;
    const target = await realpath(path).catch(() => null);
    if (target && jail.contains(target)) return await stat(path);
    return st;
  } catch {
    return null;
  }
}
