// Moving file contents over the data connection.
//
//   C: TYPE I            S: 200 Type set to I (binary).
//   C: PASV              S: 227 Entering Passive Mode (127,0,0,1,234,96).
//   C: RETR notes.txt    S: 150 Opening data connection; sending /notes.txt (1234 bytes).
//   (1234 bytes flow to the client, then the server closes the data connection)
//                        S: 226 Transfer complete.
//   C: REST 1000         S: 350 Restarting at 1000. Send RETR or STOR to continue.
//   C: STOR big.iso      (the upload continues at byte 1000 of the existing file)
//   C: ABOR              S: 426 Transfer aborted.   (for the transfer)
//                        S: 226 ABOR successful.    (for ABOR)
//
// Files are streamed in large chunks with backpressure: a slow client never makes the
// server read ahead into memory, and a fast one is not slowed by small reads.

import { constants } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { lstat, open, stat, unlink } from "../fs/byte-names.ts";
import type { Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { join } from "node:path";
import { checkedPath, openPath } from "../fs/open-path.ts";
import type { PathHandle } from "../fs/path-handle.ts";
import { O_NOFOLLOW as NO_FOLLOW } from "../fs/proc-fd.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import { ToLocalLines, ToNetworkLines } from "../transfer/ascii.ts";
import { FileReceiver } from "../transfer/receive-file.ts";
import type { CommandSpec } from "./spec.ts";

const CHUNK = 256 * 1024;
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/**
 * Who closes an open file: we do, until a stream is made from it; from then on the stream
 * does, when it ends or is destroyed. (Closing it ourselves as well would close a file
 * descriptor number that may already belong to another file.)
 */
class OpenFile {
  private owned = true;
  constructor(readonly handle: FileHandle) {}

  readStream(start: number) {
    this.owned = false;
    return this.handle.createReadStream({ start, highWaterMark: CHUNK });
  }

  writeStream(start: number | undefined) {
    this.owned = false;
    return this.handle.createWriteStream({ start, highWaterMark: CHUNK });
  }

  async release(): Promise<void> {
    if (this.owned) await this.handle.close();
  }
}

/**
 * Only regular files are transferred: opening a FIFO or a device could block the server.
 * `how`: lstat for a path through its folder (fs/path-handle.ts `at`), never following a link.
 */
async function requireRegularFile(real: string, how: typeof stat = stat): Promise<void> {
  const st = await how(real);
  if (st.isDirectory()) throw new FtpError(550, "Is a folder.");
  if (!st.isFile()) throw new FtpError(550, "Not a regular file.");
}

async function retrieve(s: Session, arg: string): Promise<void> {
  const vpath = checkedPath(s, arg, "r");
  const offset = s.restOffset;
  s.restOffset = 0;
  // Held open until the transfer is over: the storage reads the file it opened, whatever
  // happens to its name meanwhile (regular files only: a FIFO or a device could block).
  const file = await s.storage!.openRead(vpath);
  const size = file.info.size;
  if (offset > size) {
    await file.close();
    throw new FtpError(554, `Invalid REST offset ${offset}: the file has ${size} bytes.`);
  }
  const mode = s.type === "A" ? "ASCII" : "BINARY";
  await s.runTransfer(
    "RETR",
    vpath,
    `${mode} transfer of ${vpath} (${size - offset} bytes).`,
    async (socket) => {
      const ascii = s.type === "A" ? [new ToNetworkLines()] : [];
      const throttle = s.throttle("download");
      // Binary and unthrottled (the usual case): the storage's fast path when it has one
      // (the local disk: one reused buffer from the pool, straight from the descriptor).
      if (ascii.length === 0 && throttle.length === 0 && file.sendTo) return file.sendTo(socket, offset);
      await pipeline([file.stream(offset), ...ascii, ...throttle, socket as Writable]);
    },
    () => file.close(),
  );
}

/**
 * Opens the target of STOR without truncating it: an existing file is only emptied once the
 * data connection is there, so a failed PASV/PORT never destroys a good file.
 */
async function openForUpload(real: string, how: "STOR" | "APPE" | "REST", offset: number): Promise<{ file: FileHandle; created: boolean }> {
  try {
    const file = await open(real, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
    if (how === "REST" && offset > 0) {
      await file.close();
      await unlink(real);
      throw new FtpError(554, `Invalid REST offset ${offset}: the file does not exist yet.`);
    }
    return { file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  await requireRegularFile(real, lstat);
  const file = await open(real, (how === "APPE" ? constants.O_WRONLY | constants.O_APPEND : constants.O_RDWR) | O_NOFOLLOW);
  if (how === "REST") {
    const { size } = await file.stat();
    if (offset > size) {
      await file.close();
      throw new FtpError(554, `Invalid REST offset ${offset}: the file has ${size} bytes.`);
    }
  }
  return { file, created: false };
}

/** The truncate at the end of a resumed upload: through the held folder, never following a link. */
async function truncateAt(path: string, size: number): Promise<void> {
  const file = await open(path, O_WRONLY | NO_FOLLOW);
  try {
    await file.truncate(size);
  } finally {
    await file.close();
  }
}

async function store(s: Session, command: "STOR" | "APPE", vpath: string, real: string, preliminary?: string, created0?: FileHandle, handle?: PathHandle): Promise<void> {
  // Acting on a name in the checked folder goes through the open folder (fs/path-handle.ts);
  // `real` and `target` stay real paths for quotas.
  const via = (path: string) => (handle ? handle.sibling(path.slice(path.lastIndexOf("/") + 1)) : path);
  const offset = command === "STOR" ? s.restOffset : 0;
  s.restOffset = 0;
  const how = command === "APPE" ? "APPE" : offset > 0 ? "REST" : "STOR";
  const opened = created0 ? { file: created0, created: true } : await openForUpload(via(real), how, offset);
  const { created } = opened;
  const file = new OpenFile(opened.file);
  const mode = s.type === "A" ? "ASCII" : "BINARY";
  const filters: Transform[] = [...s.throttle("upload"), ...(s.type === "A" ? [new ToLocalLines()] : [])];
  // Binary, no speed limit, no quota (the usual case): the socket reads into our own buffers.
  const receiver = filters.length === 0 ? new FileReceiver(file.handle, how === "APPE" ? "append" : offset) : null;
  await s.runTransfer(
    command,
    vpath,
    preliminary ? { exact: preliminary } : `${mode} upload to ${vpath}${offset ? ` from byte ${offset}` : ""}.`,
    async (socket) => {
      if (how === "STOR" && !created) await file.handle.truncate(0);
      let written = () => 0;
      try {
        if (receiver?.attached) {
          written = () => receiver.written;
          await receiver.finished(socket);
        } else {
          const sink = file.writeStream(how === "APPE" ? undefined : offset);
          written = () => sink.bytesWritten;
          await pipeline([socket, ...filters, sink]);
        }
      } finally {
        // A resumed upload ends where its data ends: old bytes past that point are not ours.
        // (By path: the stream owns the descriptor and may have closed it already.)
        if (how === "REST") await truncateAt(via(real), offset + written());
      }
    },
    async (connected) => {
      receiver?.release();
      await file.release();
      // No data connection ever came: do not leave an empty file we made ourselves.
      if (created && !connected) await unlink(via(real)).catch(() => {});
    },
    receiver?.onread,
  );
}

/** STOU: a new file with a name nobody has yet (RFC 1123 section 4.1.2.9). */
async function storeUnique(s: Session, arg: string): Promise<void> {
  const handle = await openPath(s, arg.trim() || "ftp.file", "parent", "w");
  try {
    const { vpath, real } = handle;
    const folder = real.slice(0, real.lastIndexOf("/")) || "/";
    const vfolder = vpath.slice(0, vpath.lastIndexOf("/"));
    const base = real.slice(real.lastIndexOf("/") + 1);
    for (let i = 0; i < 100; i++) {
      const name = i === 0 ? base : `${base}.${i}`;
      try {
        const file = await open(handle.sibling(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
        s.restOffset = 0;
        await store(s, "STOR", `${vfolder}/${name}`, join(folder, name), `FILE: ${name}`, file, handle);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
    }
    throw new FtpError(450, "Could not find a unique file name; try another.");
  } finally {
    await handle.close();
  }
}

export const transferCommands: CommandSpec[] = [
  {
    name: "RETR",
    arg: "required",
    auth: true,
    perm: "r",
    help: "Syntax: RETR <path> (download a file).",
    handler: retrieve,
  },
  {
    name: "STOR",
    arg: "required",
    auth: true,
    perm: "w",
    help: "Syntax: STOR <path> (upload a file, replacing it).",
    async handler(s, arg) {
      const handle = await openPath(s, arg, "follow", "w");
      try {
        await store(s, "STOR", handle.vpath, handle.real, undefined, undefined, handle);
      } finally {
        await handle.close();
      }
    },
  },
  {
    name: "APPE",
    arg: "required",
    auth: true,
    perm: "a",
    help: "Syntax: APPE <path> (upload, appending to the file).",
    async handler(s, arg) {
      const handle = await openPath(s, arg, "follow", "a");
      try {
        await store(s, "APPE", handle.vpath, handle.real, undefined, undefined, handle);
      } finally {
        await handle.close();
      }
    },
  },
  {
    name: "STOU",
    arg: "optional",
    auth: true,
    perm: "w",
    help: "Syntax: STOU [<name>] (upload under a new, unique name).",
    handler: storeUnique,
  },
  {
    name: "ABOR",
    arg: "none",
    auth: true,
    urgent: true,
    help: "Syntax: ABOR (abort the running transfer).",
    async handler(s) {
      const transfer = s.transfer;
      if (transfer) {
        transfer.abort();
        await transfer.done; // its 426 goes out first
        return s.reply(226, "ABOR successful.");
      }
      if (s.data) {
        s.setDataChannel(null);
        return s.reply(225, "ABOR successful; data connection closed.");
      }
      s.reply(225, "No transfer to abort.");
    },
  },
];
