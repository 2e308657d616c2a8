/**
 * Data connections (the second TCP connection FTP opens for each listing or file transfer).
 *
 * Each data socket gets a recorder the moment it exists: it buffers everything the server
 * sends (so nothing is lost if the test reads it a bit later) and notes every byte in the
 * transcript. Writes are recorded too, by wrapping the socket's write/end.
 */
import net, { type Socket } from "node:net";
import { once } from "node:events";
import { HarnessError } from "./errors.ts";
import type { Transcript } from "./transcript.ts";

interface Recorder {
  chunks: Buffer[];
  size: number;
  /** The server sent FIN (clean end of data). */
  ended: boolean;
  closed: boolean;
  error: Error | null;
  localPort: number;
  remotePort: number;
  /** Called on every change (data, end, close, error) to wake up readers. */
  wake: Set<() => void>;
}

const recorders = new WeakMap<Socket, Recorder>();

function toBuffer(chunk: unknown, encoding: unknown): Buffer | null {
  if (typeof chunk === "string") return Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return null;
}

/**
 * Start recording a connected data socket. `opener` is who opened the connection: "C" for
 * passive mode (the test connects), "S" for active mode (the server connects to us).
 */
export function recordDataSocket(socket: Socket, transcript: Transcript | undefined, opener: "C" | "S"): Socket {
  if (recorders.has(socket)) return socket;
  const rec: Recorder = {
    chunks: [],
    size: 0,
    ended: false,
    closed: false,
    error: null,
    localPort: socket.localPort ?? 0,
    remotePort: socket.remotePort ?? 0,
    wake: new Set(),
  };
  recorders.set(socket, rec);
  const ports = { localPort: rec.localPort, remotePort: rec.remotePort };
  const wake = () => rec.wake.forEach((f) => f());
  transcript?.add({ conn: "data", dir: opener, bytes: Buffer.alloc(0), event: "open", text: "", ...ports });

  socket.on("data", (chunk: Buffer) => {
    rec.chunks.push(chunk);
    rec.size += chunk.length;
    transcript?.add({ conn: "data", dir: "S", bytes: chunk, ...ports });
    wake();
  });
  socket.on("end", () => {
    rec.ended = true;
    transcript?.add({ conn: "data", dir: "S", bytes: Buffer.alloc(0), event: "close", text: "", ...ports });
    wake();
  });
  socket.on("error", (err) => {
    rec.error = err;
    wake();
  });
  socket.on("close", () => {
    rec.closed = true;
    wake();
  });

  // Record what the test writes. Node has no "outgoing data" event, so wrap write/end on this
  // one socket instance (the prototype is untouched).
  const origWrite = socket.write;
  const origEnd = socket.end;
  socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
    const b = toBuffer(chunk, rest[0]);
    if (b && b.length) transcript?.add({ conn: "data", dir: "C", bytes: b, ...ports });
    return (origWrite as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as Socket["write"];
  socket.end = function (this: Socket, ...args: unknown[]): Socket {
    const b = typeof args[0] === "function" ? null : toBuffer(args[0], args[1]);
    if (b && b.length) transcript?.add({ conn: "data", dir: "C", bytes: b, ...ports });
    if (!this.writableEnded) transcript?.add({ conn: "data", dir: "C", bytes: Buffer.alloc(0), event: "close", text: "", ...ports });
    return (origEnd as (...a: unknown[]) => Socket).apply(this, args);
  } as Socket["end"];
  return socket;
}

function describe(rec: Recorder): string {
  return `data connection (server port ${rec.remotePort} -> client port ${rec.localPort})`;
}

/**
 * Read a data socket until the server closes it, and return everything it sent. The timeout is
 * an idle timeout (reset by every chunk), so big transfers don't need a bigger one.
 */
export function readAll(socket: Socket, idleTimeoutMs = 10_000): Promise<Buffer> {
  const rec = recorders.get(socket) ?? recorders.get(recordDataSocket(socket, undefined, "C"))!;
  return new Promise<Buffer>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: Error) => {
      clearTimeout(timer);
      rec.wake.delete(check);
      if (err) reject(err);
      else resolve(Buffer.concat(rec.chunks, rec.size));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        finish(
          new HarnessError(
            `The ${describe(rec)} was not closed by the server within ${idleTimeoutMs} ms of its last activity ` +
              `(received ${rec.size} bytes so far). The server must close the data connection to mark the end of a transfer.`,
          ),
        );
      }, idleTimeoutMs);
    };
    function check() {
      if (rec.error) {
        const code = (rec.error as NodeJS.ErrnoException).code ?? rec.error.message;
        finish(new HarnessError(`The ${describe(rec)} failed (${code}) after ${rec.size} bytes.`));
      } else if (rec.ended || rec.closed) finish();
      else arm();
    }
    rec.wake.add(check);
    check();
  });
}

