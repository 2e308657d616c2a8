/**
 * Lesson 0: the protocol core. The learner writes an FTP server from a small kit that only
 * parses the command line (-i, -p 0, -d, and flags later lessons add) and prints
 * `LISTENING host:port`. Each describe block below is one graded part, one sitting each:
 *
 *   part 1  listen and greet          220 on connect, many clients at once, QUIT 221 + close
 *   part 2  lines and replies         CRLF / bare LF / split / pipelined lines, the line limit,
 *                                     the command table: 500|502 unknown, 501 argument, HELP 214-
 *   part 3  login and navigation      530 before login, USER 331, PASS 230, TYPE, PWD, CWD, CDUP,
 *                                     the root folder as a wall, one session per connection
 *   part 4  passive data and listings PASV 227, LIST in `ls -l` form, NLST, 150/226, 425
 *   part 5  files                     RETR and STOR byte for byte, 550, 426 on a broken download
 *
 *   S: 220 ftp-lab FTP server ready.
 *   C: USER anonymous              S: 331 ...
 *   C: PASS me@example.com         S: 230 ...
 *   C: PASV                        S: 227 Entering Passive Mode (127,0,0,1,156,64)
 *   C: RETR hello.txt              S: 150 ...   (bytes on the data connection, then it closes)
 *                                  S: 226 ...
 *
 * Everyone logs in as "anonymous" here: the lesson-0 server accepts anyone, and the final
 * server (the default target) accepts anonymous. Uploads need -w on the final server (anonymous
 * is read-only there since lesson 1); a lesson-0 server ignores it.
 *
 * Run against your own server:  FTP_TARGET=lessons/00-protocol-core npx vitest run test/lessons/00-protocol-core.test.ts
 */
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import { parseList, type FileInfo } from "basic-ftp";
import { Readable, Writable } from "node:stream";
import { describe, it } from "vitest";
import {
  HarnessError,
  ReplyParser,
  connectData,
  escapeBytes,
  expectBytes,
  expectCode,
  withBasicFtp,
  type FtpSocket,
  type Reply,
} from "../harness/index.ts";
import {
  REPLY_MS,
  diskNames,
  download,
  expectAllowed,
  expectOnDisk,
  failWith,
  listingLines,
  loginOn,
  passiveRead,
  payload,
  sleep,
  targetName,
  upload,
  useStageServer,
  type StageServer,
} from "./stage-helpers.ts";

// ---- helpers -----------------------------------------------------------------------------

/** How to try a command by hand with the course's client (it logs in as anonymous first). */
function byHand(commands: string): string {
  return `by hand: npm run serve 0, then: npm run client -- --debug ftp://127.0.0.1:2121/ "${commands}"`;
}

/** Fail with a headline and a cause, plus a line to try it with the course's client. */
function fail(ftp: FtpSocket, headline: string, cause: string, hand?: string): never {
  failWith(ftp, headline, hand ? `${cause}\n  ${hand}` : cause);
}

const codesText = (want: number | readonly number[]) => (typeof want === "number" ? String(want) : want.join(" or "));

/**
 * Send `lines` in ONE write (a client that pipelines), then read exactly one reply per line
 * and check each code in order. A server that answers a line twice, or not at all, shifts
 * every later reply, which the table in the failure message shows.
 */
async function expectSequence(
  ftp: FtpSocket,
  lines: string[],
  expected: Array<number | readonly number[]>,
  cause: string,
  wire?: Buffer,
): Promise<Reply[]> {
  ftp.sendRaw(wire ?? Buffer.from(lines.map((l) => `${l}\r\n`).join(""), "utf8"));
  const got: Reply[] = [];
  const table = () =>
    expected
      .map((want, i) => `    ${`"${escapeBytes(lines[i] ?? "")}"`.padEnd(26)} expected ${codesText(want).padEnd(12)} got ${got[i]?.lines[0] ?? (i < got.length ? "" : "(not read)")}`)
      .join("\n");
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i]!;
    let reply: Reply;
    try {
      reply = await ftp.readReply();
    } catch (err) {
      fail(ftp, `Reply ${i + 1} of ${expected.length} never came (${lines.length} lines were sent in one write):\n${table()}\n  ${(err as Error).message.split("\n")[0]}`, cause);
    }
    got.push(reply);
    const ok = typeof want === "number" ? reply.code === want : want.includes(reply.code);
    if (!ok) fail(ftp, `Reply ${i + 1} of ${expected.length} is not the one expected (${lines.length} lines were sent in one write):\n${table()}`, cause);
  }
  return got;
}

/** The next reply within `ms`, or null when none comes (the connection stays open). */
async function replyWithin(ftp: FtpSocket, ms: number): Promise<Reply | null> {
  try {
    return await ftp.readReply(ms);
  } catch {
    return null;
  }
}

/** Resolves true when the server closes the connection within `ms`. */
async function closesWithin(ftp: FtpSocket, ms: number): Promise<boolean> {
  return Promise.race([ftp.closed().then(() => true), sleep(ms).then(() => false)]);
}

/**
 * A bare control connection for the line-limit tests, where the harness's usual failure text
 * (it replays every byte sent with printf) would print 100 KiB. Replies are parsed strictly.
 */
class RawControl {
  private readonly parser = new ReplyParser();
  private readonly replies: Reply[] = [];
  private readonly seen: string[] = [];
  private problem: string | null = null;
  private wake: (() => void) | null = null;

  private constructor(
    readonly socket: net.Socket,
    readonly host: string,
    readonly port: number,
  ) {
    socket.on("data", (chunk: Buffer) => {
      const { replies, error } = this.parser.push(chunk);
      for (const r of replies) this.seen.push(r.lines[0] ?? "");
      this.replies.push(...replies);
      if (error) this.problem ??= `malformed reply: ${error}`;
      this.wake?.();
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      this.problem ??= `connection error ${err.code ?? err.message}`;
      this.wake?.();
    });
    socket.on("close", () => {
      this.problem ??= "the server closed the connection";
      this.wake?.();
    });
  }

