/**
 * Holes in the control session found by an independent review, each tried the way an attacker
 * would (a bare socket, see security-session-raw.ts):
 *
 *  1. STAT during a transfer was answered at once, outside the queue that waits for the client
 *     to read its replies: a client that opens a download it never reads and sends STAT lines
 *     without reading the answers made the server buffer replies without end (65 MB -> 2.19 GB
 *     in 40 s). Urgent commands (STAT, ABOR) now wait their turn in a small queue of their own
 *     that obeys the same back-pressure.
 *  3. STARTTLS command injection (CVE-2011-0411 class): lines sent in clear text right behind
 *     "AUTH TLS", in the same packet, ran inside the protected session. They are dropped.
 *  6. A client dribbling one byte every few seconds kept its session past --timeout (every byte
 *     reset the idle clock); now only complete commands do, and a line that is not complete
 *     within min(idle timeout, 60 s) gets 421 (also during a transfer, when the idle clock rests).
 *  9. Garbage on a PROT P data connection after its TLS handshake: 451 and an ERROR log line;
 *     it is a broken data connection: 426 and a warning.
 */
import fs from "node:fs";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, type TempRoot } from "../harness/index.ts";
import { mib, rssBytes, sleep, sparseFile, startLogged, type LoggedServer } from "./fault-helpers.ts";
import { RawControl, connectTcp, tlsOverOwnStream } from "./security-session-raw.ts";

const USER = "anna";
const PASSWORD = "s3cret";

const open: Array<{ destroy(): void }> = [];
function track<T extends { destroy(): void }>(x: T): T {
  open.push(x);
  return x;
}
afterEach(() => {
  for (const x of open.splice(0)) x.destroy();
});

async function connect(logged: LoggedServer): Promise<RawControl> {
  return track(await RawControl.connect(logged.server.host, logged.server.port));
}

async function login(logged: LoggedServer, user = USER, password = PASSWORD): Promise<RawControl> {
  const ctl = await connect(logged);
  await ctl.send(`USER ${user}`, 331, "USER");
  await ctl.send(`PASS ${password}`, 230, "PASS");
  await ctl.send("TYPE I", 200, "TYPE I");
  return ctl;
}

/** RETR of a big file over a data connection that is never read: the transfer stays open. */
async function stalledDownload(ctl: RawControl, logged: LoggedServer, file = "big.bin"): Promise<net.Socket> {
  const port = await ctl.pasv();
  const data = track(await connectTcp(logged.server.host, port));
  data.pause();
  await ctl.send(`RETR ${file}`, [125, 150], "RETR starts");
  return data;
}

/** Wait for "drain", at most `ms`. */
function drainOr(socket: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off("drain", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.on("drain", done);
  });
}

