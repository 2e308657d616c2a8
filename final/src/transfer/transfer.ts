//> 0 transfer-state
// One running data transfer (RETR, STOR, LIST, ...). It exists so that commands arriving
// meanwhile on the control connection can see it: ABOR cancels it, STAT reports on it.

import type { Socket } from "node:net";
import type { DataChannel } from "../data/channel.ts";

export class Transfer {
  readonly started = Date.now();
  socket: Socket | null = null;
  abortRequested = false;
  timedOut = false;
  /** Settles when the transfer has sent its final reply (226, 426, 4xx/5xx). */
  readonly done: Promise<void>;
  /** Rejects when ABOR arrives, so a transfer still waiting for its connection stops too. */
  readonly aborted: Promise<never>;
  private finish!: () => void;
  private rejectAborted!: (err: Error) => void;

  constructor(
    readonly command: string,
    readonly path: string,
    readonly channel: DataChannel,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.aborted = new Promise((_, reject) => (this.rejectAborted = reject));
    this.aborted.catch(() => {}); // only observed when someone is waiting on it
  }

  /** Bytes moved so far over the data connection, either way. */
  get bytes(): number {
    return this.socket ? this.socket.bytesRead + this.socket.bytesWritten : 0;
  }

  abort(): void {
    this.abortRequested = true;
    this.rejectAborted(new Error("aborted"));
    this.channel.close();
  }

  finished(): void {
    this.finish();
  }
}

/** Error codes that mean "the data connection broke", as opposed to a disk problem. */
export function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
//> final tls-broken
  // A TLS data connection that breaks (clear-text garbage, a bad record, an alert) fails with
  // OpenSSL's error: the client's connection is broken, not our disk.
  if (code === "EPROTO" || (typeof code === "string" && code.startsWith("ERR_SSL_"))) return true;
//<
  return (
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    code === "ECONNABORTED" ||
    code === "ETIMEDOUT" ||
    code === "ERR_STREAM_PREMATURE_CLOSE" ||
    code === "ERR_STREAM_DESTROYED"
  );
}
//<