/** Bytes received so far on a recorded data socket (without waiting). */
export function receivedSoFar(socket: Socket): Buffer {
  const rec = recorders.get(socket);
  return rec ? Buffer.concat(rec.chunks, rec.size) : Buffer.alloc(0);
}

/** A connected data socket with promise-based helpers. `socket` is the raw Node socket. */
export interface DataSocket {
  socket: Socket;
  localPort: number;
  remotePort: number;
  /** Read until the server closes the connection. */
  readAll(idleTimeoutMs?: number): Promise<Buffer>;
  /** Write and wait until the bytes are handed to the OS. */
  write(data: Buffer | string): Promise<void>;
  /** Send optional last bytes, then FIN (this is how a client marks the end of an upload). */
  end(data?: Buffer | string): Promise<void>;
  /** Resolves when the socket is fully closed. */
  closed(): Promise<void>;
  destroy(): void;
}

export function wrapDataSocket(socket: Socket): DataSocket {
  const rec = recorders.get(socket);
  if (!rec) throw new Error("wrapDataSocket: socket is not recorded; call recordDataSocket first");
  // Not events.once: that rejects on "error", and a reset connection is still "closed".
  const closedP = rec.closed ? Promise.resolve() : new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return {
    socket,
    localPort: rec.localPort,
    remotePort: rec.remotePort,
    readAll: (ms) => readAll(socket, ms),
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        socket.write(data, (err) => (err ? reject(err) : resolve()));
      }),
    end: (data) =>
      new Promise<void>((resolve) => {
        if (data !== undefined) socket.end(data, () => resolve());
        else socket.end(() => resolve());
      }),
    closed: () => closedP,
    destroy: () => socket.destroy(),
  };
}

/**
 * Connect to a passive-mode data port, with a timeout and an error that says what failed;
 * from `localAddress` when given (a loopback address other than the OS's choice).
 */
export async function connectData(host: string, port: number, timeoutMs: number, transcript?: Transcript, localAddress?: string): Promise<DataSocket> {
  const socket = net.connect({ host, port, ...(localAddress !== undefined ? { localAddress } : {}) });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      once(socket, "connect"),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    socket.destroy();
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new HarnessError(
      `Could not open the data connection ${localAddress !== undefined ? `from ${localAddress} ` : ""}to ${host}:${port} (${code}). ` +
        `Is the server listening on that port before it sends its 227/229 reply?`,
    );
  } finally {
    clearTimeout(timer);
  }
  recordDataSocket(socket, transcript, "C");
  return wrapDataSocket(socket);
}

export interface ActiveListener {
  host: string;
  port: number;
  /** Argument for PORT: "127,0,0,1,p1,p2". */
  portArg: string;
  /** Argument for EPRT: "|1|127.0.0.1|port|" (or "|2|::1|port|"). */
  eprtArg: string;
  /** The next connection the server makes to us (already recorded in the transcript). */
  accept(timeoutMs?: number): Promise<Socket>;
  close(): Promise<void>;
}

/** Listen locally for active-mode (PORT/EPRT) data connections from the server. */
export async function listenActive(host = "127.0.0.1", transcript?: Transcript, defaultTimeoutMs = 10_000): Promise<ActiveListener> {
  const queue: Socket[] = [];
  const waiting: Array<(s: Socket) => void> = [];
  const all = new Set<Socket>();
  const server = net.createServer((socket) => {
    all.add(socket);
    socket.on("close", () => all.delete(socket));
    recordDataSocket(socket, transcript, "S");
    const w = waiting.shift();
    if (w) w(socket);
    else queue.push(socket);
  });
  server.listen(0, host);
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  const v6 = net.isIPv6(host);
  const portArg = v6 ? "" : `${host.split(".").join(",")},${port >> 8},${port & 255}`;
  const eprtArg = `|${v6 ? 2 : 1}|${host}|${port}|`;
  let closing: Promise<void> | null = null;
  return {
    host,
    port,
    portArg,
    eprtArg,
    accept(timeoutMs = defaultTimeoutMs) {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise<Socket>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiting.indexOf(got);
          if (i >= 0) waiting.splice(i, 1);
          reject(
            new HarnessError(
              `No data connection arrived at ${host}:${port} within ${timeoutMs} ms. ` +
                `After "PORT ${portArg}" (or "EPRT ${eprtArg}") the server must connect to that address when a transfer starts.`,
            ),
          );
        }, timeoutMs);
        function got(s: Socket) {
          clearTimeout(timer);
          resolve(s);
        }
        waiting.push(got);
      });
    },
    close() {
      // Un-accepted connections are ours to clean up; accepted ones belong to the test.
      closing ??= new Promise<void>((resolve) => {
        for (const s of queue) s.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
