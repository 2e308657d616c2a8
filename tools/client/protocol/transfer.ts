// One transfer's whole conversation: data channel, REST, the command, 1xx, the bytes, 2xx.
//
//   C: EPSV                S: 229 Entering Extended Passive Mode (|||40123|)
//   D: connected to 127.0.0.1:40123 from 127.0.0.1:51514
//   C: REST 1000           S: 350 Restarting at 1000.          (only when resuming)
//   C: RETR big.bin        S: 150 Opening BINARY mode data connection.
//   D: 2000 bytes received; the server closed the data connection (end of file)
//   S: 226 Transfer complete.
//
// runTransfer(control, settings, memory, { command: "RETR big.bin", rest: 1000, direction:
// "download", move }) resolves with the final reply, or throws:
//   FtpReplyError       the server refused (550 to RETR, 552 quota during STOR ...)
//   TransferInterrupted the data connection broke, or the server says 426/425/451: resumable
//
// In stream mode the end of the data connection is the end of the file, so a connection cut
// half-way looks like a short file to the receiver. Only the sender knows it is short: the
// final reply (for downloads) and the client's own count (for uploads) tell.

import type net from "node:net";
import type { TLSSocket } from "node:tls";
import type { ControlConnection } from "./control-connection.ts";
import { prepareDataChannel, type DataMemory, type DataSettings } from "./data-channel.ts";
import { CommandError, FtpReplyError, TransferInterrupted } from "./errors.ts";
import { isPreliminary, type Reply } from "./reply-parser.ts";

export type DataSocket = net.Socket | TLSSocket;

export interface TransferRequest {
  /** "RETR big.bin", "STOR big.bin", "APPE big.bin", "LIST", "MLSD docs" */
  command: string;
  /** Send REST <n> first (resume); 0 or undefined: no REST. */
  rest?: number;
  direction: "download" | "upload";
  /** Move the bytes over the open data connection; resolves with how many when this side is done. */
  move(socket: DataSocket): Promise<number>;
}

/** Replies that mean "the data connection broke", as opposed to "no". */
const interruptedCodes = new Set([425, 426, 451]);

export async function runTransfer(control: ControlConnection, settings: DataSettings, memory: DataMemory, request: TransferRequest): Promise<Reply> {
  const channel = await prepareDataChannel(control, settings, memory);
  let first: Reply;
  try {
    if (request.rest) {
      const rest = await control.command(`REST ${request.rest}`);
      if (rest.code !== 350) throw new FtpReplyError(rest, "REST");
    }
    first = await control.command(request.command);
  } catch (err) {
    channel.close();
    throw err;
  }
  if (!isPreliminary(first)) {
    channel.close();
    if (first.code >= 400) throw new FtpReplyError(first, request.command);
    return first; // a server that sent 226 without a 150 (some do for an empty listing)
  }

  // From here on the final reply can come at any moment (even before the data is all read).
  const final = control.read(Infinity);
  final.catch(() => {}); // handled below; not an unhandled rejection meanwhile
  let dataError: Error | null = null;
  try {
    const socket = await channel.open();
    const bytes = await request.move(socket);
    control.trace(
      "D",
      request.direction === "download"
        ? `${bytes} bytes received; the server closed the data connection (end of file)`
        : `${bytes} bytes sent; we closed the data connection (end of file for the server)`,
    );
  } catch (err) {
    dataError = err as Error;
    control.trace("D", `the data connection failed: ${(err as Error).message}`);
  } finally {
    channel.close();
  }

  // The data side is done: the final reply must come soon, or the conversation is lost.
  const timer = setTimeout(() => control.close(), settings.timeoutMs);
  let reply: Reply;
  try {
    reply = await final;
  } finally {
    clearTimeout(timer);
  }
  // A local problem (the disk is full, no permission) is no broken connection: not resumable.
  if (dataError instanceof CommandError) throw dataError;
  if (interruptedCodes.has(reply.code)) throw new TransferInterrupted(`${reply.code} ${reply.message.split("\n")[0]}`);
  if (reply.code >= 400) throw new FtpReplyError(reply, request.command);
  if (dataError) throw new TransferInterrupted(dataError.message);
  return reply;
}
