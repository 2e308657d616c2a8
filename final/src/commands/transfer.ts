//> 0 transfer-commands
// Moving file contents over the data connection.
//
//   C: TYPE I            S: 200 Type set to I (binary).
//   C: PASV              S: 227 Entering Passive Mode (127,0,0,1,234,96).
//   C: RETR notes.txt    S: 150 Opening data connection; sending /notes.txt (1234 bytes).
//   (1234 bytes flow to the client, then the server closes the data connection)
//                        S: 226 Transfer complete.
//> final rest-abor-comment
//   C: REST 1000         S: 350 Restarting at 1000. Send RETR or STOR to continue.
//   C: STOR big.iso      (the upload continues at byte 1000 of the existing file)
//   C: ABOR              S: 426 Transfer aborted.   (for the transfer)
//                        S: 226 ABOR successful.    (for ABOR)
//<
//
// Files are streamed in large chunks with backpressure: a slow client never makes the
// server read ahead into memory, and a fast one is not slowed by small reads.

import type { Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checkedPath } from "../fs/open-path.ts";
import type { Session } from "../session.ts";
import type { WriteHandle } from "../storage/storage.ts";
import { ToLocalLines, ToNetworkLines } from "../transfer/ascii.ts";
import type { CommandSpec } from "./spec.ts";
//> final resume-imports
import { FtpError } from "../protocol/reply.ts";
import { StorageError } from "../storage/errors.ts";
//<

async function retrieve(s: Session, arg: string): Promise<void> {
  const vpath = checkedPath(s, arg, "r");
  let offset = 0;
//> final rest-retr
  offset = s.restOffset;
  s.restOffset = 0;
//<
  // Held open until the transfer is over: the storage reads the file it opened, whatever
  // happens to its name meanwhile (regular files only: a FIFO or a device could block).
  const file = await s.storage!.openRead(vpath);
  const size = file.info.size;
//> final rest-retr-check
  if (offset > size) {
    await file.close();
    throw new FtpError(554, `Invalid REST offset ${offset}: the file has ${size} bytes.`);
  }
//<
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

type UploadKind = "STOR" | "APPE" | "REST";

//> final parent-of
/** "/a/b" -> "/a", "/b" -> "/". */
function parentOf(vpath: string): string {
  return vpath.slice(0, vpath.lastIndexOf("/")) || "/";
}

//<
/**
 * Opens the target of an upload. The storage never empties an existing file here: STOR does
 * once the data connection is there, so a failed PASV/PORT never destroys a good file.
 */
async function openUpload(s: Session, vpath: string, how: UploadKind, offset: number): Promise<WriteHandle> {
  const storage = s.storage!;
//> final resume-open
  if (how === "APPE") return storage.openWrite(vpath, { kind: "append" });
  if (how === "REST") return openAt(s, vpath, offset);
//<
  // (With --atomic-uploads the storage writes STOR aside until commit(): storage/atomic.ts.)
  return storage.openWrite(vpath, { kind: "replace" });
}

//> final open-at
/** REST + STOR: the existing file, written from `offset` on (554 past its end). */
async function openAt(s: Session, vpath: string, offset: number): Promise<WriteHandle> {
  const storage = s.storage!;
  let file: WriteHandle;
  try {
    file = await storage.openWrite(vpath, { kind: "at", offset });
  } catch (err) {
    const missing = err instanceof StorageError && err.code === "not-found";
    if (missing && (await storage.stat(parentOf(vpath)).then((f) => f.kind === "folder", () => false))) {
      throw new FtpError(554, `Invalid REST offset ${offset}: the file does not exist yet.`);
    }
    throw err;
  }
  if (offset > file.sizeBefore) {
    await file.close();
    throw new FtpError(554, `Invalid REST offset ${offset}: the file has ${file.sizeBefore} bytes.`);
  }
  return file;
}

//<
/** STOR, APPE, REST + STOR: `vpath` already checked for the command's permission letter. */
async function upload(s: Session, command: "STOR" | "APPE", vpath: string): Promise<void> {
  let offset = 0;
  let how: UploadKind = "STOR";
//> final resume-kind
  offset = command === "STOR" ? s.restOffset : 0;
  s.restOffset = 0;
  how = command === "APPE" ? "APPE" : offset > 0 ? "REST" : "STOR";
//<
  await store(s, command, vpath, await openUpload(s, vpath, how, offset), how, offset);
}

/**
 * Receives an upload into `file` (open, not yet emptied), then commits and closes it. What is
 * kept: a complete upload; a broken one's bytes when it went into a new file or in place (for
 * REST); nothing when no data connection came (a file made for it is removed again).
 */
async function store(s: Session, command: string, vpath: string, file: WriteHandle, how: UploadKind, offset: number, preliminary?: string): Promise<void> {
  let completed = false;
  const mode = s.type === "A" ? "ASCII" : "BINARY";
  const filters: Transform[] = [...s.throttle("upload"), ...(s.type === "A" ? [new ToLocalLines()] : [])];
  // Binary, no speed limit (the usual case): the storage's fast path when it has one
  // (the local disk: the socket reads into pooled buffers that go straight to the descriptor).
  const receiver = filters.length === 0 ? file.receiver?.() : undefined;
  await s.runTransfer(
    command,
    vpath,
    preliminary ? { exact: preliminary } : `${mode} upload to ${vpath}${offset ? ` from byte ${offset}` : ""}.`,
    async (socket) => {
      if (how === "STOR" && !file.created) await file.truncate(0);
      const receiving = receiver?.attached ? receiver.finished(socket) : pipeline([socket, ...filters, file.writable()]);
//> final rest-cut
      // A resumed upload ends where its data ends (whether or not it completed): old bytes
      // past that point are not ours.
      if (how === "REST") await receiving.finally(() => file.truncate(offset + file.written));
//<
      await receiving;
      completed = true;
    },
    async (connected) => {
      try {
        if (completed || (connected && file.created)) await file.commit();
      } finally {
        await file.close();
      }
    },
    receiver?.onread,
  );
}

//> final stou
/** STOU: a new file with a name nobody has yet (RFC 1123 section 4.1.2.9). */
async function storeUnique(s: Session, arg: string): Promise<void> {
  const vpath = checkedPath(s, arg.trim() || "ftp.file", "w");
  const folder = parentOf(vpath);
  const base = vpath.slice(vpath.lastIndexOf("/") + 1);
  for (let i = 0; i < 100; i++) {
    const name = i === 0 ? base : `${base}.${i}`;
    const path = `${folder === "/" ? "" : folder}/${name}`;
    let file: WriteHandle;
    try {
      file = await s.storage!.openWrite(path, { kind: "create-new" });
    } catch (err) {
      // Taken: by a file, a folder, or a link (one leading out of the home is taken as well).
      const taken = err instanceof StorageError && (err.code === "exists" || err.code === "outside");
      if (!taken) throw err;
      if (err.code === "outside") await s.storage!.stat(folder); // the folder itself must be fine
      continue;
    }
    s.restOffset = 0;
    await store(s, "STOR", path, file, "STOR", 0, `FILE: ${name}`);
    return;
  }
  throw new FtpError(450, "Could not find a unique file name; try another.");
}

//<
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
      await upload(s, "STOR", checkedPath(s, arg, "w"));
    },
  },
//> final appe-stou-abor
  {
    name: "APPE",
    arg: "required",
    auth: true,
    perm: "a",
    help: "Syntax: APPE <path> (upload, appending to the file).",
    async handler(s, arg) {
      await upload(s, "APPE", checkedPath(s, arg, "a"));
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
//<
];
//<
