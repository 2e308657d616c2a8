// Passive mode: the server opens a port and tells the client where to connect.
//
//   C: PASV
//   S: 227 Entering Passive Mode (127,0,0,1,234,96).    <- we listen on port 234*256+96 = 60000
//   (client connects to 127.0.0.1:60000)
//
// The port comes from the OS (any free port).

import { createServer, Socket, type OnReadOpts, type Server } from "node:net";
import { FtpError } from "../protocol/reply.ts";
import type { DataChannel } from "./channel.ts";

export interface PassiveOptions {
  bindHost: string;
}

export class PassiveChannel implements DataChannel {
  readonly mode = "passive";
  private socket: Socket | null = null;
  private closed = false;
  private waiters: Array<{ resolve: (s: Socket) => void; reject: (e: Error) => void; onread?: OnReadOpts }> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: PassiveOptions,
  ) {
    server.on("connection", (socket) => this.accept(socket));
  }

  static async open(options: PassiveOptions): Promise<PassiveChannel> {
    const server = createServer({ pauseOnConnect: true });
    await listen(server, options.bindHost, 0);
    const address = server.address();
    return new PassiveChannel(server, typeof address === "object" && address ? address.port : 0, options);
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  private accept(socket: Socket): void {
    socket.on("error", () => socket.destroy());
    if (this.socket || this.closed) {
      socket.destroy();
      return;
    }
    this.socket = socket;
    this.server.close(); // one connection per PASV
    for (const w of this.waiters.splice(0)) w.resolve(this.handOver(w.onread));
  }

  connect(onread?: OnReadOpts): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.handOver(onread));
    if (this.closed) return Promise.reject(new FtpError(421, "No data connection in time; transfer cancelled."));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject, onread }));
  }

  /** The accepted socket, reading into the caller's buffers when it asks for that. */
  private handOver(onread?: OnReadOpts): Socket {
    return this.socket!;
  }

  close(reason?: FtpError): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    this.socket?.destroy();
    const err = reason ?? new FtpError(425, "Can't open data connection.");
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", onError);
      // Errors after listening (rare) must not crash the process.
      server.on("error", () => server.close());
      resolve();
    });
  });
}
