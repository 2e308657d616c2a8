//> final quota
// Disk quotas: how much a user may store in its home, and how much a folder may hold
// (xxftp's per-folder size limit), as an operator writes them in ftpd.ini:
//
//   [limits]
//   quota = 1G                            every account's home (0: none)
//   user_quota = anna=10G; guest=100M     per user, instead of `quota`
//   folder_quota = pub/drop=500M          a folder, whoever writes there
//
// An upload that would go past a limit is cut at once with 552 and leaves nothing beyond
// the limit behind (a new file is removed, an appended one shrinks back). Usage is counted
// once per folder (the first time a session needs it) and then kept up to date by every
// upload, delete and rename; walking a whole home before every STOR, as the seeds' servers
// do, gets slower with every file the user owns. With `quota_usage_file` the counts are
// saved, so a restart does not walk the homes again.

import { lstat, opendir, readFile, rename, writeFile } from "node:fs/promises";
import { sep } from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { FtpError } from "./protocol/reply.ts";

export interface QuotaSettings {
  /** Bytes per home for every account (0: none). */
  defaultQuota: number;
  /** Bytes per home by user name. */
  userQuota: ReadonlyMap<string, number>;
  /** Bytes per folder, by absolute real path. */
  folderQuota: ReadonlyMap<string, number>;
  /** Where usage counts are saved between runs (none: counted again after a restart). */
  usageFile?: string;
}

/** One limit that applies to a path: the folder it counts and how much it may hold. */
export interface Limit {
  root: string;
  bytes: number;
}

/** "12.3 MB": sizes for people. */
export function formatSize(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The total size of the regular files under `root` (links are not followed). */
async function walkSize(root: string): Promise<number> {
  let total = 0;
  const folders = [root];
  while (folders.length > 0) {
    const folder = folders.pop()!;
    let dir;
    try {
      dir = await opendir(folder);
    } catch {
      continue; // gone or unreadable: it holds nothing we can count
    }
    for await (const entry of dir) {
      const path = folder + sep + entry.name;
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile()) total += await lstat(path).then((st) => st.size, () => 0);
    }
  }
  return total;
}

export class Quotas {
  private readonly usage = new Map<string, Promise<number>>();
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly settings: QuotaSettings) {}

  /** Loads saved usage counts, if there is a usage file (a missing one is fine: first run). */
  async load(): Promise<void> {
    if (!this.settings.usageFile) return;
    let saved: Record<string, unknown>;
    try {
      saved = JSON.parse(await readFile(this.settings.usageFile, "utf8")) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const [root, bytes] of Object.entries(saved)) {
      if (typeof bytes === "number" && Number.isFinite(bytes) && bytes >= 0) this.usage.set(root, Promise.resolve(bytes));
    }
  }

  /** The limits on writing at `real` for a user whose home is `home`. */
  limitsFor(user: string, home: string, real: string): Limit[] {
    const limits: Limit[] = [];
    const own = this.settings.userQuota.get(user) ?? this.settings.defaultQuota;
    if (own > 0) limits.push({ root: home, bytes: own });
    for (const [folder, bytes] of this.settings.folderQuota) if (inside(real, folder)) limits.push({ root: folder, bytes });
    return limits;
  }

  /** Every limit a user meets anywhere in its home (for SITE QUOTA). */
  limitsSeenBy(user: string, home: string): Limit[] {
    const limits = this.limitsFor(user, home, home);
    for (const [folder, bytes] of this.settings.folderQuota) if (inside(folder, home) && folder !== home) limits.push({ root: folder, bytes });
    return limits;
  }

  used(root: string): Promise<number> {
    let known = this.usage.get(root);
    if (!known) {
      known = walkSize(root);
      this.usage.set(root, known);
    }
    return known;
  }

  /** Bytes that may still be written under every limit (Infinity: no limit applies). */
  async room(limits: readonly Limit[]): Promise<number> {
    let room = Number.POSITIVE_INFINITY;
    for (const limit of limits) room = Math.min(room, limit.bytes - (await this.used(limit.root)));
    return room;
  }

  /** A file at `real` grew (or shrank, negative) by `delta` bytes: update every count it is in. */
  changed(real: string, delta: number): void {
    if (delta === 0) return;
    for (const [root, known] of this.usage) {
      if (inside(real, root)) this.usage.set(root, known.then((bytes) => Math.max(0, bytes + delta)));
    }
    this.scheduleSave();
  }

  /** A folder moved or vanished in a way we did not count: count the affected roots again. */
  forget(real: string): void {
    for (const root of [...this.usage.keys()]) if (inside(real, root) || inside(root, real)) this.usage.delete(root);
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (!this.settings.usageFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => void this.save(), 500);
    this.saveTimer.unref();
  }

  /** Writes the counts (atomically: a crash never leaves half a file). */
  async save(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const file = this.settings.usageFile;
    if (!file) return;
    const counts: Record<string, number> = {};
    for (const [root, known] of this.usage) counts[root] = await known;
    await writeFile(`${file}.tmp`, `${JSON.stringify(counts, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }
}

/**
 * Counts the bytes of an upload and fails it with 552 as soon as they would pass `room`.
 * Nothing past the limit is ever written: the chunk that crosses it is not passed on.
 */
export class QuotaGuard extends Transform {
  bytes = 0;

  constructor(private readonly room: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.room) return done(new FtpError(552, "Quota exceeded: the upload would go past your storage limit."));
    done(null, chunk);
  }
}
//<
