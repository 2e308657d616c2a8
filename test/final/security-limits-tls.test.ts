/**
 * Implicit FTPS (--tls-implicit-port): the checks that come before the greeting (deny lists,
 * bans, max_connections, max_connections_per_ip) are made on the raw TCP connection, before
 * any TLS handshake, so a refused address costs the server no handshake and no session; a
 * connection that never completes its handshake counts against the limits and is dropped
 * after the handshake time limit.
 *
 * "No handshake" is observed from the client: tls.connect's secureConnect never fires (the
 * ServerHello never arrives) and the socket closes.
 */
import net from "node:net";
import tls from "node:tls";
import { afterAll, beforeAll, describe, it } from "vitest";
import { HarnessError, makeTempRoot, startServer, stopAll, type RunningServer, type TempRoot } from "../harness/index.ts";

afterAll(stopAll);

function implicitPort(server: RunningServer): number {
  const m = /^IMPLICIT-TLS \S+:(\d+)$/m.exec(server.stdout());
  if (!m) throw new Error(`the server printed no IMPLICIT-TLS line:\n${server.stdout()}`);
  return Number(m[1]);
}

/**
 * One server for the file (making its self-signed certificate takes seconds on a busy
 * machine): 127.0.0.31 is denied, and each address may hold 2 sessions. Each test connects
 * from its own loopback address.
 */
let server: RunningServer;
let root: TempRoot;
let port: number;
beforeAll(async () => {
  root = makeTempRoot({ "a.txt": "hello\n" });
  server = await startServer({ root: root.dir, args: ["--tls", "--tls-implicit-port", "0", "--deny", "127.0.0.31", "--max-cons-per-ip", "2"], timeoutMs: 60_000 });
  port = implicitPort(server);
}, 70_000);
afterAll(async () => {
  await server?.stop();
  root?.cleanup();
});

/** A TLS client connection from a chosen loopback address (tls.connect has no localAddress). */
function tlsFrom(port: number, from: string): tls.TLSSocket {
  const raw = net.connect({ host: "127.0.0.1", port, localAddress: from });
  raw.on("error", () => {});
  return tls.connect({ socket: raw, rejectUnauthorized: false });
}

type TlsOutcome = { handshake: true; greeting: string } | { handshake: false; closed: true };

/** A TLS client from `from`: did the handshake complete (and what came first), or was it closed? */
function tryTls(port: number, from: string, timeoutMs = 8000): Promise<TlsOutcome> {
  return new Promise((resolve, reject) => {
    const socket = tlsFrom(port, from);
    let handshake = false;
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new HarnessError(`tls.connect from ${from}: neither a handshake nor a close within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (outcome: TlsOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on("secureConnect", () => (handshake = true));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n")) done({ handshake: true, greeting: text.split("\r\n")[0]! });
    });
    socket.on("error", () => {});
    socket.on("close", () => (handshake ? done({ handshake: true, greeting: text }) : done({ handshake: false, closed: true })));
  });
}

/** A raw TCP connection to the implicit port that never sends a byte. */
function idleTcp(port: number, from: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, localAddress: from }, () => resolve(s));
    s.on("error", reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function expectNoHandshake(outcome: TlsOutcome, why: string): void {
  if (outcome.handshake) {
    throw new HarnessError(`Expected no TLS handshake (${why}), but the handshake completed and the server then sent: ${JSON.stringify(outcome.greeting)}`);
  }
}

describe.concurrent("security: implicit FTPS refuses before the TLS handshake", () => {
  it("a denied address gets no TLS handshake (no ServerHello; the socket is closed); an allowed one does", async () => {
    expectNoHandshake(await tryTls(port, "127.0.0.31"), "--deny 127.0.0.31");
    const ok = await tryTls(port, "127.0.0.32");
    if (!ok.handshake || !ok.greeting.startsWith("220")) throw new HarnessError(`127.0.0.32 is not denied: expected a handshake and 220, got ${JSON.stringify(ok)}`);
  });

  it("max_connections_per_ip applies before the handshake, and connections still in their handshake count", async () => {
    const idle: net.Socket[] = [];
    try {
      // Two connections that never start TLS hold the address's two places.
      idle.push(await idleTcp(port, "127.0.0.33"), await idleTcp(port, "127.0.0.33"));
      await sleep(200);
      expectNoHandshake(await tryTls(port, "127.0.0.33"), "two handshakes in progress already fill --max-cons-per-ip 2");
      for (const sock of idle) sock.destroy();
      await sleep(300);
      // Two real sessions: the third connection is refused before the handshake too.
      const held = [tlsFrom(port, "127.0.0.33"), tlsFrom(port, "127.0.0.33")];
      try {
        await Promise.all(
          held.map(
            (t) =>
              new Promise<void>((resolve, reject) => {
                t.once("data", () => resolve());
                t.once("error", reject);
              }),
          ),
        );
        expectNoHandshake(await tryTls(port, "127.0.0.33"), "two sessions fill --max-cons-per-ip 2");
      } finally {
        for (const t of held) t.destroy();
      }
    } finally {
      for (const sock of idle) sock.destroy();
    }
  });

  it("a connection that never completes its TLS handshake is closed within 15 s", async () => {
    const sock = await idleTcp(port, "127.0.0.34");
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      sock.on("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    sock.destroy();
    if (!closed) throw new HarnessError("a connection that sent nothing on the implicit port was still open after 15 s");
  }, 25_000);
});
