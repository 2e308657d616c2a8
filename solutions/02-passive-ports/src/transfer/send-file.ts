// Sending a file over the data connection as fast as the machine allows, for the common case
// (binary, no speed limit): borrow a buffer, read a chunk of the file into it, hand it to the
// socket, give the buffer back once the socket has taken it, and again.
//
//   sendFile(handle, 0, socket)   ->  every byte of the file, then the socket is ended
//
// A stream pipeline allocates a fresh buffer for every chunk, which costs more CPU (garbage
// collection) than the copy itself. The buffers come from a pool shared by all transfers
// (buffer-pool.ts): 4 MiB chunks for a lone download, smaller ones as more run, and memory
// stays flat however many clients download at once.

import type { FileHandle } from "node:fs/promises";
import type { Socket } from "node:net";
import { transferBuffers } from "./buffer-pool.ts";

function write(socket: Socket, chunk: Buffer): Promise<void> {
  // The callback comes once the bytes are handed to the system: then the buffer is free again.
  return new Promise((resolve, reject) => socket.write(chunk, (err) => (err ? reject(err) : resolve())));
}

function end(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.end(() => {
      socket.off("error", reject);
      resolve();
    });
  });
}

export async function sendFile(handle: FileHandle, start: number, socket: Socket): Promise<void> {
  transferBuffers.begin();
  try {
    let position = start;
    for (;;) {
      const buffer = transferBuffers.borrow();
      try {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        await write(socket, buffer.subarray(0, bytesRead));
      } finally {
        transferBuffers.giveBack(buffer);
      }
    }
    await end(socket);
  } finally {
    transferBuffers.end();
  }
}
