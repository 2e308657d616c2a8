// Active mode: the client listens and tells us where; we connect to it.
//
//   C: PORT 127,0,0,1,195,80      (client listens on 127.0.0.1:50000)
//   S: 200 PORT command successful.
//   (on RETR/LIST/..., the server connects to 127.0.0.1:50000)
//
// RFC 2577's "bounce attack": a client could name someone else's address and make us
// connect there. So the address must be the client's own, and the port not a privileged
// one (below 1024), unless the operator explicitly allows it.

import type { Socket } from "node:net";
import { FtpError } from "../protocol/reply.ts";
import type { DataChannel } from "./channel.ts";
import type { HostPort } from "./address.ts";

export class ActiveChannel implements DataChannel {
  readonly mode = "active";
  readonly connected = false;

  constructor(_target: HostPort, _localAddress: string) {}

  connect(): Promise<Socket> {
    return Promise.reject(new FtpError(502, "Active mode comes in lesson 6."));
  }

  close(): void {}
}
