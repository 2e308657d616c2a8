//> 0 passive
// Passive mode: the server opens a port and tells the client where to connect.
//
//   C: PASV
//   S: 227 Entering Passive Mode (127,0,0,1,234,96).    <- we listen on port 234*256+96 = 60000
//   (client connects to 127.0.0.1:60000)
//
// The port comes from the OS (any free port).
//> 2 port-range-comment
// With a configured range it comes from there (so that a firewall or router can forward
// exactly that range).
//<
//> final passive-foreign-comment
// Only the client that asked may connect: a connection from any other address is dropped and
// we keep waiting (RFC 2577's advice against data-connection theft).
//<

import { createServer, Socket, type OnReadOpts, type Server } from "node:net";
import { FtpError } from "../protocol/reply.ts";
import type { DataChannel } from "./channel.ts";
//> final passive-foreign-import
import { plainIp } from "./address.ts";
//<

export interface PassiveOptions {
  bindHost: string;
//> 2 range-option
  range?: { from: number; to: number };
//<
//> final passive-guard-options
  clientIp: string;
  permitForeignAddresses: boolean;
  acceptTimeoutMs: number;
  onForeignConnection?: (address: string) => void;
//<
}

export class PassiveChannel implements DataChannel {
  readonly mode = "passive";
  private socket: Socket | null = null;
  private closed = false;
  private waiters: Array<{ resolve: (s: Socket) => void; reject: (e: Error) => void; onread?: OnReadOpts }> = [];
//> final passive-timer
  private readonly timer: NodeJS.Timeout | undefined;
//<

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: PassiveOptions,
  ) {
    server.on("connection", (socket) => this.accept(socket));
//> final passive-accept-timeout
    // Nobody came: give the port back; a transfer waiting for the connection gets 421.
    if (options.acceptTimeoutMs > 0) {
      this.timer = setTimeout(() => {
        const seconds = options.acceptTimeoutMs / 1000;
        this.close(new FtpError(421, `No data connection within ${seconds} seconds; transfer cancelled.`));
      }, options.acceptTimeoutMs);
      this.timer.unref();
    }
//<
  }

  static async open(options: PassiveOptions): Promise<PassiveChannel> {
//> 0-2 any-free-port
    //- const server = createServer({ pauseOnConnect: true });
    //- await listen(server, options.bindHost, 0);
    //- const address = server.address();
    //- return new PassiveChannel(server, typeof address === "object" && address ? address.port : 0, options);
//<
//> 2 port-range-open
    for (const port of candidatePorts(options.range)) {
      const server = createServer({ pauseOnConnect: true });
      try {
        await listen(server, options.bindHost, port);
      } catch (err) {
//> 2 port-range-busy
        const code = (err as NodeJS.ErrnoException).code;
        if (options.range && (code === "EADDRINUSE" || code === "EACCES")) continue;
//<
        throw err;
      }
      const address = server.address();
      const realPort = typeof address === "object" && address ? address.port : port;
      return new PassiveChannel(server, realPort, options);
    }
    throw new FtpError(425, "No free port in the passive port range; try again later.");
//<
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
//> final passive-foreign
    const from = plainIp(socket.remoteAddress);
    if (!this.options.permitForeignAddresses && from !== this.options.clientIp) {
      this.options.onForeignConnection?.(from);
      socket.destroy();
      return;
    }
    clearTimeout(this.timer);
//<
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
//> final own-buffers-handover
    if (onread && this.socket) this.socket = withOwnBuffers(this.socket, onread);
//<
    return this.socket!;
  }

  close(reason?: FtpError): void {
    if (this.closed) return;
    this.closed = true;
//> final passive-timer-clear
    clearTimeout(this.timer);
//<
    this.server.close();
    this.socket?.destroy();
    const err = reason ?? new FtpError(425, "Can't open data connection.");
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

//> final own-buffers
/**
 * An accepted socket that reads into the caller's buffers (`onread`). Node offers that option
 * only to sockets it connects itself, so the accepted connection's handle moves to a new
 * Socket made with it. Nothing has been read yet: the server accepts paused (pauseOnConnect).
 * Should a Node version lack the handle, the socket stays as it is and the caller, never asked
 * for a buffer, takes the ordinary stream path.
 */
function withOwnBuffers(accepted: Socket, onread: OnReadOpts): Socket {
  const inner = accepted as unknown as { _handle?: object | null };
  const handle = inner._handle;
  if (!handle || accepted.readableLength > 0 || accepted.destroyed) return accepted;
  inner._handle = null; // the old object lets go: destroying it can no longer touch the connection
  const socket = new Socket({ handle, onread } as ConstructorParameters<typeof Socket>[0]);
  socket.on("error", () => socket.destroy());
  return socket;
}

//<
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
//> 2 candidate-ports

/**
 * The ports to try, in order: the whole range from a random start (so sessions spread out),
 * or 0 (any free port, chosen by the OS) without a range.
 *
 *   candidatePorts({ from: 60000, to: 60003 })  ->  60002, 60003, 60000, 60001
 *   candidatePorts(undefined)                   ->  0
 */
function* candidatePorts(range?: { from: number; to: number }): Generator<number> {
//> 2 port-range
  if (!range) {
    yield 0;
    return;
  }
  const size = range.to - range.from + 1;
  const start = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) yield range.from + ((start + i) % size);
//<
}
//<
//<
