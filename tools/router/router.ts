// A home router's port mapping, in userland: listen on a second loopback address (the router's
// "public" address, 127.0.0.2) and forward each connection to the server's address (127.0.0.1),
// port for port. Only node:net; no root needed (on Linux all of 127.0.0.0/8 is loopback).
//
//   const router = await startRouter({
//     publicAddress: "127.0.0.2",
//     serverAddress: "127.0.0.1",
//     forwards: parseForwards(["2121", "60000-60010"]),
//     onEvent: (e) => console.log(formatEvent(e)),
//   });
//   ...
//   await router.close();
//
// What differs from a real router (lessons/07-port-mapping/README.md, "What a real router does"):
// a kernel NAT rewrites addresses in the packets, so the server sees the real client's address.
// A forwarder opens a second TCP connection, so the server sees the forwarder. We open it from
// the public address (sourceAddress), so the server can tell forwarded connections (127.0.0.2)
// from LAN ones (127.0.0.1), as it could behind a real router.

import net, { type Server, type Socket } from "node:net";

/** Public ports from..to go to the server's ports target..target+(to-from). */
export interface Forward {
  from: number;
  to: number;
  target: number;
}

export interface RouterOptions {
  /** The address the router listens on (the "public" one). */
  publicAddress: string;
  /** Where the server is. */
  serverAddress: string;
  /** The source address of the router's connections to the server. Default: publicAddress; null: the OS's choice. */
  sourceAddress?: string | null;
  forwards: readonly Forward[];
  /** A connection the server does not accept within this is given up. Default 10 s. */
  connectTimeoutMs?: number;
  onEvent?: (event: RouterEvent) => void;
}

export interface Endpoint {
  address: string;
  port: number;
}

interface ConnectionInfo {
  id: number;
  /** The client, as the router sees it. */
  client: Endpoint;
  /** The router's public address and port the client connected to. */
  via: Endpoint;
  /** Where the router forwards it. */
  server: Endpoint;
}

export type RouterEvent =
  | ({ kind: "open" } & ConnectionInfo)
  | ({ kind: "close"; toServer: number; toClient: number; ms: number; error: string | null } & ConnectionInfo)
  | ({ kind: "failed"; code: string; ms: number } & ConnectionInfo);