describe("finding 1: STAT (urgent) during a transfer obeys back-pressure", () => {
  let root: TempRoot;
  let logged: LoggedServer;
  beforeAll(async () => {
    root = makeTempRoot({});
    sparseFile(root.path("big.bin"), 256 * 1024 * 1024);
    // Anonymous, read-only: all the attack needs.
    logged = await startLogged({ level: "warn", root: root.dir, args: ["--auth-failed-delay", "0"] });
  });
  afterAll(async () => {
    for (const x of open.splice(0)) x.destroy();
    await logged?.stop();
    root?.cleanup();
  });

  it("a client that never reads its download nor its replies, flooding STAT for 4 s: the server's RSS grows by less than 50 MB", async () => {
    const ctl = await login(logged, "anonymous", "guest@example.com");
    await stalledDownload(ctl, logged);
    await sleep(300); // the download fills its socket buffers first
    const before = rssBytes(logged.pid);
    ctl.socket.pause(); // never read a reply again
    const tcp = ctl.socket as net.Socket;
    const chunk = Buffer.from("STAT\r\n".repeat(10_000));
    let peak = before;
    let writes = 0;
    const t0 = Date.now();
    // Bounded: at most 400 writes of 10,000 lines, at most 4 s.
    while (Date.now() - t0 < 4000 && writes < 400) {
      writes++;
      if (!tcp.write(chunk)) await drainOr(tcp, 100);
      peak = Math.max(peak, rssBytes(logged.pid));
    }
    await sleep(300);
    peak = Math.max(peak, rssBytes(logged.pid));
    const taken = tcp.bytesWritten - tcp.writableLength;
    console.log(`STAT flood: ${writes} writes of 10,000 lines (${mib(taken)} taken by the kernel), server RSS ${mib(before)} -> peak ${mib(peak)}`);
    ctl.destroy();
    expect(peak - before, `server RSS ${mib(before)} -> ${mib(peak)} while one client sent STAT lines during a download and read nothing`).toBeLessThan(50 * 1024 * 1024);
  });

  it("a client that reads: 500 pipelined STATs during a transfer get 500 replies 213, in order, then ABOR gets 426 + 226", async () => {
    const ctl = await login(logged, "anonymous", "guest@example.com");
    await stalledDownload(ctl, logged);
    ctl.write("STAT\r\n".repeat(500));
    for (let i = 0; i < 500; i++) await ctl.expect(213, `STAT ${i + 1} during the transfer`);
    ctl.write("ABOR\r\n");
    await ctl.expect(426, "the transfer's 426 after ABOR");
    await ctl.expect(226, "ABOR's own 226");
    await ctl.send("NOOP", 200, "the session goes on");
  });

  it("pipelined NOOPs, then STATs, then ABOR during a transfer: ABOR still reaches the transfer; every line gets its reply", async () => {
    const ctl = await login(logged, "anonymous", "guest@example.com");
    await stalledDownload(ctl, logged);
    ctl.write("NOOP\r\n".repeat(70) + "STAT\r\n".repeat(20));
    await sleep(100);
    ctl.write("ABOR\r\n");
    const codes: number[] = [];
    for (let i = 0; i < 20 + 2 + 70; i++) {
      const r = await ctl.next(3000);
      if (!r) break;
      codes.push(r.code);
    }
    expect(codes.filter((c) => c === 213).length, "20 STAT replies").toBe(20);
    expect(codes.indexOf(426), "the transfer ends with 426 (ABOR) before the NOOPs run").toBeLessThan(codes.indexOf(200));
    expect(codes.filter((c) => c === 200).length, "70 NOOP replies").toBe(70);
    expect(codes).toContain(226);
  });
});

