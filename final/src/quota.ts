//> final quota
// Disk quotas: how much a user may store in its home, and how much a folder may hold
// (xxftp's per-folder size limit), as an operator writes them in ftpd.ini:
//
//   [limits]
//   quota = 1G                            every account's home (0: none)
//   user_quota = anna=10G; guest=100M     per user, instead of `quota`
//   folder_quota = pub/drop=500M          a folder, whoever writes there
//
// An upload that would go past a limit is cut at once with 552 and leaves nothing behind: a
// new or half-replaced file is removed (with atomic uploads the old file stays), an appended
// one shrinks back to its size before the APPE. Every byte is reserved before it is written,
// from one pool that all sessions share, so uploads side by side cannot pass a limit together.
// A rename that brings a file or folder under a limit it was not under must fit there (552,
// nothing moves); moving out gives the room back. A virtual folder is counted on its own: its
// real folder may hold as much as the user's home quota (whoever's files they are), and a
// folder_quota on it applies as well. A folder with a folder quota, or one holding it, cannot
// be renamed (commands/files.ts), so no rename leaves a rule behind. Usage is counted
// once per folder (the first time a session needs it) and then kept up to date by every
// upload, delete and rename; walking a whole home before every STOR, as the seeds' servers
// do, gets slower with every file the user owns. With `quota_usage_file` the counts are
// saved, so a restart does not walk the homes again. The commands never see any of this:
// storage/quota-layer.ts charges the user's writes, deletes and renames to these counts.