  static async open(srv: StageServer): Promise<RawControl> {
    const socket = net.connect({ host: srv.host, port: srv.port });
    socket.setNoDelay(true);
    const raw = new RawControl(socket, srv.host, srv.port);
    await raw.next("the greeting", [220]);
    return raw;
  }

  /** Replies seen so far, first lines only (for messages). */
  get received(): string[] {
    return [...this.seen];
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  async reply(ms = REPLY_MS): Promise<Reply | null> {
    const deadline = Date.now() + ms;
    while (this.replies.length === 0 && !this.problem && Date.now() < deadline) {
      await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), sleep(Math.max(1, deadline - Date.now()))]);
      this.wake = null;
    }
    return this.replies.shift() ?? null;
  }

  /** The next reply, which must have one of `codes`; an explained failure otherwise. */
  async next(what: string, codes: readonly number[], cause = "", repro = ""): Promise<Reply> {
    const r = await this.reply();
    if (r && codes.includes(r.code)) return r;
    const got = r ? `got "${r.lines[0]}"` : `got nothing within ${REPLY_MS} ms${this.problem ? ` (${this.problem})` : ""}`;
    const out = [`Expected ${codes.join(" or ")} for ${what}, ${got}.`];
    if (cause) out.push(`  cause:     ${cause}`);
    out.push(`  replies on this connection: ${JSON.stringify(this.seen)}`);
    if (repro) out.push(`  reproduce: ${repro}`);
    out.push(`  target:    ${targetName()}`);
    throw new HarnessError(out.join("\n"));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Fail unless `got` and `want` hold the same names (order ignored). */
function expectSameNames(ftp: FtpSocket, got: string[], want: string[], what: string, cause: string, hand?: string): void {
  const a = [...got].sort();
  const b = [...want].sort();
  if (a.length === b.length && a.every((n, i) => n === b[i])) return;
  fail(ftp, `${what}: expected the names ${JSON.stringify(b)}, got ${JSON.stringify(a)}.`, cause, hand);
}

/** PWD must answer 257 "<path>" (the path in double quotes, RFC 959 appendix II). */
async function expectPwd(ftp: FtpSocket, path: string, cause: string): Promise<void> {
  const r = await ftp.sendExpect("PWD", 257, 'PWD is answered with 257 and the current folder in double quotes: 257 "/sub" is the current folder.');
  const m = /^257 "((?:[^"]|"")*)"/.exec(r.lines[0] ?? "");
  if (!m) fail(ftp, `The PWD reply "${r.lines[0]}" does not give the folder in double quotes.`, 'write it as 257 "/path" followed by any text; a " inside the name is doubled ("")', byHand("pwd"));
  const shown = m[1]!.replace(/""/g, '"');
  if (shown !== path) fail(ftp, `PWD says "${shown}", expected "${path}".`, cause, byHand("quote PWD"));
}

const SENT_LATER = "the session must go on after an error reply: the next command is answered as usual";

// The course's verbs for this lesson, as HELP must list them by the end of part 2.
const PART2_VERBS = ["HELP", "NOOP", "QUIT", "SYST", "USER"];

// ---- part 1 ------------------------------------------------------------------------------

describe("part 1: listen and greet", () => {
  const srv = useStageServer();

  it("a new connection is greeted at once with a 220 reply line (code, space, text, \\r\\n), before the client sends anything", async () => {
    // connect() waits for the greeting without sending a byte, and checks the 220.
    const ftp = await srv.connect();
    if (ftp.greeting.lines.length !== 1) {
      fail(
        ftp,
        `The greeting has ${ftp.greeting.lines.length} lines: ${JSON.stringify(ftp.greeting.lines)}.`,
        'a plain one-line greeting is expected here: "220 some text\\r\\n" (a multi-line 220 is legal FTP, but keep this one simple)',
      );
    }
  });

  it("QUIT is answered with 221, and then the server closes the connection", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("QUIT", 221, "QUIT is answered with 221 (service closing control connection)");
    if (!(await closesWithin(ftp, REPLY_MS))) {
      fail(ftp, `After "221" the connection was still open ${REPLY_MS} ms later.`, "after writing the 221 reply, end the control connection (socket.end() once the reply is written): the client waits for the close");
    }
  });

  it("five clients are connected at the same time: each is greeted at once, and each one's QUIT is answered, in any order", async () => {
    const clients: FtpSocket[] = [];
    for (let i = 1; i <= 5; i++) {
      try {
        clients.push(await srv.connect());
      } catch (err) {
        throw new HarnessError(
          `Client ${i} of 5 was not greeted while ${i - 1} other client(s) stayed connected.\n` +
            `  cause:     the server must serve every connection at once: one session object per connection, all alive together. ` +
            `A loop that finishes one client before accepting the next (like the bare socket server at the end of the xxftp article) keeps client ${i} waiting.\n` +
            `  ${(err as Error).message.split("\n").join("\n  ")}\n  target:    ${targetName()}`,
        );
      }
    }
    for (const ftp of [...clients].reverse()) await ftp.sendExpect("QUIT", 221, "each connection has its own session; QUIT ends only that one");
  });

  it("a client that vanishes (no QUIT, even in the middle of a line) disturbs no one: the server keeps greeting others and the other sessions go on", async () => {
    const stays = await srv.connect();
    const leaves = await srv.connect();
    leaves.sendRaw("QU");
    await sleep(50);
    leaves.destroy();
    const rude = await srv.connect();
    rude.sendRaw(Buffer.from([0xff, 0xf4, 0x00, 0x80]));
    rude.destroy();
    await sleep(100);
    const next = await srv.connect(); // greeted: the server still accepts
    await next.sendExpect("QUIT", 221, "a new client after two vanished ones must be served as usual");
    await stays.sendExpect("QUIT", 221, "a session opened before the others vanished must not notice them: handle each socket's 'error' and 'close' in its own session, never let one crash the server");
  });
});

