//> 0 buffer-pool
// The buffers of the fast transfer paths (send-file.ts, receive-file.ts), shared by every
// transfer of the server within one budget:
//
//   transferBuffers.begin()            a transfer starts (buffer sizes depend on how many run)
//   transferBuffers.borrowForUpload()  an upload's buffer for its whole run: 4 MiB while one
//                                      runs, 64 KiB when 200 do (or half the budget is lent)
//   transferBuffers.readTurn(use)      a download's next chunk: `use` gets a buffer when one of
//                                      the 8 read turns is free (4 MiB alone, 1 MiB when 8 or
//                                      more download); readDone() once the read is over
//   transferBuffers.giveBack(buffer)   kept for the next borrower (no allocation, no garbage)
//   transferBuffers.end()              the transfer is over
//
// A big buffer means few system calls per MiB (one 4 MiB read instead of sixty-four 64 KiB
// ones: 1.2 times the throughput of 1 MiB reads, 1.7 times that of 256 KiB ones, measured);
// the budget means memory stays flat however many clients transfer at once. Past the budget
// a buffer is 64 KiB, never a wait: clients that stop reading must not hold up the others.
// With 200 downloads, 1 MiB reads taken in turns instead of 200 reads of 64 KiB at once cut
// the time of the bench's "200 concurrent RETR" row from 1.77 s to 0.67 s (medians).

const MAX_SIZE = 4 * 1024 * 1024;
const MIN_SIZE = 64 * 1024;
/** All buffers lent at once (past it, 64 KiB ones): half for uploads or reads, the rest for writes on their way. */
const BUDGET = 16 * 1024 * 1024;
/** Given-back buffers kept for reuse while transfers run, at most (then no allocation at all). */
const SPARE_LIMIT = 16 * 1024 * 1024;
/** ... and when none runs: an idle server gives the rest back to the system. */
const IDLE_SPARE_LIMIT = 4 * 1024 * 1024;
/**
 * Downloads reading from disk at once, at most. More would only wait in libuv's thread pool
 * (4 threads) holding a buffer each; waiting for a turn here instead lets each read be big
 * however many clients download (few system calls per MiB), and is safe: a read finishes
 * whatever the clients do.
 */
const READ_TURNS = 8;

class BufferPool {
  /** Transfers running now (they decide the buffer size). */
  private running = 0;
  /** Bytes lent out and not yet given back. */
  private lent = 0;
  /** Given-back buffers by size, ready for reuse. */
  private readonly spare = new Map<number, Buffer[]>();
  private spareBytes = 0;
  /** Downloads reading now, and those waiting for a turn (first come, first served). */
  private reading = 0;
  private readonly waiting: Array<(buffer: Buffer) => void> = [];

  begin(): void {
    this.running++;
  }

  end(): void {
    this.running--;
    if (this.running === 0) this.trim(IDLE_SPARE_LIMIT);
  }

  /** Drops spares (to the garbage collector) until at most `limit` bytes are kept. */
  private trim(limit: number): void {
    for (const [size, list] of this.spare) {
      while (list.length > 0 && this.spareBytes > limit) {
        list.pop();
        this.spareBytes -= size;
      }
    }
  }

  /** The biggest power of two (4 MiB down to 64 KiB) that `count` buffers share in half the budget. */
  private share(count: number): number {
    let size = MAX_SIZE;
    while (size > MIN_SIZE && size * Math.max(1, count) > BUDGET / 2) size /= 2;
    return size;
  }

  /** An upload's buffer size: half the budget shared by the running transfers. */
  private uploadSize(): number {
    return this.share(this.running);
  }

  /** A download's read size: half the budget shared by the reads that may run at once. */
  private readSize(): number {
    return this.share(Math.min(READ_TURNS, this.running));
  }

  /**
   * Calls `use` with a buffer for one read once a turn is free (now, or when a read ends).
   * The caller reads into it, calls readDone(), writes it out and gives it back.
   */
  readTurn(use: (buffer: Buffer) => void): void {
    if (this.reading >= READ_TURNS) {
      this.waiting.push(use);
      return;
    }
    this.reading++;
    use(this.lend(this.readSize(), BUDGET));
  }

  /** A read is over: the next download waiting gets its turn. */
  readDone(): void {
    const next = this.waiting.shift();
    if (next) next(this.lend(this.readSize(), BUDGET));
    else this.reading--;
  }

  /**
   * An upload's buffer, held for its whole run, within half the budget. The uploads of a burst
   * start one after another, and the first ones would otherwise take 4 MiB each and keep it
   * while 200 others run (measured: 28 MiB of buffers under 200 uploads, 20 MiB with this).
   */
  borrowForUpload(): Buffer {
    return this.lend(this.uploadSize(), BUDGET / 2);
  }

  /**
   * A buffer of `size` while no more than `limit` is lent with it, else the smallest. Never a
   * wait: a client that stops reading keeps its buffer until the data timeout, and such
   * clients must not hold up everyone else. So memory stays within the budget plus 64 KiB for
   * each transfer past it.
   */
  private lend(size: number, limit: number): Buffer {
    if (this.lent + size > limit) size = MIN_SIZE;
    this.lent += size;
    const reused = this.spare.get(size)?.pop();
    if (reused) {
      this.spareBytes -= size;
      return reused;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Returns a buffer from readTurn() or borrowForUpload(); it must not be used afterwards. */
  giveBack(buffer: Buffer): void {
    this.lent -= buffer.length;
    // Kept for the next chunks, so that a steady load allocates nothing: garbage buffers
    // pile up faster than the collector frees them (measured: 100 MiB under 200 downloads).
    // Only sizes in use now: a 4 MiB buffer from a quieter moment is no use to 200 transfers.
    if (buffer.length !== this.uploadSize() && buffer.length !== this.readSize() && buffer.length !== MIN_SIZE) return;
    if (this.spareBytes + buffer.length > SPARE_LIMIT) return;
    const list = this.spare.get(buffer.length) ?? [];
    list.push(buffer);
    this.spare.set(buffer.length, list);
    this.spareBytes += buffer.length;
  }
}

export const transferBuffers = new BufferPool();
//<
