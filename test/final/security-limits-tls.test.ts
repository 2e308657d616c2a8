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
import { afterAll, describe, it } from "vitest";
import { HarnessError, makeTempRoot, startServer, stopAll, type RunningServer } from "../harness/index.ts";

afterAll(stopAll);

function implicitPort(server: RunningServer): number {
  const m = /^IMPLICIT-TLS \S+:(\d+)$/m.exec(server.stdout());
  if (!m) throw new Error(`the server printed no IMPLICIT-TLS line:\n${server.stdout()}`);
  return Number(m[1]);
}

async function start(args: string[]): Promise<{ server: RunningServer; port: number; cleanup: () => Promise<void> }> {
  const root = makeTempRoot({ "a.txt": "hello\n" });
  const server = await startServer({ root: root.dir, args: ["--tls", "--tls-implicit-port", "0", ...args] });
  return {
    server,
    port: implicitPort(server),
    cleanup: async () => {
      await server.stop();
      root.cleanup();
    },
  };
}

type TlsOutcome = { handshake: true; greeting: string } | { handshake: false; closed: true };

/** A TLS client from `from`: did the handshake complete (and what came first), or was it closed? */
function tryTls(port: number, from: string, timeoutMs = 8000): Promise<TlsOutcome> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, localAddress: from, rejectUnauthorized: false });
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

function expectNoHandshake(outcome: TlsOutcome, why: string): void {
  if (outcome.handshake) {
    throw new HarnessError(`Expected no TLS handshake (${why}), but the handshake completed and the server then sent: ${JSON.stringify(outcome.greeting)}`);
  }
}

describe.concurrent("security: implicit FTPS refuses before the TLS handshake", () => {
  it("a denied address gets no TLS handshake (no ServerHello; the socket is closed); an allowed one does", async () => {
    const s = await start(["--deny", "127.0.0.31"]);
    try {
      expectNoHandshake(await tryTls(s.port, "127.0.0.31"), "--deny 127.0.0.31");
      const ok = await tryTls(s.port, "127.0.0.32");
      if (!ok.handshake || !ok.greeting.startsWith("220")) throw new HarnessError(`127.0.0.32 is not denied: expected a handshake and 220, got ${JSON.stringify(ok)}`);
    } finally {
      await s.cleanup();
    }
  });

  it("max_connections_per_ip applies before the handshake, and connections still in their handshake count", async () => {
    const s = await start(["--max-cons-per-ip", "2"]);
    const idle: net.Socket[] = [];
    try {
      // Two connections that never start TLS hold the address's two places.
      idle.push(await idleTcp(s.port, "127.0.0.33"), await idleTcp(s.port, "127.0.0.33"));
      await new Promise((r) => setTimeout(r, 200));
      expectNoHandshake(await tryTls(s.port, "127.0.0.33"), "two handshakes in progress already fill --max-cons-per-ip 2");
      for (const sock of idle) sock.destroy();
      await new Promise((r) => setTimeout(r, 300));
      // Two real sessions: the third connection is refused before the handshake too.
      const held = [tls.connect({ host: "127.0.0.1", port: s.port, localAddress: "127.0.0.33", rejectUnauthorized: false }), tls.connect({ host: "127.0.0.1", port: s.port, localAddress: "127.0.0.33", rejectUnauthorized: false })];
      await Promise.all(held.map((t) => new Promise<void>((resolve, reject) => {
        t.once("data", () => resolve());
        t.once("error", reject);
      })));
      try {
        expectNoHandshake(await tryTls(s.port, "127.0.0.33"), "two sessions fill --max-cons-per-ip 2");
      } finally {
        for (const t of held) t.destroy();
      }
    } finally {
      for (const sock of idle) sock.destroy();
      await s.cleanup();
    }
  });

  it("a connection that never completes its TLS handshake is closed within 15 s", async () => {
    const s = await start([]);
    try {
      const sock = await idleTcp(s.port, "127.0.0.34");
      const t0 = performance.now();
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 15_000);
        sock.on("close", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      sock.destroy();
      if (!closed) throw new HarnessError("a connection that sent nothing on the implicit port was still open after 15 s");
      void t0;
    } finally {
      await s.cleanup();
    }
  }, 25_000);
});
