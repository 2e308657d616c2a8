// Sending a file over the data connection as fast as the machine allows, for the common case
// (binary, no speed limit): the file is read into one half of a buffer while the socket sends
// the other half, then the halves swap.
//
//   sendFile(handle, 0, socket)   ->  every byte of the file, then the socket is ended
//
// A stream pipeline allocates a fresh buffer for every chunk, which costs more CPU (garbage
// collection) than the copy itself. The buffer comes from a pool shared by all transfers
// (buffer-pool.ts), so memory stays flat however many clients download at once.

import type { FileHandle } from "node:fs/promises";
import type { Socket } from "node:net";
import { giveBack, takeBuffer } from "./buffer-pool.ts";

async function readAt(handle: FileHandle, into: Buffer, position: number): Promise<number> {
  const { bytesRead } = await handle.read(into, 0, into.length, position);
  return bytesRead;
}

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
  const buffer = takeBuffer();
  const size = buffer.length / 2;
  const halves = [buffer.subarray(0, size), buffer.subarray(size)];
  try {
    let position = start;
    let current = 0;
    let length = await readAt(handle, halves[current]!, position);
    while (length > 0) {
      position += length;
      const sending = write(socket, halves[current]!.subarray(0, length));
      current ^= 1;
      // Both must be over before either half is touched again, also when one fails.
      const [read, sent] = await Promise.allSettled([readAt(handle, halves[current]!, position), sending]);
      if (sent.status === "rejected") throw sent.reason;
      if (read.status === "rejected") throw read.reason;
      length = read.value;
    }
    await end(socket);
  } finally {
    giveBack(buffer);
  }
}