export interface Router {
  readonly publicAddress: string;
  readonly serverAddress: string;
  readonly sourceAddress: string | null;
  readonly forwards: readonly Forward[];
  /** Every public port it listens on. */
  readonly ports: readonly number[];
  /** Connections forwarded so far (opened), and those open right now. */
  stats(): { forwarded: number; failed: number; open: number };
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

/** Some ports could not be listened on; nothing is left listening. */
export class BindError extends Error {
  override name = "BindError";
  constructor(
    readonly address: string,
    readonly failures: ReadonlyArray<{ port: number; code: string }>,
  ) {
    super(describeBindFailures(address, failures));
  }
}

/** A --forward value that is not PORT, FROM-TO, PORT:TARGET or FROM-TO:TARGET. */
export class ForwardSyntaxError extends Error {
  override name = "ForwardSyntaxError";
}

/** At most this many ports in all (each is a listening socket). */
export const MAX_PORTS = 4096;

// ---------------------------------------------------------------------------------------------
// --forward values

/**
 *   parseForward("2121")              -> { from: 2121, to: 2121, target: 2121 }
 *   parseForward("60000-60010")       -> { from: 60000, to: 60010, target: 60000 }
 *   parseForward("2121:21")           -> { from: 2121, to: 2121, target: 21 }     (public 2121 to the server's 21)
 *   parseForward("61000-61010:60000") -> { from: 61000, to: 61010, target: 60000 }
 */
export function parseForward(text: string): Forward {
  const m = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?(?:\s*:\s*(\d{1,5}))?\s*$/.exec(text);
  if (!m) throw new ForwardSyntaxError(`--forward ${JSON.stringify(text)}: expected PORT, FROM-TO, PORT:SERVERPORT or FROM-TO:FIRSTSERVERPORT (e.g. 2121 or 60000-60010)`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  const target = m[3] === undefined ? from : Number(m[3]);
  for (const [what, port] of [["port", from], ["port", to], ["server port", target]] as const) {
    if (port < 1 || port > 65535) throw new ForwardSyntaxError(`--forward ${text}: ${what} ${port} is not 1-65535`);
  }
  if (to < from) throw new ForwardSyntaxError(`--forward ${text}: the range ends before it starts (write ${to}-${from})`);
  if (target + (to - from) > 65535) throw new ForwardSyntaxError(`--forward ${text}: the server ports would go past 65535`);
  return { from, to, target };
}

/** Several --forward values; overlapping public ports are an error. */
export function parseForwards(texts: readonly string[]): Forward[] {
  const forwards = texts.flatMap((t) => t.split(",").filter((s) => s.trim() !== "")).map(parseForward);
  const seen = new Map<number, Forward>();
  for (const f of forwards) {
    for (let p = f.from; p <= f.to; p++) {
      const other = seen.get(p);
      if (other) throw new ForwardSyntaxError(`--forward ${formatForward(f)} and ${formatForward(other)} both claim port ${p}`);
      seen.set(p, f);
    }
  }
  if (seen.size > MAX_PORTS) throw new ForwardSyntaxError(`${seen.size} ports to forward; at most ${MAX_PORTS} (a passive range of a few dozen ports is plenty)`);
  return forwards;
}

export function formatForward(f: Forward): string {
  return f.from === f.to ? String(f.from) : `${f.from}-${f.to}`;
}

function formatTarget(f: Forward): string {
  const last = f.target + (f.to - f.from);
  return f.target === last ? String(f.target) : `${f.target}-${last}`;
}

/** "127.0.0.2:60000-60010 -> 127.0.0.1:60000-60010" */
export function describeForward(f: Forward, publicAddress: string, serverAddress: string): string {
  return `${hostPort(publicAddress, formatForward(f))} -> ${hostPort(serverAddress, formatTarget(f))}`;
}

function hostPort(address: string, port: number | string): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

// ---------------------------------------------------------------------------------------------
// binding

/** Ports as ranges: [60000, 60001, 60002, 60005] -> "60000-60002, 60005". */
export function portList(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

/** Why a port cannot be listened on, in words a learner can act on. */
export function explainBindCode(code: string, address: string): string {
  switch (code) {
    case "EADDRINUSE":
      return `in use: another program listens there, or one listens on every address (0.0.0.0) with the same port; run the FTP server with -i 127.0.0.1 so that ${address} is free for the router`;
    case "EADDRNOTAVAIL":
      return `${address} is not an address of this machine (Linux has all of 127.0.0.0/8; on macOS add it first: sudo ifconfig lo0 alias ${address} up)`;
    case "EACCES":
    case "EPERM":
      return "not allowed: ports below 1024 need root; forward a higher port (2121 instead of 21)";
    default:
      return code;
  }
}

function describeBindFailures(address: string, failures: ReadonlyArray<{ port: number; code: string }>): string {
  const byCode = new Map<string, number[]>();
  for (const f of failures) byCode.set(f.code, [...(byCode.get(f.code) ?? []), f.port]);
  const lines = [...byCode].map(([code, ports]) => {
    const what = ports.length === 1 ? `port ${ports[0]}` : `ports ${portList(ports)}`;
    return `cannot listen on ${address} ${what} (${code}): ${explainBindCode(code, address)}`;
  });
  return lines.join("\n");
}

function listenOn(server: Server, host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message);
    server.once("error", onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", onError);
      resolve(null);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

// ---------------------------------------------------------------------------------------------
// the router

/** Listens on every forwarded port (all or none: a BindError names every port that failed). */
export async function startRouter(options: RouterOptions): Promise<Router> {
  const { publicAddress, serverAddress, forwards } = options;
  const sourceAddress = options.sourceAddress === undefined ? publicAddress : options.sourceAddress;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const emit = options.onEvent ?? (() => {});
  if (forwards.length === 0) throw new ForwardSyntaxError("nothing to forward: give --forward PORT or --forward FROM-TO");
  if (!net.isIP(publicAddress)) throw new ForwardSyntaxError(`--public ${publicAddress} is not an IP address`);
  if (!net.isIP(serverAddress)) throw new ForwardSyntaxError(`--to ${serverAddress} is not an IP address`);
  if (sourceAddress !== null && !net.isIP(sourceAddress)) throw new ForwardSyntaxError(`--source ${sourceAddress} is not an IP address`);
  if (publicAddress === serverAddress && forwards.some((f) => f.target === f.from)) {
    throw new ForwardSyntaxError(`--public and --to are both ${publicAddress}: the router would forward to itself (the server is at 127.0.0.1, the router at 127.0.0.2)`);
  }

  const sockets = new Set<Socket>();
  let seq = 0;
  let forwarded = 0;
  let failed = 0;
  let open = 0;

  const handle = (client: Socket, f: Forward, publicPort: number) => {
    const started = performance.now();
    const info: ConnectionInfo = {
      id: ++seq,
      client: { address: client.remoteAddress ?? "?", port: client.remotePort ?? 0 },
      via: { address: publicAddress, port: publicPort },
      server: { address: serverAddress, port: f.target + (publicPort - f.from) },
    };
    const upstream = net.connect({
      host: serverAddress,
      port: info.server.port,
      allowHalfOpen: true,
      ...(sourceAddress !== null ? { localAddress: sourceAddress } : {}),
    });
    sockets.add(client);
    sockets.add(upstream);
    let connected = false;
    let error: string | null = null;
    let closedCount = 0;
    const timer = setTimeout(() => upstream.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })), connectTimeoutMs);

    const onClose = () => {
      if (++closedCount < 2) return;
      const ms = performance.now() - started;
      if (connected) {
        open--;
        emit({ kind: "close", ...info, toServer: client.bytesRead, toClient: upstream.bytesRead, ms, error });
      }
    };
    client.on("close", () => {
      sockets.delete(client);
      if (!connected) upstream.destroy(); // the client gave up before the server answered
      onClose();
    });
    upstream.on("close", () => {
      sockets.delete(upstream);
      clearTimeout(timer);
      onClose();
    });
    // A reset on one side is passed on as a reset; any other error just ends the other side.
    client.on("error", (err: NodeJS.ErrnoException) => {
      error ??= `client ${err.code ?? err.message}`;
      if (err.code === "ECONNRESET" && connected) upstream.resetAndDestroy();
      else upstream.destroy();
    });
    upstream.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      if (!connected) {
        // The server refused (or never answered): the client gets a reset, as if its own
        // connection had been refused.
        failed++;
        emit({ kind: "failed", ...info, code, ms: performance.now() - started });
        client.resetAndDestroy();
        return;
      }
      error ??= `server ${code}`;
      if (code === "ECONNRESET") client.resetAndDestroy();
      else client.destroy();
    });
    upstream.once("connect", () => {
      clearTimeout(timer);
      connected = true;
      forwarded++;
      open++;
      emit({ kind: "open", ...info });
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  };

  const servers: Server[] = [];
  const failures: Array<{ port: number; code: string }> = [];
  const ports: number[] = [];
  await Promise.all(
    forwards.flatMap((f) =>
      Array.from({ length: f.to - f.from + 1 }, async (_, i) => {
        const port = f.from + i;
        const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => handle(client, f, port));
        const code = await listenOn(server, publicAddress, port);
        if (code) failures.push({ port, code });
        else {
          servers.push(server);
          ports.push(port);
          server.on("error", () => {}); // after listening: nothing to do but keep the others going
        }
      }),
    ),
  );
  if (failures.length) {
    await Promise.all(servers.map(closeServer));
    throw new BindError(publicAddress, failures.sort((a, b) => a.port - b.port));
  }
  ports.sort((a, b) => a - b);

