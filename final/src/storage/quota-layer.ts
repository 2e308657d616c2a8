//> final storage-quota
// Disk quotas as a layer around the user's storage: every write, delete and rename on the
// user's virtual paths is charged or counted here, so the commands know nothing of quotas
// (quota.ts keeps the accounting: limits, the shared pool of reservations, saved usage).
//
//   openWrite   reserves the room a write needs before it writes it (552 at once when there
//               is none; uploads side by side share one pool); counts what the file became
//               when it is closed; an upload cut by the quota leaves nothing: a new or
//               half-replaced file goes (with atomic uploads the old file stays), an appended
//               one shrinks back to its size before; a resumed one keeps what fitted
//   remove      gives the file's bytes back
//   rename      what enters a limit must fit there (552, nothing moves)
//
// Usage is counted by the folder that holds it (quota.ts, by real folder: a virtual folder
// is counted on its own, a folder quota is shared by everyone who writes there), so the
// layer asks the local disk where a virtual path lands (`where`: LocalStorage.realPathOf),
// for counting only, never to act on.

import { Writable } from "node:stream";
import { FtpError } from "../protocol/reply.ts";
import type { Limit, Quotas, Reservation } from "../quota.ts";
import { StorageLayer } from "./layer.ts";
import type { StatTarget, Storage, UploadReceiver, WriteHandle, WriteMode } from "./storage.ts";

/** Whose storage it is: the limits that apply depend on the user and where its folders are. */
export interface QuotaUser {
  name: string;
  /** The real home folder. */
  home: string;
  /** Virtual folders: where the user sees them and their real folders. */
  mounts: readonly { vpath: string; real: string }[];
}

export class QuotaStorage extends StorageLayer {
  constructor(
    inner: Storage,
    private readonly quotas: Quotas,
    private readonly user: QuotaUser,
    /** The real path of a virtual path ("entry": the directory entry itself), for counting. */
    private readonly where: (vpath: string, target: StatTarget) => Promise<string>,
    /** Replacing writes below this layer are atomic (storage/atomic.ts): a refused one leaves the old file. */
    private readonly atomic: boolean,
  ) {
    super(inner);
  }

  private limitsAt(real: string): Limit[] {
    return this.quotas.limitsFor(this.user.name, this.user.home, real, this.user.mounts);
  }

  /** Is `vpath` a folder with a folder quota of its own, or does it hold one? (Renaming it would lose the rule.) */
  async holdsFolderQuota(vpath: string): Promise<boolean> {
    return this.quotas.holdsFolderQuota(await this.where(vpath, "entry"));
  }

  override async openWrite(vpath: string, mode: WriteMode): Promise<WriteHandle> {
    const file = await this.inner.openWrite(vpath, mode);
    try {
      const real = await this.where(vpath, "follow");
      const limits = this.limitsAt(real);
      let reservation: Reservation | undefined;
      if (limits.length > 0) {
        // The bytes of the file it replaces need no room.
        const replaced = mode.kind === "replace" ? file.sizeBefore : mode.kind === "at" ? file.sizeBefore - mode.offset : 0;
        reservation = await this.quotas.reserve(real, limits, replaced);
      }
      return new QuotaWriteHandle(file, this.inner, this.quotas, vpath, real, mode, this.atomic, reservation);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  override async remove(vpath: string): Promise<void> {
    const info = await this.inner.stat(vpath, "entry");
    const real = info.kind === "file" ? await this.where(vpath, "entry") : null;
    await this.inner.remove(vpath);
    if (real !== null) this.quotas.changed(real, -info.size);
  }

  override async rename(from: string, to: string): Promise<void> {
    const fromReal = await this.where(from, "entry");
    const toReal = await this.where(to, "entry");
    const move = await this.quotas.beginMove(fromReal, this.limitsAt(fromReal), toReal, this.limitsAt(toReal));
    try {
      await this.inner.rename(from, to);
    } catch (err) {
      move.drop();
      throw err;
    }
    move.done();
  }
}

class QuotaWriteHandle implements WriteHandle {
  /** The upload was cut by the quota: nothing of it is kept (see close). */
  private exceeded = false;
  private closed: Promise<void> | null = null;
  readonly receiver?: () => UploadReceiver;

  constructor(
    private readonly file: WriteHandle,
    private readonly inner: Storage,
    private readonly quotas: Quotas,
    private readonly vpath: string,
    private readonly real: string,
    private readonly mode: WriteMode,
    private readonly atomic: boolean,
    private readonly reservation: Reservation | undefined,
  ) {
    // No limit here: nothing to reserve, the backend's fast path may write as it likes.
    if (!reservation && file.receiver) this.receiver = () => file.receiver!();
  }

  get created(): boolean {
    return this.file.created;
  }
  get sizeBefore(): number {
    return this.file.sizeBefore;
  }
  get written(): number {
    return this.file.written;
  }

  writable(): Writable {
    const sink = this.file.writable();
    const reservation = this.reservation;
    if (!reservation) return sink;
    return guarded(reservation, sink, () => (this.exceeded = true));
  }

  truncate(size: number): Promise<void> {
    return this.file.truncate(size);
  }

  async commit(): Promise<void> {
    // A refused new file (or atomic replacement) is not put in place: close() drops it.
    if (this.exceeded && (this.mode.kind === "replace" || this.mode.kind === "create-new")) return;
    await this.file.commit();
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        try {
          // An appended file shrinks back to its size before the APPE.
          if (this.exceeded && this.mode.kind === "append") await this.file.truncate(this.file.sizeBefore);
        } finally {
          await this.file.close();
        }
        // A half-replaced file goes too (an atomic one never replaced anything).
        if (this.exceeded && this.mode.kind === "replace" && !this.atomic && !this.file.created) await this.inner.remove(this.vpath).catch(() => {});
      } finally {
        // Count what the upload really changed (also when it failed half-way), and give back
        // the reservation in the same turn: the bytes are counted, no longer reserved.
        const sizeAfter = await this.inner.stat(this.vpath, "entry").then((f) => f.size, () => 0);
        this.quotas.changed(this.real, sizeAfter - this.file.sizeBefore);
        this.reservation?.release();
      }
    })();
    return this.closed;
  }
}

/**
 * A stream into `sink` that reserves every chunk before passing it on, and fails the upload
 * with 552 as soon as one does not fit: nothing past the limit is ever written, even by
 * uploads side by side. Finishes once `sink` has written everything.
 */
function guarded(reservation: Reservation, sink: Writable, onExceeded: () => void): Writable {
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      // Done once the chunk is written, as the backend's own stream is: so close() after the
      // last write's callback never cuts a chunk still on its way.
      const pass = () => void sink.write(chunk, (err) => done(err ?? null));
      if (reservation.takeBytes(chunk.length)) return pass();
      // No room now: wait if uploads that started later hold it (they give way), else fail.
      reservation.takeOrWait(chunk.length).then((taken) => {
        if (taken) return pass();
        onExceeded();
        done(new FtpError(552, "Quota exceeded: the upload would go past your storage limit."));
      }, done);
    },
    final(done) {
      sink.once("finish", () => done());
      sink.end();
    },
    destroy(err, done) {
      sink.destroy();
      done(err);
    },
  });
  sink.once("error", (err) => out.destroy(err));
  return out;
}
//<