// ---- part 2 ------------------------------------------------------------------------------

describe("part 2: lines and replies", () => {
  const srv = useStageServer();

  it("a command that arrives in pieces (several TCP writes) is one command: \"SY\" \"ST\\r\" \"\\n\" gets one 215", async () => {
    const ftp = await srv.connect();
    for (const piece of ["SY", "ST\r", "\n"]) {
      ftp.sendRaw(piece);
      await sleep(40); // let each piece travel on its own
    }
    const r = await replyWithin(ftp, REPLY_MS);
    if (!r) fail(ftp, 'No reply to "SYST" sent in three pieces.', "TCP is a stream: keep the bytes that have no line end yet and wait for more; a line is complete only at its \\n");
    expectCode(r, 215, ftp.context('SYST is answered "215 UNIX Type: L8"; a reply for "SY" alone means the server took each piece of bytes for a whole line'));
    for (const piece of ["NO", "O", "P\r\n"]) {
      ftp.sendRaw(piece);
      await sleep(40);
    }
    expectCode(await ftp.readReply(), 200, ftp.context('NOOP (sent as "NO" "O" "P\\r\\n") is answered with 200'));
  });

  it("a line may end with a bare \\n instead of \\r\\n (some clients and nc do that): SYST\\n gets 215, NOOP\\n gets 200", async () => {
    const ftp = await srv.connect();
    expectCode(await ftp.send(Buffer.from("SYST\n")), 215, ftp.context('end a line at "\\n" and drop a "\\r" just before it, if there is one'));
    expectCode(await ftp.send(Buffer.from("NOOP\n")), 200, ftp.context('end a line at "\\n" and drop a "\\r" just before it, if there is one'));
  });

  it("several lines in one TCP write (pipelining) get one reply each, in order", async () => {
    const ftp = await srv.connect();
    await expectSequence(
      ftp,
      ["NOOP", "SYST", "NOOP", "XYZZY", "SYST", "NOOP", "SYST"],
      [200, 215, 200, [500, 502], 215, 200, 215],
      "one chunk of bytes may hold several lines: split it at every \\n and run the lines one after the other, each answered once, in order",
    );
  });

  it("verbs are case-insensitive: noop, Syst and nOoP are NOOP and SYST", async () => {
    const ftp = await srv.connect();
    const why = 'upper-case the verb before looking it up in the command table ("noop" is NOOP); keep the argument as it was sent';
    await ftp.sendExpect("noop", 200, why);
    await ftp.sendExpect("Syst", 215, why);
    await ftp.sendExpect("nOoP", 200, why);
  });

  it("an unknown verb gets 500 or 502, and the session goes on (NOOP then gets 200)", async () => {
    const ftp = await srv.connect();
    const why = "a verb that is not in the command table gets 500 (syntax error, command unrecognized) or 502 (command not implemented); both are RFC 959 replies";
    await ftp.sendExpect("XYZZY", [500, 502], why);
    await ftp.sendExpect("HELLO WORLD AND MORE", [500, 502], why);
    await ftp.sendExpect("NOOP", 200, SENT_LATER);
  });

  it("a blank line gets exactly one error reply (500, or 502 like an unknown verb), and the session goes on", async () => {
    const ftp = await srv.connect();
    await expectSequence(
      ftp,
      ["", "NOOP", "   ", "SYST"],
      [[500, 502], 200, [500, 502], 215],
      'an empty line (or only spaces) is not a command: answer it with one 500 ("Empty command line."), never crash and never stay silent (the client waits for a reply to every line)',
    );
  });

  it('SYST answers "215 UNIX Type: L8" (clients then expect Unix `ls -l` listings)', async () => {
    const ftp = await srv.connect();
    const r = await ftp.sendExpect("SYST", 215, "SYST is answered with 215 and the system type");
    if (!/^215 UNIX Type: L8/i.test(r.lines[0] ?? "")) {
      fail(ftp, `The SYST reply is "${r.lines[0]}".`, 'answer "215 UNIX Type: L8": clients read it to decide how to parse listings, and this server sends Unix-style ones', byHand("quote SYST"));
    }
  });

  it("a command that needs an argument gets 501 without one: USER alone, or USER and spaces", async () => {
    const ftp = await srv.connect();
    const why = "the command table says which commands need an argument; the dispatcher checks it before the handler runs, and answers 501 (syntax error in parameters) when it is missing";
    await ftp.sendExpect("USER", 501, why);
    await ftp.sendExpect("USER   ", 501, why);
    await ftp.sendExpect("NOOP", 200, SENT_LATER);
  });

  it("HELP answers with a multi-line 214 reply (214-first line, more lines, 214 last line) that names the commands the server knows", async () => {
    const ftp = await srv.connect();
    const r = await ftp.sendExpect(
      "HELP",
      214,
      'HELP is answered with 214; the reply spans several lines: "214-Recognized commands:\\r\\n" + " NOOP QUIT ...\\r\\n" + "214 Help OK.\\r\\n"',
    );
    if (r.lines.length < 3) {
      fail(ftp, `HELP's reply has ${r.lines.length} line(s): ${JSON.stringify(r.lines)}; expected a multi-line reply of at least 3.`, 'a multi-line reply starts "214-", has lines in between (start them with a space so none looks like an end), and ends with "214 "', byHand("quote HELP"));
    }
    const words = new Set(r.text.toUpperCase().split(/[^A-Z]+/));
    const missing = PART2_VERBS.filter((v) => !words.has(v));
    if (missing.length) {
      fail(ftp, `HELP does not name ${missing.join(", ")}: ${JSON.stringify(r.lines)}.`, "build the list from the command table itself, so that every command you add shows up in HELP by itself", byHand("quote HELP"));
    }
    await ftp.sendExpect("NOOP", 200, "after the last line of a multi-line reply, the next command is answered as usual");
  });

  it("a line of 100 000 bytes (more than the limit, which must be at most 64 KiB) gets exactly one 500, none of it runs, and the next line is answered as usual", async () => {
    const raw = await RawControl.open(srv);
    try {
      const repro = `{ printf 'SYST '; head -c 100000 /dev/zero | tr '\\0' x; printf '\\r\\nNOOP\\r\\n'; } | nc ${raw.host} ${raw.port}`;
      raw.write(Buffer.concat([Buffer.from("SYST "), Buffer.alloc(100_000, "x"), Buffer.from("\r\nNOOP\r\n")]));
      await raw.next(
        'the 100 005-byte line "SYST xxxx…"',
        [500],
        "keep at most LIMIT bytes of an unfinished line (pick a limit of a few KiB, at most 64 KiB; the final server uses 4096); past it, answer 500 once and throw the rest of the line away up to its \\n",
        repro,
      );
      await raw.next(
        'the NOOP that follows the long line (the long line must get one reply only)',
        [200],
        "a server that cuts the long line into pieces and runs each piece answers several times (500 500 500 ...); throw the rest away instead, up to the \\n",
        repro,
      );
    } finally {
      raw.destroy();
    }
  });

  it("a line that does not end is refused as soon as it passes the limit: after 1 MiB without \\n the 500 arrives before the line ends; its rest is dropped up to its \\n", async () => {
    const raw = await RawControl.open(srv);
    try {
      const repro = `{ printf 'NOOP '; head -c 1048576 /dev/zero | tr '\\0' y; sleep 5; printf 'rest\\r\\nSYST\\r\\n'; } | nc ${raw.host} ${raw.port}`;
      raw.write("NOOP ");
      for (let i = 0; i < 16; i++) raw.write(Buffer.alloc(64 * 1024, "y"));
      await raw.next(
        "1 MiB of a line that has no end yet",
        [500],
        "a client can send bytes without ever sending \\n: a server that waits for the end of the line keeps it all in memory. Count the bytes of the unfinished line as they arrive and answer 500 as soon as they pass the limit",
        repro,
      );
      raw.write("the end of that line\r\nSYST\r\n");
      await raw.next(
        'the SYST after the refused line (its rest, "the end of that line", must be thrown away)',
        [215],
        "after the 500, drop bytes up to the next \\n (the rest of the refused line), then read lines as usual; one 500 per refused line, not one per chunk",
        repro,
      );
    } finally {
      raw.destroy();
    }
  });
});