  let closing: Promise<void> | null = null;
  return {
    publicAddress,
    serverAddress,
    sourceAddress,
    forwards,
    ports,
    stats: () => ({ forwarded, failed, open }),
    close() {
      closing ??= (async () => {
        const closed = Promise.all(servers.map(closeServer));
        for (const s of sockets) s.destroy();
        await closed;
      })();
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// log lines

function bytes(n: number): string {
  return `${n} B`;
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function path(e: ConnectionInfo): string {
  return `${hostPort(e.client.address, e.client.port)} -> ${hostPort(e.via.address, e.via.port)} -> ${hostPort(e.server.address, e.server.port)}`;
}

/**
 * One log line per event:
 *
 *   #1 127.0.0.3:41234 -> 127.0.0.2:2121 -> 127.0.0.1:2121 open
 *   #1 127.0.0.3:41234 -> 127.0.0.2:2121 -> 127.0.0.1:2121 closed: 74 B to the server, 312 B to the client, 1.52 s
 *   #2 127.0.0.3:41250 -> 127.0.0.2:60004 -> 127.0.0.1:60004 failed: ECONNREFUSED (nothing listens on 127.0.0.1:60004), after 2 ms
 */
export function formatEvent(e: RouterEvent): string {
  const head = `#${e.id} ${path(e)}`;
  switch (e.kind) {
    case "open":
      return `${head} open`;
    case "close":
      return `${head} closed: ${bytes(e.toServer)} to the server, ${bytes(e.toClient)} to the client, ${duration(e.ms)}${e.error ? ` (${e.error})` : ""}`;
    case "failed": {
      const why =
        e.code === "ECONNREFUSED"
          ? ` (nothing listens on ${hostPort(e.server.address, e.server.port)})`
          : e.code === "ETIMEDOUT"
            ? " (the server did not answer)"
            : "";
      return `${head} failed: ${e.code}${why}, after ${duration(e.ms)}`;
    }
  }
}