import { lstat, opendir, readFile, rename, writeFile } from "node:fs/promises";
import { sep } from "node:path";
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
  /** A virtual folder's limit: where the user sees it. */
  vpath?: string;
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
  /** Bytes stored under each counted folder (known once its walk is done). */
  private readonly counts = new Map<string, number>();
  /** Folders being counted, with the changes that arrived meanwhile (added at the end). */
  private readonly walks = new Map<string, { pending: number; done: Promise<void> }>();
  /**
   * Bytes promised to uploads and renames under way, by counted folder: one pool for every
   * session, so parallel uploads share what is left instead of each seeing all of it.
   */
  private readonly reserved = new Map<string, number>();
  /** Reservations not yet released, oldest first (see Reservation.takeOrWait). */
  private readonly open = new Set<Reservation>();
  /** Wakes the uploads waiting for room: resolved at the next release, delete or shrink. */
  private wake: { promise: Promise<void>; resolve: () => void } | null = null;
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
      if (typeof bytes === "number" && Number.isFinite(bytes) && bytes >= 0) this.counts.set(root, bytes);
    }
  }

  /**
   * The limits on writing at `real` for a user whose home is `home`. A virtual folder of the
   * user (`mounts`: their real folders) is counted on its own and may hold as much as the home.
   */
  limitsFor(user: string, home: string, real: string, mounts: readonly { vpath: string; real: string }[] = []): Limit[] {
    const limits: Limit[] = [];
    const own = this.ownQuota(user);
    if (own > 0) {
      if (inside(real, home)) limits.push({ root: home, bytes: own });
      for (const mount of mounts) if (inside(real, mount.real)) limits.push({ root: mount.real, bytes: own, vpath: mount.vpath });
    }
    for (const [folder, bytes] of this.settings.folderQuota) if (inside(real, folder)) limits.push({ root: folder, bytes });
    return limits;
  }

  /** Every limit a user meets anywhere in its home and virtual folders (for SITE QUOTA). */
  limitsSeenBy(user: string, home: string, mounts: readonly { vpath: string; real: string }[] = []): Limit[] {
    const own = this.ownQuota(user);
    const limits: Limit[] = own > 0 ? [{ root: home, bytes: own }, ...mounts.map((m) => ({ root: m.real, bytes: own, vpath: m.vpath }))] : [];
    const tops = [home, ...mounts.map((m) => m.real)];
    for (const [folder, bytes] of this.settings.folderQuota) {
      if (tops.some((top) => inside(top, folder) || inside(folder, top)) && !limits.some((l) => l.root === folder)) limits.push({ root: folder, bytes });
    }
    return limits;
  }

  private ownQuota(user: string): number {
    return this.settings.userQuota.get(user) ?? this.settings.defaultQuota;
  }

  /** Is `real` a folder with a folder quota of its own, or does it hold one? (Renaming it would lose the rule.) */
  holdsFolderQuota(real: string): boolean {
    for (const folder of this.settings.folderQuota.keys()) if (inside(folder, real)) return true;
    return false;
  }

  /** Bytes stored under `root` (walked the first time it is asked for). */
  async used(root: string): Promise<number> {
    if (!this.counts.has(root)) await this.count(root);
    return this.counts.get(root) ?? 0;
  }

  private count(root: string): Promise<void> {
    let walk = this.walks.get(root);
    if (!walk) {
      const started = { pending: 0, done: Promise.resolve() };
      started.done = walkSize(root).then((bytes) => {
        this.walks.delete(root);
        this.counts.set(root, Math.max(0, bytes + started.pending));
      });
      this.walks.set(root, started);
      walk = started;
    }
    return walk.done;
  }

  /** Bytes that may still be written under every limit (Infinity: no limit applies). */
  async room(limits: readonly Limit[]): Promise<number> {
    for (const limit of limits) await this.used(limit.root);
    return this.roomNow(limits);
  }

  /** The room left under every limit, reservations included (the counts must be known). */
  private roomNow(limits: readonly Limit[]): number {
    let room = Number.POSITIVE_INFINITY;
    for (const limit of limits) room = Math.min(room, limit.bytes - (this.counts.get(limit.root) ?? 0) - (this.reserved.get(limit.root) ?? 0));
    return room;
  }

  /**
   * Starts a reservation for writing at `real` under `limits`; `credit` bytes (those of the
   * file it replaces) need no room. Throws 552 when there is no room at all.
   */
  async reserve(real: string, limits: readonly Limit[], credit = 0): Promise<Reservation> {
    const room = (await this.room(limits)) + credit;
    if (room <= 0) throw new FtpError(552, "Quota exceeded: no room for more files; delete some first (SITE QUOTA shows your usage).");
    return new Reservation(this, limits, this.rootsHolding(real, limits), credit);
  }

  /** Every counted folder that holds `real` (the limits' and any other counted so far). */
  private rootsHolding(real: string, limits: readonly Limit[]): string[] {
    const roots = new Set(limits.map((l) => l.root));
    for (const root of [...this.counts.keys(), ...this.walks.keys()]) if (inside(real, root)) roots.add(root);
    return [...roots];
  }

  /** @internal Reservation: takes `bytes` from the pool if they fit under every limit. */
  take(limits: readonly Limit[], roots: readonly string[], bytes: number): boolean {
    if (this.roomNow(limits) < bytes) return false;
    this.hold(roots, bytes);
    return true;
  }

  /** @internal Reservation: adds (or, negative, gives back) reserved bytes. */
  hold(roots: readonly string[], bytes: number): void {
    for (const root of roots) {
      const left = (this.reserved.get(root) ?? 0) + bytes;
      if (left > 0) this.reserved.set(root, left);
      else this.reserved.delete(root);
    }
    if (bytes < 0) this.notify();
  }

  /** @internal Reservation: it is open (true) or released for good (false). */
  track(reservation: Reservation, open: boolean): void {
    if (open) this.open.add(reservation);
    else this.open.delete(reservation);
  }

  /** @internal Does a reservation younger than `reservation` hold bytes under one of `limits`? */
  youngerHolds(reservation: Reservation, limits: readonly Limit[]): boolean {
    let younger = false;
    for (const other of this.open) {
      if (other === reservation) younger = true;
      else if (younger && other.holdsUnder(limits)) return true;
    }
    return false;
  }

  /** @internal Resolves when room may have come free. */
  roomFreed(): Promise<void> {
    if (!this.wake) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.wake = { promise, resolve };
    }
    return this.wake.promise;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.resolve();
  }

  /** A file at `real` grew (or shrank, negative) by `delta` bytes: update every count it is in. */
  changed(real: string, delta: number): void {
    if (delta === 0) return;
    for (const [root, bytes] of this.counts) if (inside(real, root)) this.counts.set(root, Math.max(0, bytes + delta));
    for (const [root, walk] of this.walks) if (inside(real, root)) walk.pending += delta;
    if (delta < 0) this.notify();
    this.scheduleSave();
  }

  /**
   * Before renaming `from` to `to` (a file or a whole folder): what it brings into a limit it
   * was not under already must fit there, or the rename is refused with 552. The bytes stay
   * reserved until the returned move is done (counted) or dropped (the rename failed).
   */
  async beginMove(from: string, fromLimits: readonly Limit[], to: string, toLimits: readonly Limit[]): Promise<Move> {
    const entering = toLimits.filter((l) => !inside(from, l.root));
    for (const limit of [...fromLimits, ...entering]) await this.used(limit.root);
    const fromRoots = new Set(this.rootsHolding(from, fromLimits));
    const toRoots = new Set(this.rootsHolding(to, toLimits));
    const st = await lstat(from).catch(() => null);
    const replaced = await lstat(to).then((t) => (t.isFile() ? t.size : 0), () => 0);
    // A folder is walked only when the rename crosses a counted folder's edge.
    const crosses = [...fromRoots].some((r) => !toRoots.has(r)) || [...toRoots].some((r) => !fromRoots.has(r));
    const size = !st ? 0 : st.isFile() ? st.size : st.isDirectory() && crosses ? await walkSize(from) : 0;
    const reservation = new Reservation(this, entering, [...toRoots].filter((r) => !fromRoots.has(r)), replaced);
    if (!reservation.takeBytes(size)) {
      throw new FtpError(552, `Quota exceeded: ${formatSize(size)} do not fit into the room left there; rename refused.`);
    }
    return {
      done: () => {
        this.changed(from, -size);
        this.changed(to, size - replaced);
        reservation.release();
      },
      drop: () => reservation.release(),
    };
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
    await Promise.all([...this.walks.values()].map((w) => w.done));
    const counts: Record<string, number> = {};
    for (const [root, bytes] of this.counts) counts[root] = bytes;
    await writeFile(`${file}.tmp`, `${JSON.stringify(counts, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
  }
}

/** A rename's charge: counted once the rename is done, given back when it failed. */
export interface Move {
  done(): void;
  drop(): void;
}

/**
 * The bytes one upload (or rename) may still write: taken from the shared pool, chunk by
 * chunk, before they are written; given back by release() once what was written is counted.
 */
export class Reservation {
  private held = 0;
  private released = false;

  constructor(
    private readonly quotas: Quotas,
    private readonly limits: readonly Limit[],
    private readonly roots: readonly string[],
    /** Bytes that need no room: those of the file being replaced. */
    private credit: number,
  ) {
    quotas.track(this, true);
  }

  /** Takes room for `bytes` more; false (and nothing taken) when they do not fit. */
  takeBytes(bytes: number): boolean {
    if (this.released) return false;
    const free = Math.min(this.credit, bytes);
    const need = bytes - free;
    if (need > 0 && !this.quotas.take(this.limits, this.roots, need)) return false;
    this.credit -= free;
    this.held += need;
    return true;
  }

  /**
   * As takeBytes, but when the room is held by uploads that started later, waits for them
   * instead of failing: the younger one fails first (nobody younger holds room for it), gives
   * its room back, and the oldest goes on. So of parallel uploads that do not all fit, the
   * first ones complete, rather than all of them being cut half-way. Waits only ever point at
   * younger reservations, so they never form a cycle.
   */
  async takeOrWait(bytes: number): Promise<boolean> {
    for (;;) {
      if (this.takeBytes(bytes)) return true;
      if (this.released || !this.quotas.youngerHolds(this, this.limits)) return false;
      await this.quotas.roomFreed();
    }
  }

  /** Holds bytes in a folder that one of `limits` counts? */
  holdsUnder(limits: readonly Limit[]): boolean {
    return this.held > 0 && limits.some((l) => this.roots.includes(l.root));
  }

  /** Gives back what is held (call it when the written bytes have been counted); final. */
  release(): void {
    if (this.held > 0) this.quotas.hold(this.roots, -this.held);
    this.held = 0;
    this.released = true;
    this.quotas.track(this, false);
  }
}
//<
