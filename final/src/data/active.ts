//> 6 active
// Active mode: the client listens and tells us where; we connect to it.
//
//   C: PORT 127,0,0,1,195,80      (client listens on 127.0.0.1:50000)
//   S: 200 PORT command successful.
//   (on RETR/LIST/..., the server connects to 127.0.0.1:50000)
//
// RFC 2577's "bounce attack": a client could name someone else's address and make us
// connect there. So the address must be the client's own, and the port not a privileged
// one (below 1024), unless the operator explicitly allows it.

import { connect, type OnReadOpts, type Socket } from "node:net";
import { FtpError } from "../protocol/reply.ts";
import type { DataChannel } from "./channel.ts";
import type { HostPort } from "./address.ts";

const CONNECT_TIMEOUT_MS = 10_000;

export class ActiveChannel implements DataChannel {
  readonly mode = "active";
//> 6 active-channel
  private socket: Socket | null = null;
  private closed = false;

  constructor(
    private readonly target: HostPort,
    private readonly localAddress: string,
  ) {}

  get connected(): boolean {
    return false; // we only dial when a transfer starts
  }

  connect(onread?: OnReadOpts): Promise<Socket> {
    if (this.closed) return Promise.reject(new FtpError(425, "Can't open data connection."));
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.target.host, port: this.target.port, localAddress: this.localAddress, onread });
      this.socket = socket;
      const fail = () => {
        socket.destroy();
        reject(new FtpError(425, `Can't open data connection to ${this.target.host} port ${this.target.port}.`));
      };
      socket.setTimeout(CONNECT_TIMEOUT_MS, fail);
      socket.once("error", fail);
      socket.once("connect", () => {
        socket.setTimeout(0);
        socket.off("error", fail);
        socket.on("error", () => socket.destroy());
        if (this.closed) return fail();
        resolve(socket);
      });
    });
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
//<
}
//<