describe("finding 3: clear-text lines behind AUTH TLS are not run inside the TLS session", () => {
  for (const required of [false, true]) {
    describe(required ? "with --tls-control-required" : "with --tls", () => {
      let root: TempRoot;
      let logged: LoggedServer;
      beforeAll(async () => {
        root = makeTempRoot({});
        const args = ["--tls", "--user", `${USER}:${PASSWORD}:elradfmwMT:${root.dir}`, "--auth-failed-delay", "0"];
        if (required) args.push("--tls-control-required");
        logged = await startLogged({ level: "warn", args });
      });
      afterAll(async () => {
        for (const x of open.splice(0)) x.destroy();
        await logged?.stop();
        root?.cleanup();
      });

      it("AUTH TLS, USER, PASS, MKD in one packet: no folder, and after the handshake the session is not logged in", async () => {
        const ctl = await connect(logged);
        ctl.write(`AUTH TLS\r\nUSER ${USER}\r\nPASS ${PASSWORD}\r\nMKD /injected\r\n`);
        await ctl.expect(234, "AUTH TLS");
        await ctl.startTls();
        const first = await ctl.send("PWD", [257, 530], "PWD over TLS").catch((err: Error) => ({ code: -1, lines: [err.message] }));
        await sleep(200);
        expect(fs.existsSync(root.path("injected")), "the MKD sent in clear text behind AUTH TLS created /injected").toBe(false);
        expect(first.code, `the first reply over TLS: ${first.lines.join(" | ")}`).toBe(530);
        // The session works normally from here on.
        await ctl.send(`USER ${USER}`, 331, "USER over TLS");
        await ctl.send(`PASS ${PASSWORD}`, 230, "PASS over TLS");
        await ctl.send("MKD /legit", 257, "MKD over TLS");
        expect(fs.existsSync(root.path("legit"))).toBe(true);
        const warned = logged.log().some((e) => e.level === "warn" && /AUTH TLS/.test(e.msg));
        expect(warned, `a warning about the discarded clear text in the log:\n${JSON.stringify(logged.log())}`).toBe(true);
      });

      it("a partial line behind AUTH TLS is not completed by bytes sent over TLS", async () => {
        const ctl = await connect(logged);
        ctl.write(`AUTH TLS\r\nUSER ${USER}\r\nPASS ${PASSWORD}\r\nMKD /inj`);
        await ctl.expect(234, "AUTH TLS");
        await ctl.startTls();
        const r = await ctl.send("ected2", [500, 257, 331, 230], "the tail, over TLS").catch((err: Error) => ({ code: -1, lines: [err.message] }));
        await sleep(200);
        expect(fs.existsSync(root.path("injected2")), "a clear-text line head, completed over TLS, created /injected2").toBe(false);
        expect(r.code, `the first reply over TLS: ${r.lines.join(" | ")}`).toBe(500);
        await ctl.send("PWD", 530, "not logged in");
      });

      it("AUTH TLS followed by 200 pipelined lines (the queue stops reading): all dropped, the TLS session reads and answers", async () => {
        const ctl = await connect(logged);
        ctl.write(`AUTH TLS\r\nUSER ${USER}\r\nPASS ${PASSWORD}\r\n${"NOOP\r\n".repeat(200)}MKD /injected3\r\n`);
        await ctl.expect(234, "AUTH TLS");
        await ctl.startTls();
        await ctl.send("PWD", 530, "not logged in after the handshake");
        await ctl.send("NOOP", 200, "NOOP over TLS");
        await ctl.send(`USER ${USER}`, 331, "USER over TLS");
        await ctl.send(`PASS ${PASSWORD}`, 230, "PASS over TLS");
        expect(fs.existsSync(root.path("injected3"))).toBe(false);
      });
    });
  }
});

describe("finding 6: only complete commands keep a session alive; a line has a deadline (--timeout 2)", () => {
  let root: TempRoot;
  let logged: LoggedServer;
  beforeAll(async () => {
    root = makeTempRoot({});
    sparseFile(root.path("big.bin"), 256 * 1024 * 1024);
    logged = await startLogged({ level: "warn", root: root.dir, args: ["--timeout", "2", "--auth-failed-delay", "0"] });
  });
  afterAll(async () => {
    for (const x of open.splice(0)) x.destroy();
    await logged?.stop();
    root?.cleanup();
  });

  /** Send `bytes` one at a time, `everyMs` apart, until the server hangs up or `maxMs` passed. */
  async function dribble(ctl: RawControl, bytes: Buffer, everyMs: number, maxMs: number): Promise<{ survivedMs: number; closed: boolean }> {
    const t0 = Date.now();
    let closed = false;
    void ctl.closed.then(() => (closed = true));
    for (let i = 0; !closed && Date.now() - t0 < maxMs; i++) {
      ctl.write(bytes.subarray(i % bytes.length, (i % bytes.length) + 1));
      await sleep(everyMs);
    }
    return { survivedMs: Date.now() - t0, closed };
  }

  it("NOOP dribbled one byte every 500 ms (3 s a command): 421 and closed, not kept alive for 9 s", async () => {
    const ctl = await login(logged, "anonymous", "guest@example.com");
    const { survivedMs, closed } = await dribble(ctl, Buffer.from("NOOP\r\n"), 500, 9000);
    console.log(`dribbling NOOP under --timeout 2: survived ${(survivedMs / 1000).toFixed(1)} s, closed: ${closed}`);
    expect(closed, `the session was still open after ${(survivedMs / 1000).toFixed(1)} s of dribbling under --timeout 2`).toBe(true);
    const replies: number[] = [];
    for (let r = await ctl.next(500); r; r = await ctl.next(500)) replies.push(r.code);
    expect(replies).toContain(421);
  });

  it("a line that never ends, one byte every 300 ms during a transfer (no idle clock then): 421 and closed", async () => {
    const ctl = await login(logged, "anonymous", "guest@example.com");
    await stalledDownload(ctl, logged);
    const { survivedMs, closed } = await dribble(ctl, Buffer.from("NOOPNOOPNOOP"), 300, 9000);
    console.log(`a never-ending line during a transfer under --timeout 2: survived ${(survivedMs / 1000).toFixed(1)} s, closed: ${closed}`);
    expect(closed, `the session was still open after ${(survivedMs / 1000).toFixed(1)} s of an unfinished line`).toBe(true);
    const replies: number[] = [];
    for (let r = await ctl.next(500); r; r = await ctl.next(500)) replies.push(r.code);
    expect(replies).toContain(421);
  });

  it("a line in three pieces, 300 ms apart, is still a command (200)", async () => {
    const ctl = await login(logged, "anonymous", "guest@example.com");
    for (const piece of ["NO", "OP", "\r\n"]) {
      ctl.write(piece);
      await sleep(300);
    }
    await ctl.expect(200, "NOOP in pieces");
  });
});

