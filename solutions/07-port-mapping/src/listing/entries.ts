// Walks a folder entry by entry without reading it whole into memory, and stats the entries
// a batch at a time (in parallel, in order). A symbolic link is shown as what it points to
// when that is inside the home; a link that leads outside (or nowhere) is shown as a bare
// link, without its target, so a listing never reveals the world outside the home.

import { lstat as lstatCallback, type Stats } from "node:fs";
import { opendir, realpath, stat } from "node:fs/promises";
import type { Jail } from "../fs/jail.ts";

export interface Entry {
  /** The raw name bytes, as the file system has them. */
  name: Buffer;
  stats: Stats;
}

/** Names stat'ed at once: enough to keep the thread pool busy, few enough to start sending soon. */
const BATCH = 64;

export async function* folderEntries(real: string, jail: Jail): AsyncGenerator<Entry[]> {
  // Names as bytes: a name that is not valid UTF-8 is still listed (the codec decides).
  const dir = await opendir(real, { encoding: "buffer" as BufferEncoding, bufferSize: 256 });
  const prefix = Buffer.from(real.endsWith("/") ? real : `${real}/`);
  let names: Buffer[] = [];
  // for-await closes the Dir when the loop ends, also when the client goes away.
  for await (const dirent of dir) {
    names.push(dirent.name as unknown as Buffer);
    if (names.length === BATCH) {
      yield await statAll(prefix, names, jail);
      names = [];
    }
  }
  if (names.length) yield await statAll(prefix, names, jail);
}

/**
 * lstat of every name at once, in order. One promise for the batch rather than one per name:
 * with 10,000 entries the promises cost more than the system calls.
 */
function lstatAll(paths: Buffer[]): Promise<Array<Stats | null>> {
  return new Promise((resolve) => {
    const out: Array<Stats | null> = new Array(paths.length).fill(null);
    let left = paths.length;
    paths.forEach((path, i) =>
      lstatCallback(path, (err, st) => {
        if (!err) out[i] = st;
        if (--left === 0) resolve(out);
      }),
    );
  });
}

async function statAll(prefix: Buffer, names: Buffer[], jail: Jail): Promise<Entry[]> {
  const paths = names.map((name) => Buffer.concat([prefix, name]));
  const stats = await lstatAll(paths);
  const entries: Entry[] = [];
  for (let i = 0; i < names.length; i++) {
    let st = stats[i];
    // An entry that vanished between readdir and stat is simply skipped.
    if (!st) continue;
    if (st.isSymbolicLink()) st = (await linkStats(paths[i]!, st, jail)) ?? st;
    entries.push({ name: names[i]!, stats: st });
  }
  return entries;
}

/** A link is shown as what it points to when that is inside the home, else as a bare link. */
async function linkStats(path: Buffer | string, linkStat: Stats, jail: Jail): Promise<Stats | null> {
  const target = await realpath(path).catch(() => null);
  if (target && jail.contains(target)) return stat(path).catch(() => linkStat);
  return linkStat;
}

export async function entryStats(path: Buffer | string, jail: Jail): Promise<Stats | null> {
  const [st] = await lstatAll([typeof path === "string" ? Buffer.from(path) : path]);
  if (!st) return null;
  return st.isSymbolicLink() ? linkStats(path, st, jail) : st;
}