// ---- part 3 ------------------------------------------------------------------------------

describe("part 3: login and navigation", () => {
  const srv = useStageServer({
    serveRoot: false,
    files: {
      "ftp/hello.txt": "hello world\n",
      "ftp/sub/inner.txt": "inside sub\n",
      "ftp/sub/deeper/deep.txt": "deep\n",
      "ftp/Mixed/case.txt": "case\n",
      "ftp/with space/x.txt": "x\n",
      "outside/secret.txt": "outside the root: nobody may reach this\n",
    },
    args: (root) => ["-d", root.path("ftp")],
  });

  it("before login, commands that need it get 530 and do nothing: PWD, CWD, CDUP, TYPE, PASV, LIST, NLST, RETR, STOR", async () => {
    const ftp = await srv.connect();
    const why = (cmd: string) => `${cmd} needs a login: the command table marks it, and the dispatcher answers "530 Log in with USER and PASS first." before the handler runs`;
    for (const cmd of ["PWD", "CWD sub", "CDUP", "TYPE I", "PASV", "LIST", "NLST", "RETR hello.txt", "STOR created-before-login.txt"]) {
      await ftp.sendExpect(cmd, 530, why(cmd.split(" ")[0]!));
    }
    expectOnDisk(ftp, !fs.existsSync(srv.root.path("ftp/created-before-login.txt")), "STOR before login got its 530 but created the file anyway.", "check the login before the handler runs");
  });

  it("SYST, NOOP, HELP and QUIT need no login", async () => {
    const ftp = await srv.connect();
    const why = "these commands are marked as not needing a login in the command table";
    await ftp.sendExpect("SYST", 215, why);
    await ftp.sendExpect("NOOP", 200, why);
    await ftp.sendExpect("HELP", 214, why);
    await ftp.sendExpect("QUIT", 221, why);
  });

  it("USER anonymous gets 331, PASS with any password gets 230, and then PWD works (257)", async () => {
    const ftp = await srv.connect();
    await loginOn(ftp, "anonymous", "learner@example.com");
    await ftp.sendExpect("PWD", 257, "after 230 the session is logged in: PWD works");
  });

  it("PASS without USER first gets 503 (bad sequence of commands) and logs nobody in", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("PASS learner@example.com", 503, "PASS only makes sense after USER: remember the name USER gave in the session, and answer 503 when there is none");
    await ftp.sendExpect("PWD", 530, "the refused PASS must not log anyone in");
  });

  it("TYPE I and TYPE A get 200 (any case); an unknown type gets 504 (or 501); TYPE without an argument gets 501", async () => {
    const ftp = await srv.login();
    await ftp.sendExpect("TYPE I", 200, "TYPE I (image, binary: bytes travel unchanged) is accepted with 200");
    await ftp.sendExpect("TYPE A", 200, "TYPE A (ASCII) is accepted with 200; it is every session's type until the client says otherwise");
    await ftp.sendExpect("type i", 200, "the argument of TYPE is case-insensitive too");
    await ftp.sendExpect("TYPE X", [504, 501], "a type the server does not offer gets 504 (command not implemented for that parameter), or 501");
    await ftp.sendExpect("TYPE", 501, "TYPE needs an argument: 501");
  });

  it('PWD answers 257 with the folder in double quotes: 257 "/" at first, 257 "/sub" after CWD sub', async () => {
    const ftp = await srv.login();
    await expectPwd(ftp, "/", 'every session starts at the root, "/" (the -d folder), whatever the server process\'s own current folder is');
    await ftp.sendExpect("CWD sub", 250, "sub is a folder in the root: CWD sub gets 250");
    await expectPwd(ftp, "/sub", "the session's current folder is a path like /sub, as the client sees it; never the real path on disk");
  });

  it("CWD and CDUP move around inside the root: relative, absolute, . and .. parts; each gets 250 and PWD follows", async () => {
    const ftp = await srv.login();
    const steps: Array<[string, string]> = [
      ["CWD sub", "/sub"],
      ["CWD deeper", "/sub/deeper"],
      ["CDUP", "/sub"],
      ["CWD /sub/deeper", "/sub/deeper"],
      ["CWD ../..", "/"],
      ["CWD ./sub/./deeper/..", "/sub"],
      ["CWD /", "/"],
      ["CWD with space", "/with space"],
      ["CDUP", "/"],
    ];
    for (const [cmd, where] of steps) {
      await ftp.sendExpect(cmd, 250, `"${cmd}" stays inside the root and names a folder: 250`);
      await expectPwd(ftp, where, `after "${cmd}" the current folder is ${where}: join the argument to the current folder (or start at / when it begins with /), then resolve "." and ".." parts as text`);
    }
  });

  it("CWD to a folder that does not exist, or to a file, gets 550, and the current folder does not change", async () => {
    const ftp = await srv.login();
    await ftp.sendExpect("CWD sub", 250, "sub is a folder");
    await ftp.sendExpect("CWD nosuch", 550, "there is no folder /sub/nosuch: 550 (file unavailable)");
    await ftp.sendExpect("CWD inner.txt", 550, "/sub/inner.txt is a file, not a folder: 550");
    await expectPwd(ftp, "/sub", "a refused CWD leaves the current folder as it was");
  });

  it('the root is a wall: CWD .., CDUP, CWD ../outside, CWD /../.. and CWD sub/../../outside at "/" are refused (550) or stay at "/"; never outside', async () => {
    const ftp = await srv.login();
    for (const cmd of ["CWD ..", "CDUP", "CWD ../outside", "CWD /../..", "CWD sub/../../outside", "CWD ../../../../../.."]) {
      const r = await ftp.send(cmd);
      expectCode(r, [250, 550], ftp.context(`"${cmd}" at the root: refuse it with 550, or treat ".." at "/" as "/" (then 250)`));
      await expectPwd(
        ftp,
        "/",
        `"${cmd}" must not leave the root (the -d folder, which the client sees as "/"); the folder "outside" next to it must stay out of reach. ` +
          `Resolve ".." on the client's path as text, never on the real disk path, and never let it climb above "/"`,
      );
    }
  });

  it("the argument keeps its case and its spaces: cwd Mixed works, CWD mixed gets 550, CWD with space works", async () => {
    const ftp = await srv.login();
    await ftp.sendExpect("cwd Mixed", 250, 'only the verb is upper-cased: the folder is called "Mixed" and the argument must reach the disk as sent');
    await ftp.sendExpect("CDUP", 250, "back to /");
    await ftp.sendExpect("CWD mixed", 550, 'there is no folder "mixed" (file names are case-sensitive here): upper- or lower-casing the whole line is a bug');
    await ftp.sendExpect("CWD with space", 250, 'the argument is everything after the first space: "with space", spaces included');
  });

  it("a line of about 1 KiB is not too long: CWD ./././…/sub (1 200 bytes) works", async () => {
    const ftp = await srv.login();
    await ftp.sendExpect(`CWD ${"./".repeat(600)}sub`, 250, "paths can be long: a line limit below 1 KiB refuses real commands (choose a limit of a few KiB); the \".\" parts change nothing");
    await expectPwd(ftp, "/sub", '"./" parts change nothing');
  });

  it("each connection has its own session: one logs in and moves to /sub; another, open at the same time, is not logged in and starts at /", async () => {
    const a = await srv.login();
    const b = await srv.connect();
    await a.sendExpect("CWD sub", 250, "sub is a folder");
    await b.sendExpect("PWD", 530, "b never logged in: the login belongs to a's session only (keep it in the session object, never in a global)");
    await loginOn(b, "anonymous", "b@example.com");
    await expectPwd(b, "/", "b's current folder is its own: a's CWD must not move it (and never call process.chdir, which moves every session)");
    await expectPwd(a, "/sub", "a's current folder did not change when b logged in");
  });
});