describe("finding 9: garbage on a PROT P data connection after its handshake is 426 and a warning", () => {
  let root: TempRoot;
  let logged: LoggedServer;
  beforeAll(async () => {
    root = makeTempRoot({});
    sparseFile(root.path("big.bin"), 64 * 1024 * 1024);
    logged = await startLogged({ level: "warn", args: ["--tls", "--user", `${USER}:${PASSWORD}:elradfmwMT:${root.dir}`, "--auth-failed-delay", "0"] });
  });
  afterAll(async () => {
    for (const x of open.splice(0)) x.destroy();
    await logged?.stop();
    root?.cleanup();
  });

  async function tlsLogin(): Promise<RawControl> {
    const ctl = await connect(logged);
    await ctl.send("AUTH TLS", 234, "AUTH TLS");
    await ctl.startTls();
    await ctl.send(`USER ${USER}`, 331, "USER");
    await ctl.send(`PASS ${PASSWORD}`, 230, "PASS");
    await ctl.send("PBSZ 0", 200, "PBSZ");
    await ctl.send("PROT P", 200, "PROT P");
    await ctl.send("TYPE I", 200, "TYPE I");
    return ctl;
  }

  for (const command of ["RETR big.bin", "STOR up.bin"]) {
    it(`${command}: clear-text garbage after the data connection's handshake gets 426, logged as a warning, not an error`, async () => {
      const ctl = await tlsLogin();
      const port = await ctl.pasv();
      const tcp = track(await connectTcp(logged.server.host, port));
      await ctl.send(command, [125, 150], command);
      const { secure, rawWrite } = await tlsOverOwnStream(tcp);
      track(secure);
      if (command.startsWith("RETR")) secure.pause();
      else secure.write(Buffer.alloc(64 * 1024, 1));
      await sleep(100);
      rawWrite(Buffer.from("GARBAGE GARBAGE GARBAGE\r\n".repeat(10)));
      const r = await ctl.expect([426, 451, 226, 425], `the end of ${command}`);
      await sleep(200);
      const errors = logged.log().filter((e) => e.level === "error");
      expect(r.code, `${command}: ${r.lines.join(" | ")}\n  log: ${JSON.stringify(logged.log().slice(-3))}`).toBe(426);
      expect(errors, "no ERROR log line for a client's broken data connection").toEqual([]);
      const warned = logged.log().some((e) => e.level === "warn" && e.msg === "transfer" && e.command === command.slice(0, 4));
      expect(warned, `a warning "transfer" for ${command}`).toBe(true);
      await ctl.send("NOOP", 200, "the session goes on");
    });
  }

  it("clear-text garbage on the control connection after its handshake: the server hangs up (it does not wait for the idle timeout)", async () => {
    const ctl = await tlsLogin();
    (ctl as unknown as { tcp: net.Socket }).tcp.write(Buffer.from("GARBAGE GARBAGE\r\n".repeat(10)));
    const closed = await Promise.race([ctl.closed.then(() => true), sleep(3000).then(() => false)]);
    expect(closed, "the control connection is closed within 3 s").toBe(true);
  });
});
