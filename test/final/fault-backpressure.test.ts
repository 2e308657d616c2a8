/**
 * Slow and stalled clients must cost the server little and nobody else anything.
 *
 *   A client that opens a 200 MB download and never reads it: the server reads the file only
 *   as fast as the socket drains (backpressure), so its resident memory barely grows and the
 *   transfer stalls far from the end; ABOR still ends it, and every descriptor is returned.
 *
 *   While sessions are stalled in every way we know (a download nobody reads, an upload that
 *   sends nothing, a command line without its end, a wrong password being delayed, a passive
 *   port nobody connects to), another session's NOOPs are answered at once.
 */
import fs from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FtpSocket, makeTempRoot, type TempRoot } from "../harness/index.ts";
import { Connections, expectNext } from "./security-helpers.ts";
import { expectFdsBackTo, mib, openFds, rssBytes, SEED, seededBytes, sleep, sparseFile, startLogged, waitUntil, type LoggedServer } from "./fault-helpers.ts";

const USER = "anna";
const PASSWORD = "pw-for-anna";
const BIG = 200 * 1024 * 1024;
/** How much the server's resident memory may grow while a 200 MB download is stalled. */
const RSS_ALLOWANCE = 48 * 1024 * 1024;

let root: TempRoot;
let logged: LoggedServer;
let baselineFds: Map<number, string>;
const conns = new Connections();

const login = () => conns.login(logged.server, USER, PASSWORD, { type: "I" });

/** Bytes moved so far by the running transfer, as STAT reports them (it is answered during a transfer). */
async function transferred(ftp: FtpSocket): Promise<number> {
  const r = await ftp.sendExpect("STAT", 213);
  return Number(/(\d+) bytes/.exec(r.text)?.[1] ?? NaN);
}

/** Worst NOOP round trip over `count` NOOPs on a fresh session. */
async function worstNoop(count: number): Promise<number> {
  const ftp = await conns.connect(logged.server);
  let worst = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await ftp.sendExpect("NOOP", 200);
    worst = Math.max(worst, performance.now() - t0);
    await sleep(10);
  }
  ftp.destroy();
  return worst;
}

beforeAll(async () => {
  root = makeTempRoot({ "small.txt": "small\n" });
  sparseFile(root.path("big.bin"), BIG);
  fs.writeFileSync(root.path("warm.bin"), seededBytes(16 * 1024 * 1024, SEED));
  // auth-failed-delay 1.5: a wrong password keeps its session waiting that long.
  logged = await startLogged({ level: "warn", args: ["--user", `${USER}:${PASSWORD}:elradfmwMT:${root.dir}`, "--auth-failed-delay", "1.5"] });
  // Warm up: one whole download, so buffer pools and lazy code are already there.
  const ftp = await login();
  const d = await ftp.openPassiveData("PASV");
  await ftp.sendExpect("RETR warm.bin", [125, 150]);
  await d.readAll();
  await expectNext(ftp, 226);
  await ftp.quit();
  await sleep(300);
  baselineFds = openFds(logged.pid);
});
afterAll(async () => {
  conns.closeAll();
  await logged?.stop();
  root?.cleanup();
});
afterEach(() => conns.closeAll());

describe("a client that never reads a 200 MB download", () => {
  it(`the server's memory grows by less than ${mib(RSS_ALLOWANCE)}, the transfer stalls far from the end, ABOR ends it, nothing leaks`, async () => {
    const before = rssBytes(logged.pid);
    const ftp = await login();
    const data = await ftp.openPassiveData("PASV");
    data.socket.pause(); // never read
    await ftp.sendExpect("RETR big.bin", [125, 150]);
    let peak = before;
    const t0 = Date.now();
    while (Date.now() - t0 < 2500) {
      peak = Math.max(peak, rssBytes(logged.pid));
      await sleep(100);
    }
    const sent = await transferred(ftp);
    // Another session is not slowed down by the stalled one.
    const worst = await worstNoop(10);
    peak = Math.max(peak, rssBytes(logged.pid));
    console.log(`stalled 200 MB RETR: RSS ${mib(before)} -> peak ${mib(peak)}, ${mib(sent)} sent, worst NOOP ${worst.toFixed(1)} ms`);
    expect(peak - before, `RSS ${mib(before)} -> peak ${mib(peak)} while ${mib(sent)} of ${mib(BIG)} were sent`).toBeLessThan(RSS_ALLOWANCE);
    expect(sent, "the transfer went on although nobody read it: no backpressure").toBeLessThan(BIG / 4);
    expect(worst, "another session's NOOP during the stalled download (ms)").toBeLessThan(500);
    await ftp.sendExpect("ABOR", 426, "ABOR ends the stalled transfer: 426 for it");
    await expectNext(ftp, 226, "then 226 for ABOR");
    data.destroy();
    conns.closeAll();
    await expectFdsBackTo(logged.pid, baselineFds, 5000, "after the stalled download was aborted");
  });
});

describe("stalled sessions of every kind do not delay anybody else", () => {
  it("a download nobody reads, an upload that sends nothing, half a command line, a delayed wrong password, an unused passive port: another session's NOOPs stay fast", async () => {
    // 1. a download nobody reads
    const reader = await login();
    const rd = await reader.openPassiveData("PASV");
    rd.socket.pause();
    await reader.sendExpect("RETR big.bin", [125, 150]);
    // 2. an upload that sends nothing
    const writer = await login();
    await writer.openPassiveData("PASV");
    await writer.sendExpect("STOR stalled-upload.bin", [125, 150]);
    // 3. half a command line, never finished
    const halfLine = await conns.connect(logged.server);
    halfLine.sendRaw("NOO");
    // 4. a wrong password: the server waits 1.5 s before answering it
    const guesser = await conns.connect(logged.server);
    await guesser.sendExpect(`USER ${USER}`, 331);
    guesser.sendRaw("PASS wrong\r\n");
    // 5. a passive port nobody connects to, with a transfer waiting on it
    const waiter = await login();
    await waiter.pasv();
    await waiter.sendExpect("RETR small.txt", [125, 150]);

    await sleep(200);
    const worst = await worstNoop(20);
    console.log(`five stalled sessions: worst NOOP of another session ${worst.toFixed(1)} ms`);
    expect(worst, "another session's slowest NOOP while five sessions are stalled (ms)").toBeLessThan(500);
    // And a new session logs in and lists as usual.
    const fresh = await login();
    const d = await fresh.openPassiveData("PASV");
    await fresh.sendExpect("NLST", [125, 150]);
    expect((await d.readAll()).toString()).toContain("small.txt");
    await expectNext(fresh, 226);
    await expectNext(guesser, 530, "the wrong password is answered after its delay");
    conns.closeAll();
    await expectFdsBackTo(logged.pid, baselineFds, 5000, "after the stalled sessions went away");
  });
});
