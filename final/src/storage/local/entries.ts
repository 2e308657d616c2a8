//> 0 local-entries
// Walks a folder entry by entry without reading it whole into memory, and stats the entries
// a batch at a time, in order. A symbolic link is shown as what it points to when that is
// inside the home; a link that leads outside (or nowhere) is shown as a bare link, without its
// target, so a listing never reveals the world outside the home.
//
// Two ways to walk, chosen by the folder's file system:
//   local disk (ext4, xfs, btrfs, tmpfs, ...)   synchronous calls in slices of at most 4 ms,
//                                               the event loop free between slices
//   network or FUSE (nfs, cifs, sshfs, ...)     every call in the thread pool
// Each call sent to the thread pool costs 10-20 microseconds of hand-over (measured here,
// 2 cores), several times the lstat itself when the metadata is cached: 10,000 entries took
// 35-55 ms that way and 25 ms synchronously. But a synchronous call on a hung network mount
// would stop the whole server, so only local file systems get the fast way, and a slice
// stops at 4 ms even on a cold, slow disk.

import { lstat as lstatCallback, lstatSync, type Dir, type Stats } from "node:fs";
import { opendir, realpath, stat, statfs } from "node:fs/promises";
import type { Jail } from "../../fs/jail.ts";
import { diskPath, encodeName } from "../../fs/byte-names.ts";

export interface Entry {
  /** The raw name bytes, as the file system has them. */
  name: Buffer;
  stats: Stats;
}

/** Names stat'ed at once: enough to keep the thread pool busy, few enough to start sending soon. */
const BATCH = 64;

/** How to walk: by the file system ("auto"), or one way for sure (tests compare the two). */
export type Walk = "auto" | "slices" | "thread-pool";

export async function* folderEntries(real: string, jail: Jail, walk: Walk = "auto"): AsyncGenerator<Entry[]> {
  const local = walk === "auto" ? await isLocalDisk(real) : walk === "slices";
  // Names as bytes: a name that is not valid UTF-8 is still listed (the codec decides).
  const dir = await opendir(diskPath(real), { encoding: "buffer" as BufferEncoding, bufferSize: 256 });
  const prefix = encodeName(real.endsWith("/") ? real : `${real}/`);
  if (local) {
    try {
      yield* inSlices(dir, prefix, jail);
    } finally {
      await dir.close().catch(() => {}); // also when the client went away mid-listing
    }
    return;
  }
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

/** A slice of the synchronous walk ends after this long (or this many entries). */
const SLICE_MS = 4;
const SLICE_ENTRIES = 256;

/** The local-disk walk: readdir and lstat synchronously, a slice at a time. */
async function* inSlices(dir: Dir, prefix: Buffer, jail: Jail): AsyncGenerator<Entry[]> {
  for (;;) {
    const started = performance.now();
    const batch: Entry[] = [];
    let links: number[] | null = null;
    let done = false;
    while (batch.length < SLICE_ENTRIES && performance.now() - started < SLICE_MS) {
      const dirent = dir.readSync();
      if (!dirent) {
        done = true;
        break;
      }
      const name = dirent.name as unknown as Buffer;
      const st = lstatOrNull(Buffer.concat([prefix, name]));
      // An entry that vanished between readdir and stat is simply skipped.
      if (!st) continue;
      if (st.isSymbolicLink()) (links ??= []).push(batch.length);
      batch.push({ name, stats: st });
    }
    // Links are rare: followed the careful way (realpath, then stat), off the event loop.
    for (const i of links ?? []) {
      const entry = batch[i]!;
      entry.stats = (await linkStats(Buffer.concat([prefix, entry.name]), entry.stats, jail)) ?? entry.stats;
    }
    if (batch.length > 0) yield batch;
    if (done) return;
    await new Promise((resolve) => setImmediate(resolve)); // let the other sessions run
  }
}

function lstatOrNull(path: Buffer): Stats | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null; // EACCES and the like: not listed, as in the thread-pool walk
  }
}

/** statfs(2) magic numbers of file systems on local storage (or in memory). */
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x858458f6, // ramfs
  0x794c7630, // overlayfs (containers)
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
  0x3153464a, // jfs
  0x52654973, // reiserfs
]);

async function isLocalDisk(path: string): Promise<boolean> {
  try {
    return LOCAL_FILE_SYSTEMS.has((await statfs(diskPath(path))).type);
  } catch {
    return false;
  }
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
//<
