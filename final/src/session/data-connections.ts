//> 0 data-connections
// A session's data connections: the one PASV (or PORT) prepared for the next transfer, and
// the transfer that runs on it. Every transfer command (LIST, NLST, RETR, STOR ...) goes
// through run(), which does the same dance each time:
//
//   C: RETR a.txt    S: 150 Opening data connection; BINARY transfer of /a.txt (12 bytes).
//                    (the client connects, the bytes flow, the connection closes)
//                    S: 226 Transfer complete.
//
// or 425 when no data connection was prepared, 426 when it broke.

import type { OnReadOpts, Socket } from "node:net";
import type { Transform } from "node:stream";
import type { DataChannel } from "../data/channel.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import { isUnexpected, toFtpError } from "../storage/errors.ts";
import { Transfer, isConnectionError } from "../transfer/transfer.ts";
//> 5 throttle-import
import { Throttle, TokenBucket } from "../transfer/throttle.ts";
//<
//> final tls-data-import
import { secureServerSocket } from "../tls/secure-socket.ts";
//<

/** The arguments of a transfer (Session.runTransfer, DataConnections.run). */
export type TransferWork = (
  command: string,
  path: string,
  /** The text of the 150 reply after "Opening data connection; ", or the whole text. */
  opening: string | { exact: string },
  work: (socket: Socket, transfer: Transfer) => Promise<void>,
  /** Runs after the work, before the final reply: close files, remove a file never written. */
  finish?: (connected: boolean) => Promise<void>,
  /** An upload's own buffers for the data socket to read into (transfer/receive-file.ts). */
  onread?: OnReadOpts,
) => Promise<void>;

export class DataConnections {
  /** Prepared by PASV (or PORT), taken by the next transfer. */
  pending: DataChannel | null = null;
  running: Transfer | null = null;
//> 5 throttle-buckets
  private uploadBucket: TokenBucket | null = null;
  private downloadBucket: TokenBucket | null = null;
//<

  constructor(private readonly s: Session) {}

  /** A new data connection for the next transfer; an earlier one that was never used is closed. */
  prepare(channel: DataChannel | null): void {
    this.pending?.close();
    this.pending = channel;
  }

  /** Stops a running transfer and closes the prepared connection (REIN, the session's end). */
  reset(): void {
    this.running?.abort();
    this.prepare(null);
  }

  /**
   * The stages to put between source and destination of a transfer: a throttle when the
   * operator set a rate limit for that direction, nothing otherwise. The buckets belong to the
   * session, so that ten transfers share one limit.
   */
  throttle(direction: "upload" | "download"): Transform[] {
//> 5 throttle-choice
    const { options } = this.s;
    if (direction === "upload") {
      if (!options.readLimit) return [];
      this.uploadBucket ??= new TokenBucket(options.readLimit);
      return [new Throttle(this.uploadBucket)];
    }
    if (!options.writeLimit) return [];
    this.downloadBucket ??= new TokenBucket(options.writeLimit);
    return [new Throttle(this.downloadBucket)];
//<
//> 0-5 no-throttle
    //- return [];
//<
  }

  /**
   * Runs one transfer over the prepared data connection: 150 (or 125), the work, then 226;
   * or 425 when no connection comes, 426 when it breaks or ABOR arrives, 4xx/5xx on a disk
   * error. The data connection is used once and closed.
   */
  readonly run: TransferWork = async (command, path, opening, work, finish, onread) => {
    const s = this.s;
//> final tls-data-required
    if (s.options.tlsDataRequired && !s.tls.protP) {
      await finish?.(false);
      throw new FtpError(521, "Data connections must be protected here: send PBSZ 0 and PROT P first.");
    }
//<
    const channel = this.pending;
    if (!channel) {
      await finish?.(false);
      throw new FtpError(425, "Use PASV, EPSV, PORT or EPRT first.");
    }
    this.pending = null;
    const transfer = new Transfer(command, path, channel);
    this.running = transfer;
    let final: FtpError;
    let result = "ok";
    try {
      const text = typeof opening === "object" ? opening.exact : `${channel.connected ? "Data connection already open" : "Opening data connection"}; ${opening}`;
      s.reply(channel.connected ? 125 : 150, text);
//> final tls-data-reader
      if (s.tls.protP) onread = undefined; // TLS decrypts through a stream of its own
//<
      let socket = await Promise.race([channel.connect(onread), transfer.aborted]);
//> final tls-data
      // PROT P: the data connection is TLS too, with the server in the server's role.
      if (s.tls.protP) {
        const raw = socket;
        transfer.socket = raw; // ABOR during the handshake closes it
        socket = await Promise.race([
          secureServerSocket(raw, s.options.tls!.context, 30_000).catch((err: Error) => {
            throw new FtpError(425, `Can't open data connection: TLS negotiation failed (${err.message}).`);
          }),
          transfer.aborted,
        ]);
      }
//<
      transfer.socket = socket;
//> final data-timeout
      // A transfer that makes no progress for this long is cut (a vanished or stuck client).
      if (s.options.dataTimeoutSec) {
        socket.setTimeout(s.options.dataTimeoutSec * 1000, () => {
          transfer.timedOut = true;
          socket.destroy();
        });
      }
//<
      await work(socket, transfer);
      final = new FtpError(226, "Transfer complete.");
    } catch (err) {
//> final data-timeout-reply
      if (transfer.timedOut) {
        final = new FtpError(421, `Data connection stalled for ${s.options.dataTimeoutSec} seconds; transfer aborted.`);
      } else
//<
      if (transfer.abortRequested) {
        final = new FtpError(426, "Transfer aborted.");
      } else if (isConnectionError(err)) {
        final = new FtpError(426, "Data connection closed; transfer aborted.");
      } else {
        final = toFtpError(err);
        if (isUnexpected(err)) s.log("error", "transfer failed", { command, path, error: String(err) });
      }
      result = transfer.timedOut ? "timed out" : transfer.abortRequested ? "aborted" : final.message;
    }
    channel.close();
    try {
      await finish?.(transfer.socket !== null);
    } catch (err) {
      // The data arrived but could not be put away (closing the file failed): say so.
      s.log("error", "transfer cleanup failed", { command, path, error: String(err) });
      if (final.code < 400) final = toFtpError(err);
      result = final.message;
    }
    s.reply(final.code, final.message);
    this.running = null;
//> final session-guard-transfer-ended
    s.transferEnded();
//<
    transfer.finished();
    const seconds = (Date.now() - transfer.started) / 1000;
    s.log(result === "ok" ? "info" : "warn", "transfer", { command, path, bytes: transfer.bytes, seconds, result });
  };
}
//<
