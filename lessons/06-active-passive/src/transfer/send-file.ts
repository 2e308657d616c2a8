// Sending a file over the data connection as fast as the machine allows, for the common case
// (binary, no speed limit): read into one buffer, hand it to the socket, wait until the socket
// has taken it, read the next part into the same buffer.
//
//   sendFile(handle, 0, socket)   ->  every byte of the file, then the socket is ended
//
// A stream pipeline allocates a fresh buffer for every chunk, which costs more CPU (garbage
// collection) than the copy itself. Reusing one buffer per transfer keeps memory flat too;
// its size shrinks as more transfers run at once, so 200 downloads together stay within about
// 32 MiB of buffers.

import type { FileHandle } from "node:fs/promises";
import type { Socket } from "node:net";

const MAX_CHUNK = 1024 * 1024;
const MIN_CHUNK = 64 * 1024;
const BUDGET = 32 * 1024 * 1024;
let running = 0;

/** 1 MiB for a lone transfer, less as more share the budget, never below 64 KiB. */
function chunkSize(): number {
  const share = Math.floor(BUDGET / Math.max(1, running) / MIN_CHUNK) * MIN_CHUNK;
  return Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, share));
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
  running++;
  try {
    const buffer = Buffer.allocUnsafe(chunkSize());
    let position = start;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      await write(socket, buffer.subarray(0, bytesRead));
    }
    await end(socket);
  } finally {
    running--;
  }
}
