// Moving file contents over the data connection.
//
//   C: TYPE I            S: 200 Type set to I (binary).
//   C: PASV              S: 227 Entering Passive Mode (127,0,0,1,234,96).
//   C: RETR notes.txt    S: 150 Opening data connection; sending /notes.txt (1234 bytes).
//   (1234 bytes flow to the client, then the server closes the data connection)
//                        S: 226 Transfer complete.
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

async function retrieve(s: Session, arg: string): Promise<void> {
  const vpath = checkedPath(s, arg, "r");
  let offset = 0;
  // Held open until the transfer is over: the storage reads the file it opened, whatever
  // happens to its name meanwhile (regular files only: a FIFO or a device could block).
  const file = await s.storage!.openRead(vpath);
  const size = file.info.size;
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

/**
 * Opens the target of an upload. The storage never empties an existing file here: STOR does
 * once the data connection is there, so a failed PASV/PORT never destroys a good file.
 */
async function openUpload(s: Session, vpath: string, how: UploadKind, offset: number): Promise<WriteHandle> {
  const storage = s.storage!;
  // (With --atomic-uploads the storage writes STOR aside until commit(): storage/atomic.ts.)
  return storage.openWrite(vpath, { kind: "replace" });
}

/** STOR, APPE, REST + STOR: `vpath` already checked for the command's permission letter. */
async function upload(s: Session, command: "STOR" | "APPE", vpath: string): Promise<void> {
  let offset = 0;
  let how: UploadKind = "STOR";
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
];