// ---- part 4 ------------------------------------------------------------------------------

const LISTED = {
  "hello.txt": "hello world\n",
  "name with spaces.txt": "spaces in the name\n",
  "sub/inner.txt": "inside sub\n",
  "empty-folder": null,
} as const;

describe("part 4: passive data and listings", () => {
  const srv = useStageServer({ files: { ...LISTED } });
  const TOP = ["empty-folder", "hello.txt", "name with spaces.txt", "sub"];

  it("PASV answers 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2) with the address the client reached (127,0,0,1) and a port that accepts a connection", async () => {
    const ftp = await srv.login();
    const hp = await ftp.pasv(); // checks the 227 and its six numbers
    if (hp.host !== srv.host) {
      fail(ftp, `The 227 reply names ${hp.host}; the client reached the server at ${srv.host}.`, "announce the control connection's own local address (socket.localAddress), in four numbers with commas");
    }
    const ds = await connectData(srv.host, hp.port, REPLY_MS);
    ds.destroy();
    // A second PASV gets a (possibly new) port that works too.
    const ds2 = await ftp.openPassiveData("PASV");
    ds2.destroy();
  });

  it("LIST: 150, the listing over the data connection in `ls -l` form (\\r\\n line ends), the data connection closed, then 226; a real client's parser reads names, sizes and types", async () => {
    const ftp = await srv.login();
    const data = await passiveRead(ftp, "LIST"); // 150 (or 125) before, 226 after the close
    const text = data.toString("utf8");
    const lines = listingLines(data).filter((l) => !/^total \d+$/.test(l));
    if (!/\r\n$/.test(text) || /[^\r]\n/.test(text)) {
      fail(ftp, `Listing lines must end with \\r\\n: ${JSON.stringify(text.slice(0, 300))}.`, "a listing is text in ASCII (NVT) form: every line ends with \\r\\n", byHand("ls"));
    }
    const ls = /^[-dl][-rwxsStT]{9}\s+\d+\s+\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+ .+$/;
    const bad = lines.filter((l) => !ls.test(l));
    if (bad.length) {
      fail(
        ftp,
        `These LIST lines are not in \`ls -l\` form: ${JSON.stringify(bad)}.`,
        'write each entry as: type and permissions, links, owner, group, size, month day time-or-year, name, e.g. "-rw-r--r-- 1 ftp ftp 12 Jan 05 14:30 hello.txt" ("d" first for a folder)',
        byHand("ls"),
      );
    }
    let parsed: FileInfo[];
    try {
      parsed = parseList(text);
    } catch (err) {
      fail(ftp, `basic-ftp (a real client) cannot read this listing: ${(err as Error).message}`, "use the plain Unix `ls -l` form above", byHand("ls"));
    }
    expectSameNames(ftp, parsed.map((f) => f.name), TOP, "Names that basic-ftp read from LIST", "list every entry of the current folder, one per line, with its name last (spaces kept)", byHand("ls"));
    for (const f of parsed) {
      const isDir = f.name === "sub" || f.name === "empty-folder";
      if (f.isDirectory !== isDir) {
        fail(ftp, `basic-ftp reads "${f.name}" as a ${f.isDirectory ? "folder" : "file"}.`, 'the first letter of a line is "d" for a folder and "-" for a file');
      }
      const want = (LISTED as Record<string, string | null>)[f.name];
      if (typeof want === "string" && f.size !== Buffer.byteLength(want)) {
        fail(ftp, `basic-ftp reads the size of "${f.name}" as ${f.size}; the file has ${Buffer.byteLength(want)} bytes.`, "the fifth column is the size in bytes (fs.stat's size)");
      }
    }
  });

  it("LIST takes options and paths as clients send them: LIST -a and LIST -l list the current folder, LIST sub lists sub, an empty folder gives an empty listing", async () => {
    const ftp = await srv.login();
    const names = async (cmd: string) =>
      parseList((await passiveRead(ftp, cmd)).toString("utf8")).map((f) => f.name);
    const optCause = 'clients send "LIST -a" or "LIST -la" (basic-ftp, lftp, FileZilla): an argument that starts with "-" is options, ignore them and list the current folder';
    expectSameNames(ftp, await names("LIST -a"), TOP, "LIST -a", optCause, byHand("quote LIST -a"));
    expectSameNames(ftp, await names("LIST -l"), TOP, "LIST -l", optCause);
    expectSameNames(ftp, await names("LIST sub"), ["inner.txt"], "LIST sub", "a path argument is resolved like CWD's and that folder is listed");
    const empty = await passiveRead(ftp, "LIST empty-folder");
    if (listingLines(empty).some((l) => !/^total \d+$/.test(l))) {
      fail(ftp, `LIST of an empty folder sent ${JSON.stringify(empty.toString("utf8"))}.`, "an empty folder's listing has no entries: 150, close the data connection without sending anything, 226");
    }
  });

  it("LIST of a path that does not exist gets 550 (or 450) before any 150, and the session goes on", async () => {
    const ftp = await srv.login();
    const t = await download(ftp, "LIST nosuch");
    expectCode(t.first, [550, 450], ftp.context("check the path before answering 150: a missing folder gets 550 (or 450), not an empty listing"));
    expectSameNames(ftp, parseList((await passiveRead(ftp, "LIST")).toString("utf8")).map((f) => f.name), TOP, "LIST after the refused one", SENT_LATER);
  });

  it("NLST sends the names only, one per line (\\r\\n), over the data connection, with 150 and 226", async () => {
    const ftp = await srv.login();
    const data = await passiveRead(ftp, "NLST");
    const text = data.toString("utf8");
    if (text.length && (!/\r\n$/.test(text) || /[^\r]\n/.test(text))) {
      fail(ftp, `NLST lines must end with \\r\\n: ${JSON.stringify(text.slice(0, 300))}.`, "every line ends with \\r\\n", byHand("nls"));
    }
    expectSameNames(ftp, listingLines(data), TOP, "NLST", 'NLST sends each name alone on its line: "hello.txt\\r\\n", no sizes, no dates', byHand("nls"));
  });

  it("LIST without PASV first gets 425; one PASV serves one transfer (a second LIST gets 425 again); a new PASV works", async () => {
    const ftp = await srv.login();
    await ftp.sendExpect("LIST", 425, "no data connection was set up (no PASV): answer 425 (can't open data connection), send no 150");
    expectSameNames(ftp, parseList((await passiveRead(ftp, "LIST")).toString("utf8")).map((f) => f.name), TOP, "LIST after PASV", "a PASV then a LIST is a normal listing");
    await ftp.sendExpect("LIST", 425, "the data connection of the last PASV was used and closed by that LIST: a new transfer needs a new PASV, so answer 425");
    expectSameNames(ftp, parseList((await passiveRead(ftp, "LIST")).toString("utf8")).map((f) => f.name), TOP, "LIST after a new PASV", "every PASV opens a fresh listener for the next transfer");
  });

  it("a second PASV replaces the first: the next transfer uses the port of the latest 227", async () => {
    const ftp = await srv.login();
    await ftp.pasv(); // announced, never used
    const cause = "a new PASV closes the session's earlier listener and stores the new one: the transfer must accept the connection on the port announced last";
    let data: Buffer;
    try {
      data = await passiveRead(ftp, "LIST"); // PASV again, connect to its port, LIST
    } catch (err) {
      fail(ftp, `PASV, PASV, LIST: the LIST over the second PASV's port did not arrive.\n  ${(err as Error).message.split("\n")[0]}`, cause);
    }
    const names = parseList(data.toString("utf8")).map((f) => f.name);
    expectSameNames(ftp, names, TOP, "LIST over the second PASV's port", cause);
  });

  it('a real client (basic-ftp) logs in and lists the folder with "LIST -a"', async () => {
    await withBasicFtp({ host: srv.host, port: srv.port }, { user: "anonymous", password: "learner@example.com" }, async (client) => {
      // basic-ftp would use MLSD if FEAT offered it; this lesson is about LIST.
      client.availableListCommands = ["LIST -a"];
      const names = (await client.list()).map((f) => f.name).sort();
      if (JSON.stringify(names) !== JSON.stringify(TOP)) {
        throw new HarnessError(`basic-ftp's list() gave ${JSON.stringify(names)}, expected ${JSON.stringify(TOP)}.\n  cause:     see the LIST tests above; basic-ftp sends TYPE I, PASV and "LIST -a" (its log is below)\n  target:    ${targetName()}`);
      }
    });
  });
});

