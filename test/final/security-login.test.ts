/**
 * Logging in (RFC 2577 section 4, "protecting against brute force"; section 7, "protecting
 * user names"), what a session may do before it, and idle sessions.
 *
 *  - A wrong password is answered only after a delay (--auth-failed-delay), and nothing the
 *    client sends in the meantime is answered before that 530; after --max-login-attempts
 *    failures the server says 530 and closes the connection. A correct login on a new
 *    connection still works.
 *  - USER's reply is the same whether the user exists or not, and so is PASS's 530.
 *  - Before login, every command that touches files or data connections gets 530; the
 *    harmless ones (NOOP, SYST, FEAT, HELP, OPTS, STAT, USER, QUIT) are answered normally.
 *  - An idle control connection gets 421 and is closed (--timeout).
 */
import fs from "node:fs";
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import {
  HarnessError,
  escapeBytes,
  expectCode,
  makeTempRoot,
  reproLine,
  startServer,
  targetEntry,
  type FtpSocket,
  type Reply,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";
import { Connections, expectNext, expectSilence, sleep, withTimeout } from "./security-helpers.ts";

const USER = "anna";
const PASSWORD = "s3cret";
const DELAY_S = 0.3;
const DELAY_MS = DELAY_S * 1000;
/** Loose on purpose (timers, a busy machine): the delay must be there, not be exact. */
const MIN_DELAY_MS = DELAY_MS * 0.8;
const MAX_ATTEMPTS = 3;

let root: TempRoot;
const conns = new Connections();

beforeAll(() => {
  root = makeTempRoot({ "file.txt": "content\n", "victim.txt": "victim\n", "emptydir": null });
});
afterAll(() => {
  conns.closeAll();
  root?.cleanup();
});
afterEach(() => conns.closeAll());

function fail(ftp: FtpSocket, headline: string): never {
  throw new HarnessError(`${headline}\n  reproduce: ${reproLine(ftp.context())}\n  transcript:\n${ftp.transcriptText({ times: true }).split("\n").slice(-12).map((l) => "    " + l).join("\n")}`);
}

/** Send a line and time its reply. */
async function timed(ftp: FtpSocket, line: string): Promise<{ reply: Reply; ms: number }> {
  const t0 = performance.now();
  const reply = await ftp.send(line);
  return { reply, ms: performance.now() - t0 };
}

/** The reply's text with the user name replaced, to compare replies for different names. */
function neutral(reply: Reply, name: string): string {
  return reply.raw.toString("utf8").split(name).join("<name>");
}

describe("brute force: delays, attempt limit, no user enumeration", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      entry: targetEntry(),
      root: root.dir,
      // More failures than the default ban_after (10) from 127.0.0.1: no ban, the tests here are about each connection.
      args: ["-u", USER, "-P", PASSWORD, "--auth-failed-delay", String(DELAY_S), "--max-login-attempts", String(MAX_ATTEMPTS), "--ban-after", "0"],
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it(`a wrong password gets 530 only after the delay (>= ${MIN_DELAY_MS} ms of ${DELAY_MS})`, async () => {
    const ftp = await conns.connect(server);
    await ftp.sendExpect(`USER ${USER}`, 331);
    const { reply, ms } = await timed(ftp, "PASS wrong");
    expectCode(reply, 530, ftp.context("a wrong password is refused with 530"));
    if (ms < MIN_DELAY_MS) fail(ftp, `The 530 for a wrong password came after ${ms.toFixed(0)} ms; with --auth-failed-delay ${DELAY_S} it must take at least ~${DELAY_MS} ms (RFC 2577: slow down guessing).`);
  });

  it("input sent during the delay is not answered before the 530, and then in order", async () => {
    const ftp = await conns.connect(server);
    await ftp.sendExpect(`USER ${USER}`, 331);
    const t0 = performance.now();
    ftp.sendRaw("PASS wrong\r\n");
    await sleep(DELAY_MS / 4);
    // A guesser's next attempt, pipelined while the first is still being "checked".
    ftp.sendRaw(`NOOP\r\nUSER ${USER}\r\nPASS ${PASSWORD}\r\n`);
    const first = await ftp.readReply();
    const firstMs = performance.now() - t0;
    expectCode(first, 530, ftp.context("the wrong password's 530 must come before any reply to what was sent during the delay"));
    if (firstMs < MIN_DELAY_MS) fail(ftp, `The 530 came after ${firstMs.toFixed(0)} ms, before the ${DELAY_MS} ms delay was over.`);
    await expectNext(ftp, 200, "NOOP, sent during the delay, is answered after the 530");
    await expectNext(ftp, 331, "then USER");
    await expectNext(ftp, 230, "then the correct password logs in (attempts were left)");
    await expectSilence(ftp, 200, "one reply per command");
  });

  it(`after ${MAX_ATTEMPTS} failures (known and unknown names alike) the server says 530 and closes the connection`, async () => {
    const ftp = await conns.connect(server);
    const names = [USER, "nosuchuser", USER];
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await ftp.sendExpect(`USER ${names[i % names.length]}`, 331);
      const { reply, ms } = await timed(ftp, `PASS wrong${i}`);
      expectCode(reply, 530, ftp.context(`failed attempt ${i + 1} of ${MAX_ATTEMPTS}`));
      if (ms < MIN_DELAY_MS) fail(ftp, `Failed attempt ${i + 1} was answered after ${ms.toFixed(0)} ms, without the ${DELAY_MS} ms delay.`);
      if (i < MAX_ATTEMPTS - 1 && ftp.isClosed) fail(ftp, `The server closed the connection after ${i + 1} failures; the limit is ${MAX_ATTEMPTS}.`);
    }
    await withTimeout(
      ftp.closed(),
      3000,
      `After ${MAX_ATTEMPTS} failed logins (--max-login-attempts ${MAX_ATTEMPTS}) the server must close the connection; it was still open 3 s later.\n  reproduce: ${reproLine(ftp.context())}`,
    );
    const extra = await ftp.readReply(100).then(
      (r) => r,
      () => null,
    );
    if (extra) fail(ftp, `The last reply before the server closed the connection must be the 530, but ${escapeBytes(extra.raw)} followed it.`);
  });

  it("REIN does not reset the failed-attempt counter", async () => {
    const ftp = await conns.connect(server);
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      if (i > 0) await ftp.sendExpect("REIN", [220, 502], "REIN starts a new login (or is not implemented)");
      await ftp.sendExpect(`USER ${USER}`, 331);
      await ftp.sendExpect(`PASS wrong${i}`, 530);
    }
    await withTimeout(ftp.closed(), 3000, `REIN between failed logins must not reset the count: after ${MAX_ATTEMPTS} failures the connection must be closed.\n  reproduce: ${reproLine(ftp.context())}`);
  });

  it("a correct login on a new connection still works after all those failures", async () => {
    const ftp = await conns.login(server, USER, PASSWORD);
    await ftp.sendExpect("PWD", 257);
  });

  it("USER and PASS replies do not reveal whether a user exists", async () => {
    const replies: Record<string, { user: Reply; pass: Reply; ms: number }> = {};
    // "anonymous" does not exist on this server (only -u anna): it must look like any unknown name.
    for (const name of [USER, "nosuchuser", "anonymous", "root"]) {
      const ftp = await conns.connect(server);
      const user = await ftp.sendExpect(`USER ${name}`, 331, "USER is answered 331 for every name (RFC 2577 section 7)");
      const { reply: pass, ms } = await timed(ftp, "PASS wrong");
      expectCode(pass, 530, ftp.context());
      replies[name] = { user, pass, ms };
      await ftp.close();
    }
    const ref = replies[USER]!;
    for (const [name, r] of Object.entries(replies)) {
      if (neutral(r.user, name) !== neutral(ref.user, USER)) {
        throw new HarnessError(
          `USER's reply differs between an existing user and "${name}" (RFC 2577 section 7: don't reveal which names exist):\n` +
            `  USER ${USER}: ${escapeBytes(ref.user.raw)}\n  USER ${name}: ${escapeBytes(r.user.raw)}`,
        );
      }
      if (neutral(r.pass, name) !== neutral(ref.pass, USER)) {
        throw new HarnessError(`PASS's 530 differs between an existing user and "${name}":\n  ${USER}: ${escapeBytes(ref.pass.raw)}\n  ${name}: ${escapeBytes(r.pass.raw)}`);
      }
      if (/no such|unknown|not exist|invalid user|not found/i.test(r.user.text + r.pass.text)) {
        throw new HarnessError(`The replies for "${name}" say the user does not exist: ${escapeBytes(r.user.raw)} / ${escapeBytes(r.pass.raw)}`);
      }
    }
    for (const [name, r] of Object.entries(replies)) {
      if (r.ms < MIN_DELAY_MS) {
        throw new HarnessError(`The wrong password for "${name}" was refused after ${r.ms.toFixed(0)} ms, without the ${DELAY_MS} ms delay (${Object.entries(replies).map(([n, x]) => `${n}: ${x.ms.toFixed(0)} ms`).join(", ")}).`);
      }
    }
  });
});

