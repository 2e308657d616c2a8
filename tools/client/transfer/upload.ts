// put: a local file to the server, resumed when interrupted, then checked.
//
//   put big.bin        (cut at 400000 bytes)      C: STOR big.bin  -> the server has 400000 bytes
//   (retry, or put -c big.bin in a later run)     C: SIZE big.bin  S: 213 400000
//                                                 C: REST 400000   S: 350 ...
//                                                 C: STOR big.bin  -> the other 648576 bytes
//   (a server without "REST STREAM" in FEAT)      C: APPE big.bin  -> the same, appended
//                                                 C: HASH big.bin  (verify.ts)
//
// Only the server's copy knows how much arrived (bytes sent may still sit in a socket
// buffer when the connection breaks), so every resume starts with SIZE. A plain put
// starts from zero: a shorter file of the same name on the server may be an older
// version, not a broken upload; put -c says it is.

import { createReadStream } from "node:fs";
import path from "node:path";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { CommandError, FtpReplyError, messageOf } from "../protocol/errors.ts";
import type { FtpSession } from "../session.ts";
import { formatBytes } from "../ui/format.ts";
import { quoteWord } from "../ui/words.ts";
import { ByteMeter, localFileError } from "./byte-meter.ts";
import { resumable, type TransferOptions, type TransferSummary } from "./options.ts";
import { planUpload } from "./resume.ts";
import { verifyTransfer, type Verification } from "./verify.ts";

export async function upload(session: FtpSession, local: string, remote: string, opts: TransferOptions): Promise<TransferSummary> {
  const st = await stat(local).catch((err: NodeJS.ErrnoException) => {
    throw new CommandError(err.code === "ENOENT" ? `no local file ${local}` : `cannot read ${local}: ${err.code ?? err.message}`);
  });
  if (!st.isFile()) throw new CommandError(`${local} is not a file`);
  const size = st.size;
  let restStream = (session.features.get("REST") ?? "").toUpperCase().includes("STREAM");
  let remoteSize = opts.resume ? await session.size(remote) : undefined;
  const started = performance.now();
  let moved = 0;
  let resumedAt: number[] = [];
  let verification: Verification | null = null;
  let alreadyComplete = false;
  let startedOver = false;
  const again = `"put -c ${quoteWord(local)}${remote === path.basename(local) ? "" : ` ${quoteWord(remote)}`}"`;

  for (let attempt = 0; ; ) {
    const plan = planUpload(size, remoteSize, restStream);
    if (plan.action === "complete") {
      alreadyComplete = moved === 0;
      if (alreadyComplete) opts.notice(`${remote}: ${plan.why}`);
    } else {
      if (plan.action === "resume") {
        resumedAt.push(plan.offset);
        opts.notice(`resuming the upload of ${remote} at ${formatBytes(plan.offset)} (${plan.why})`);
      } else if (plan.action === "restart") opts.notice(`${remote}: ${plan.why}; uploading it again`);
      try {
        moved += await sendOnce(session, local, remote, plan.command, plan.offset, size, opts, (n) => (moved += n));
      } catch (err) {
        if (err instanceof FtpReplyError && err.command === "REST" && restStream) {
          opts.notice(`the server refused REST (${err.message}): appending with APPE instead`);
          restStream = false;
          continue;
        }
        if (opts.signal?.aborted) throw new CommandError(`interrupted; ${again} continues from where the server's copy ends`);
        if (!resumable(err)) throw err;
        if (attempt >= opts.retries) throw new CommandError(`interrupted (${messageOf(err)}); ${again} continues from where the server's copy ends`);
        attempt++;
        remoteSize = await session.size(remote);
        opts.notice(`${remote}: interrupted (${messageOf(err)}); the server has ${formatBytes(remoteSize ?? 0)}; retry ${attempt} of ${opts.retries}`);
        continue;
      }
    }
    if (!opts.verify) break;
    verification = await verifyTransfer(session, remote, local);
    if (verification.ok) break;
    if (resumedAt.length > 0 && !startedOver) {
      opts.notice(`${remote}: ${verification.text} after resuming; uploading it again from the start`);
      remoteSize = undefined;
      resumedAt = [];
      startedOver = true;
      continue;
    }
    throw new CommandError(`${remote} was uploaded but does not match: ${verification.text}`);
  }
  return { size, moved, seconds: (performance.now() - started) / 1000, resumedAt, verification, alreadyComplete };
}

/** One STOR (after REST offset) or APPE from `offset` of the local file; returns the bytes sent. */
async function sendOnce(
  session: FtpSession,
  local: string,
  remote: string,
  command: "STOR" | "APPE",
  offset: number,
  size: number,
  opts: TransferOptions,
  countFailed: (bytes: number) => void,
): Promise<number> {
  const progress = opts.progress(`put ${remote}`, size, offset);
  const cut = opts.takeCut();
  let bytes = 0;
  try {
    await session.transfer({
      command: `${command} ${remote}`,
      rest: command === "STOR" ? offset : 0,
      direction: "upload",
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
          // pipeline ends the socket after the last byte: for the server, that is the end of the file.
          await pipeline(createReadStream(local, { start: offset, highWaterMark: 256 * 1024 }), meter, socket);
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
