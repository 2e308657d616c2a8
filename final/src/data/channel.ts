//> 0 data-channel
// A data connection, set up by PASV/EPSV (we listen, the client connects) or PORT/EPRT (the
// client listens, we connect). A transfer command asks for the socket and uses it once.

import type { OnReadOpts, Socket } from "node:net";

export interface DataChannel {
  readonly mode: "passive" | "active";
  /** Already connected? Decides between "125 already open" and "150 opening". */
  readonly connected: boolean;
  /**
   * The connected socket: waits for the client (passive) or dials it (active). With `onread`
   * the socket reads into the caller's buffers instead of emitting 'data' (an upload's fast
   * path, transfer/receive-file.ts); the caller can tell by whether its buffer was asked for.
   */
  connect(onread?: OnReadOpts): Promise<Socket>;
  /** Closes the listener and any socket; a pending connect() rejects. Idempotent. */
  close(): void;
}
//<