describe("before login", () => {
  let server: RunningServer;
  beforeAll(async () => {
    // Full permissions once logged in, so only the missing login can explain a refusal.
    server = await startServer({ entry: targetEntry(), root: root.dir, args: ["-u", USER, "-P", PASSWORD, "--auth-failed-delay", "0.1"] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const NEEDS_LOGIN = [
    "LIST", "NLST", "MLSD", "MLST file.txt", "STAT file.txt", "RETR file.txt", "STOR new.txt", "STOU", "APPE file.txt",
    "CWD emptydir", "XCWD emptydir", "CDUP", "PWD", "XPWD", "MKD newdir", "XMKD newdir", "RMD emptydir", "XRMD emptydir",
    "DELE victim.txt", "RNFR victim.txt", "RNTO renamed.txt", "SIZE file.txt", "MDTM file.txt", "MFMT 20000101000000 file.txt",
    "PASV", "EPSV", "EPSV ALL", "PORT 127,0,0,1,156,64", "EPRT |1|127.0.0.1|40000|", "TYPE I", "MODE S", "STRU F", "REST 0",
    "ALLO 100", "ABOR", "SITE CHMOD 777 file.txt", "SITE HELP",
  ];

  for (const line of NEEDS_LOGIN) {
    it(`${line} → 530`, async () => {
      const ftp = await conns.connect(server);
      await ftp.sendExpect(line, 530, `${line.split(" ")[0]} needs a login (RFC 959: 530 Not logged in)`);
      await ftp.sendExpect("NOOP", 200, "the session goes on");
    });
  }

  it("... also between USER and PASS, and after a failed login", async () => {
    const ftp = await conns.connect(server);
    await ftp.sendExpect(`USER ${USER}`, 331);
    await ftp.sendExpect("RETR file.txt", 530, "USER alone is not a login");
    await ftp.sendExpect("CWD /", 530, "USER alone is not a login");
    await ftp.sendExpect(`USER ${USER}`, 331);
    await ftp.sendExpect("PASS wrong", 530);
    await ftp.sendExpect("LIST", 530, "a failed login is not a login");
  });

  it("none of the refused commands changed anything on disk", () => {
    const names = fs.readdirSync(root.dir).sort();
    if (names.join() !== "emptydir,file.txt,victim.txt") throw new HarnessError(`The root changed before any login: ${names.join(", ")}`);
    if (fs.readFileSync(root.path("file.txt"), "utf8") !== "content\n") throw new HarnessError("file.txt changed before any login");
    if ((fs.statSync(root.path("file.txt")).mode & 0o777) === 0o777) throw new HarnessError("file.txt was chmod-ed before any login");
  });

  const ANSWERED: Array<[string, number[]]> = [
    ["NOOP", [200]],
    ["SYST", [215]],
    ["FEAT", [211]],
    ["HELP", [214]],
    ["OPTS UTF8 ON", [200]],
    ["STAT", [211, 212, 213]],
    [`USER ${USER}`, [331]],
  ];
  for (const [line, codes] of ANSWERED) {
    it(`${line} is answered before login (${codes.join("/")})`, async () => {
      const ftp = await conns.connect(server);
      await ftp.sendExpect(line, codes, `${line.split(" ")[0]} does not need a login`);
    });
  }

  it("QUIT before login: 221 and the server closes the connection", async () => {
    const ftp = await conns.connect(server);
    await ftp.sendExpect("QUIT", 221);
    await withTimeout(ftp.closed(), 3000, "after 221 the server must close the control connection");
  });

  it("PASS before USER → 503", async () => {
    const ftp = await conns.connect(server);
    await ftp.sendExpect(`PASS ${PASSWORD}`, 503, "RFC 959: PASS must follow USER (503 Bad sequence of commands)");
    await ftp.sendExpect("PWD", 530, "and it did not log anybody in");
  });
});

describe("idle timeout (--timeout 1)", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ entry: targetEntry(), root: root.dir, args: ["--timeout", "1"] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("an idle connection (not logged in) gets 421 and is closed within a few seconds", async () => {
    const ftp = await conns.connect(server);
    const t0 = performance.now();
    const reply = await ftp.readReply(5000);
    const ms = performance.now() - t0;
    expectCode(reply, 421, ftp.context("an idle session is told it is closed (421) before the server hangs up"));
    if (ms < 800) fail(ftp, `The 421 came after ${ms.toFixed(0)} ms of idleness; --timeout 1 means about 1000 ms.`);
    await withTimeout(ftp.closed(), 3000, "after its 421 the server must close the idle connection");
  });

  it("an idle logged-in session gets 421 and is closed too", async () => {
    const ftp = await conns.login(server);
    await expectNext(ftp, 421, "an idle logged-in session times out too", 5000);
    await withTimeout(ftp.closed(), 3000, "after its 421 the server must close the idle connection");
  });

  it("a session that keeps talking is not cut (the timeout is for idleness)", async () => {
    const ftp = await conns.login(server);
    for (let i = 0; i < 5; i++) {
      await sleep(400);
      await ftp.sendExpect("NOOP", 200, `NOOP ${i + 1}: the session is active every 400 ms, so the 1 s idle timeout must not fire`);
    }
    await ftp.sendExpect("QUIT", 221);
  });
});