// ---- part 5 ------------------------------------------------------------------------------

/** Every byte value and every line-end trap: \r\n, \n alone, \r alone, \r\r\n, NUL, 0xff. */
const CRLF_BYTES = Buffer.concat([Buffer.from("line one\r\nline two\nthree\rfour\r\r\n\x00\xff\x1a end\n", "latin1"), payload(4096, 3)]);
const FILES: Array<{ name: string; what: string; data: Buffer }> = [
  { name: "empty.bin", what: "0 bytes", data: Buffer.alloc(0) },
  { name: "one.bin", what: "1 byte (a \\n)", data: Buffer.from("\n") },
  { name: "random.bin", what: "1 MiB of random bytes", data: payload(1 << 20, 7) },
  { name: "crlf.bin", what: "binary with \\r, \\n, \\r\\n, NUL and 0xff bytes", data: CRLF_BYTES },
  { name: "name with spaces.bin", what: "a name with spaces", data: Buffer.from("the name has spaces\r\n") },
];
const BIG = 24 << 20;

describe("part 5: files", () => {
  const srv = useStageServer({
    serveRoot: false,
    files: {
      ...Object.fromEntries(FILES.map((f) => [`ftp/${f.name}`, f.data])),
      "ftp/big.bin": payload(BIG, 11),
      "ftp/sub/inner.txt": "inside sub\n",
      "ftp/uploads": null,
      "outside/secret.txt": "outside the root: nobody may read this\n",
    },
    // -w: the final server's anonymous user may upload (a lesson-0 server lets everyone).
    args: (root) => ["-d", root.path("ftp"), "-w"],
  });

  for (const f of FILES) {
    it(`RETR sends the file byte for byte in TYPE I: ${f.what}, then 226`, async () => {
      const ftp = await srv.login();
      const t = await download(ftp, `RETR ${f.name}`); // TYPE I, PASV, RETR: 150, the bytes, close, 226
      expectAllowed(ftp, t, `RETR ${f.name} starts a download: 150, the file's bytes on the data connection, close it, 226`);
      expectBytes(t.data, f.data, { ...ftp.context(), what: `RETR ${f.name} (${f.what})`, why: "send the file's bytes exactly as they are on disk (read it as a Buffer, never as a string), then close the data connection" });
    });
  }

  for (const f of FILES) {
    it(`STOR writes what the client sent byte for byte: ${f.what}; the file is complete when 226 arrives`, async () => {
      const ftp = await srv.login();
      const name = `uploads/up-${f.name}`;
      const t = await upload(ftp, `STOR ${name}`, f.data); // TYPE I, PASV, STOR: 150, the bytes, the client closes, 226
      expectAllowed(ftp, t, `STOR ${name} starts an upload`);
      const onDisk = fs.existsSync(srv.root.path(`ftp/${name}`)) ? srv.root.read(`ftp/${name}`) : null;
      if (!onDisk) fail(ftp, `STOR ${name} answered 226 but there is no file ftp/${name} on disk.`, "create the file in the folder the path names (inside the root)");
      expectBytes(onDisk, f.data, {
        ...ftp.context(),
        what: `the file written by STOR ${name} (${f.what}), read right after the 226`,
        why: "write every chunk of the data connection to the file, in order and as bytes; the client's close marks the end; say 226 only once the file is closed (all writes done)",
      });
    });
  }

  it("STOR over an existing file replaces it: a shorter upload leaves no tail of the old file", async () => {
    const ftp = await srv.login();
    expectAllowed(ftp, await upload(ftp, "STOR uploads/replace.txt", "a long first version of the file\n"), "STOR creates the file");
    expectAllowed(ftp, await upload(ftp, "STOR uploads/replace.txt", "short\n"), "STOR of an existing name replaces it");
    expectBytes(srv.root.read("ftp/uploads/replace.txt"), Buffer.from("short\n"), {
      ...ftp.context(),
      what: "uploads/replace.txt after a long and then a short STOR",
      why: "open the file for writing from the start and truncate it (flags \"w\"), not \"r+\"",
    });
  });

  it("RETR of a missing file, or of a folder, gets 550 before any 150; the session goes on and the next RETR works", async () => {
    const ftp = await srv.login();
    const missing = await download(ftp, "RETR nosuch.bin");
    expectCode(missing.first, 550, ftp.context("check that the file exists before answering 150: a missing file gets 550 (file unavailable)"));
    const folder = await download(ftp, "RETR sub");
    expectCode(folder.first, 550, ftp.context("sub is a folder, not a file: 550 before any 150"));
    const t = await download(ftp, "RETR one.bin");
    expectAllowed(ftp, t, SENT_LATER);
    expectBytes(t.data, Buffer.from("\n"), { ...ftp.context(), what: "RETR one.bin after two refused RETRs" });
  });

  it("files outside the root cannot be read or written: RETR ../outside/secret.txt and STOR ../outside/evil.txt are refused (550, or 553 for STOR), nothing appears outside", async () => {
    const ftp = await srv.login();
    const read = await download(ftp, "RETR ../outside/secret.txt");
    if (read.first.code < 400) fail(ftp, `RETR ../outside/secret.txt was allowed (${read.first.lines[0]}) and sent ${read.data.length} bytes of a file outside the root.`, 'resolve the path as text inside the root first (".." never climbs above "/"), only then join it to the -d folder');
    expectCode(read.first, 550, ftp.context("a path outside the root is refused with 550"));
    for (const cmd of ["STOR ../outside/evil.txt", "STOR /../../outside/evil2.txt"]) {
      const t = await upload(ftp, cmd, "must not be written\n");
      expectCode(t.first, [550, 553], ftp.context(`"${cmd}" points outside the root: refuse it (550 or 553) before opening any file`));
    }
    const outside = diskNames(srv.root.path("outside"));
    expectOnDisk(ftp, outside.length === 1, `The folder next to the root now holds ${JSON.stringify(outside)}: an upload escaped the root.`, "never let \"..\" climb above the root");
  });

  it("STOR into a folder that does not exist is refused (550 or 553) and creates nothing", async () => {
    const ftp = await srv.login();
    const t = await upload(ftp, "STOR nosuch-folder/file.txt", "nowhere to go\n");
    expectCode(t.first, [550, 553], ftp.context("the folder nosuch-folder does not exist: refuse with 550 (or 553) before the 150, and do not create folders"));
    expectOnDisk(ftp, !fs.existsSync(srv.root.path("ftp/nosuch-folder")), "STOR created the folder nosuch-folder.", "STOR writes one file; folders come from MKD");
    await ftp.sendExpect("NOOP", 200, SENT_LATER);
  });

  it("a download whose data connection the client closes early ends with 426 (never 226); then the session and the server go on", async () => {
    const ftp = await srv.login();
    await ftp.sendExpect("TYPE I", 200, "TYPE I is accepted");
    const hp = await ftp.pasv();
    const sock = net.connect({ host: srv.host, port: hp.port });
    sock.on("error", () => {});
    await Promise.race([once(sock, "connect"), sleep(REPLY_MS)]);
    const firstBytes = new Promise<boolean>((resolve) => {
      sock.once("data", () => resolve(true));
      sock.once("close", () => resolve(false));
    });
    const start = await ftp.send("RETR big.bin");
    expectCode(start, [125, 150], ftp.context(`RETR big.bin (${BIG >> 20} MiB) starts with 150`));
    if (!(await Promise.race([firstBytes, sleep(REPLY_MS).then(() => false)]))) {
      sock.destroy();
      fail(ftp, "No bytes of big.bin arrived on the data connection.", "after 150, send the file over the data connection the client opened after PASV");
    }
    sock.resetAndDestroy(); // the client goes away after the first bytes, with most of the 24 MiB unsent
    const end = await replyWithin(ftp, REPLY_MS);
    if (!end) fail(ftp, "No reply after the client closed the data connection in the middle of RETR big.bin.", "when writing to the data connection fails (ECONNRESET, EPIPE), the transfer is over: answer 426 and go on");
    expectCode(
      end,
      426,
      ftp.context(
        `the client closed the data connection after the first bytes of a ${BIG >> 20} MiB file: the transfer did not complete, so the reply is 426 (connection closed; transfer aborted), never 226. ` +
          `Listen for the data socket's 'error' and for a close before the file's end`,
      ),
    );
    await ftp.sendExpect("NOOP", 200, "after a 426 the control connection goes on");
    const t = await download(ftp, "RETR crlf.bin");
    expectAllowed(ftp, t, "a new PASV and RETR after a broken download work as usual");
    expectBytes(t.data, CRLF_BYTES, { ...ftp.context(), what: "RETR crlf.bin after the broken download" });
    const other = await srv.login();
    await other.sendExpect("NOOP", 200, "the server still serves new clients after a broken download");
  });

  it("a real client (basic-ftp) uploads and downloads 1 MiB intact", async () => {
    const data = payload(1 << 20, 21);
    await withBasicFtp({ host: srv.host, port: srv.port }, { user: "anonymous", password: "learner@example.com" }, async (client) => {
      await client.uploadFrom(Readable.from([data]), "uploads/client.bin");
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          chunks.push(chunk);
          done();
        },
      });
      await client.downloadTo(sink, "uploads/client.bin");
      const back = Buffer.concat(chunks);
      expectBytes(srv.root.read("ftp/uploads/client.bin"), data, { what: "uploads/client.bin on disk after basic-ftp's upload" });
      expectBytes(back, data, { what: "uploads/client.bin downloaded again by basic-ftp" });
    });
  });
});
