// get: a file from the server into a local file, resumed when interrupted, then checked.
//
//   get big.bin     (first run, cut at 400000 bytes)   C: RETR big.bin  -> big.bin.part has 400000 bytes
//   get big.bin     (again)                            C: SIZE big.bin  S: 213 1048576
//                                                      C: REST 400000   S: 350 ...
//                                                      C: RETR big.bin  -> 648576 more bytes appended
//                                                      C: HASH big.bin  (verify.ts)  -> big.bin.part renamed big.bin
//
// The download goes to NAME.part and becomes NAME only when complete and checked, so a
// part file always means "interrupted here" and the next get continues it (get -c also
// continues a NAME that another program left short).

import { createWriteStream } from "node:fs";
import { rename, stat, truncate } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { CommandError, FtpReplyError, messageOf } from "../protocol/errors.ts";
import type { FtpSession } from "../session.ts";
import { formatBytes } from "../ui/format.ts";
import { quoteWord } from "../ui/words.ts";
import { ByteMeter, localFileError } from "./byte-meter.ts";
import { resumable, type TransferOptions, type TransferSummary } from "./options.ts";
import { planDownload } from "./resume.ts";
import { verifyTransfer, type Verification } from "./verify.ts";

const sizeOf = (path: string) => stat(path).then((s) => s.size, () => undefined);

export async function download(session: FtpSession, remote: string, local: string, opts: TransferOptions): Promise<TransferSummary> {
  const part = `${local}.part`;
  if (opts.resume && (await sizeOf(part)) === undefined && (await sizeOf(local)) !== undefined) await rename(local, part);
  let remoteSize = await session.size(remote);
  const started = performance.now();
  let moved = 0;
  let resumedAt: number[] = [];
  let verification: Verification | null = null;
  let alreadyComplete = false;
  let startedOver = false;
  const again = `"get ${quoteWord(remote)}${local === path.posix.basename(remote) ? "" : ` ${quoteWord(local)}`}"`;

  for (let attempt = 0; ; ) {
    const have = (await sizeOf(part)) ?? 0;
    const plan = planDownload(have, remoteSize);
    if (plan.action === "complete") {
      alreadyComplete = moved === 0;
      if (alreadyComplete) opts.notice(`${remote}: ${plan.why}`);
    } else {
      if (plan.action === "resume") {
        resumedAt.push(plan.offset);
        opts.notice(`resuming ${remote} at ${formatBytes(plan.offset)} (${plan.why}): REST ${plan.offset}`);
      } else if (plan.action === "restart") opts.notice(`${remote}: ${plan.why}; downloading it again`);
      try {
        moved += await fetchOnce(session, remote, part, plan.offset, remoteSize, opts, (n) => (moved += n));
      } catch (err) {
        if (err instanceof FtpReplyError && err.command === "REST") {
          opts.notice(`the server refused REST (${err.message}): downloading ${remote} from the start`);
          await truncate(part, 0);
          resumedAt = [];
          continue;
        }
        const at = formatBytes((await sizeOf(part)) ?? 0);
        if (opts.signal?.aborted) throw new CommandError(`interrupted at ${at}; ${again} again continues from there`);
        if (!resumable(err)) throw err;
        if (attempt >= opts.retries) throw new CommandError(`interrupted at ${at} (${messageOf(err)}); ${again} again continues from there`);
        attempt++;
        opts.notice(`${remote}: interrupted at ${at} (${messageOf(err)}); retry ${attempt} of ${opts.retries}`);
        remoteSize = (await session.size(remote)) ?? remoteSize;
        continue;
      }
    }
    if (!opts.verify) break;
    verification = await verifyTransfer(session, remote, part);
    if (verification.ok) break;
    if (resumedAt.length > 0 && !startedOver) {
      // The bytes from before the resume were not this file's: only a fresh copy helps.
      opts.notice(`${remote}: ${verification.text} after resuming; downloading it again from the start`);
      await truncate(part, 0);
      resumedAt = [];
      startedOver = true;
      continue;
    }
    throw new CommandError(`${remote} arrived but does not match the server's: ${verification.text} (kept as ${part})`);
  }
  await rename(part, local);
  const size = (await sizeOf(local)) ?? 0;
  return { size, moved, seconds: (performance.now() - started) / 1000, resumedAt, verification, alreadyComplete };
}

/** One RETR into the part file from `offset`; returns the bytes it added. */
async function fetchOnce(
  session: FtpSession,
  remote: string,
  part: string,
  offset: number,
  size: number | undefined,
  opts: TransferOptions,
  countFailed: (bytes: number) => void,
): Promise<number> {
  const progress = opts.progress(`get ${remote}`, size, offset);
  const cut = opts.takeCut();
  let bytes = 0;
  try {
    await session.transfer({
      command: `RETR ${remote}`,
      rest: offset,
      direction: "download",
      move: async (socket) => {
        const abort = () => socket.destroy(new Error("interrupted (Ctrl-C)"));
        opts.signal?.addEventListener("abort", abort, { once: true });
        const meter = new ByteMeter(
          (n) => {
            bytes = n;
            progress.update(offset + n);
          },
          cut === undefined ? undefined : { after: cut, connection: socket },
        );
        try {
          // "a": append to what the part file has, which is exactly where REST told the server to start.
          await pipeline(socket, meter, createWriteStream(part, { flags: offset > 0 ? "a" : "w" }));
        } catch (err) {
          throw localFileError(err);
        } finally {
          opts.signal?.removeEventListener("abort", abort);
        }
        return meter.bytes;
      },
    });
  } catch (err) {
    progress.fail();
    countFailed(bytes);
    throw err;
  }
  progress.done();
  return bytes;
}
