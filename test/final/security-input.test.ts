/**
 * Hostile command lines: a server must read the control connection defensively. Whatever
 * arrives (a line longer than any command, a flood of pipelined commands, NUL bytes, bare CR,
 * invalid UTF-8, Telnet IAC sequences), each line gets exactly one reply, nothing is
 * buffered without limit, and the session (and the server) stays usable.
 *
 * "Exactly one reply" is checked by sending a marker command after the hostile line: the next
 * reply must be the marker's own, and then nothing more may arrive for a short while.
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
import { Connections, expectNext, expectSilence, sleep } from "./security-helpers.ts";

/** How long "no more replies" is watched for. */
const QUIET_MS = 300;

let root: TempRoot;
let server: RunningServer;
const conns = new Connections();

beforeAll(async () => {
  root = makeTempRoot({ "file.txt": "content\n", "sub/inner.txt": "inner\n" });
  server = await startServer({ entry: targetEntry(), root: root.dir });
});
afterAll(async () => {
  conns.closeAll();
  await server?.stop();
  root?.cleanup();
});
afterEach(() => conns.closeAll());

/** After a hostile line: SYST must be answered next with its own 215, and then silence. */
async function stillInStep(ftp: FtpSocket, after: string): Promise<void> {
  await ftp.sendExpect("SYST", 215, `the reply after ${after} must be SYST's own 215: one reply per line, none extra`);
  await expectSilence(ftp, QUIET_MS, `each line gets exactly one reply (after ${after} and SYST)`);
}

function bytes(text: string): Buffer {
  return Buffer.from(text, "latin1");
}

describe("overlong lines", () => {
  it("5000 bytes without LF, then CRLF: exactly one 500, then NOOP still gets 200", async () => {
    const ftp = await conns.connect(server);
    ftp.sendRaw("NOOP " + "A".repeat(4995));
    await sleep(50); // the server may answer as soon as it knows the line is too long
    ftp.sendRaw("\r\n");
    await expectNext(ftp, 500, "a command line longer than the server's limit gets one 500 (RFC 959: syntax error, command line too long)");
    await ftp.sendExpect("NOOP", 200, "the session goes on after the overlong line, and its tail was not taken as a command");
    await expectSilence(ftp, QUIET_MS, "the overlong line gets exactly one reply");
  });

  it("5000 bytes and CRLF in one write: exactly one 500", async () => {
    const ftp = await conns.connect(server);
    ftp.sendRaw(bytes("SYST " + "SYST ".repeat(999) + "\r\n"));
    await expectNext(ftp, 500, "one 500 for the whole overlong line; no piece of it may run as a command");
    await ftp.sendExpect("NOOP", 200);
    await expectSilence(ftp, QUIET_MS, "the overlong line gets exactly one reply");
  });

  it("a 100 KB line in 100 separate writes (a CR ending one write, its LF the next): exactly one 500", async () => {
    const ftp = await conns.connect(server);
    const piece = "NOOP ".repeat(200); // 1000 bytes
    for (let i = 0; i < 100; i++) {
      ftp.sendRaw(i === 99 ? piece + "\r" : piece);
      await sleep(1); // separate TCP segments
    }
    ftp.sendRaw("\n");
    await expectNext(ftp, 500, "a 100 KB line is refused once (and not buffered whole)");
    await ftp.sendExpect("NOOP", 200, "the session is usable after the 100 KB line");
    await expectSilence(ftp, QUIET_MS, "the 100 KB line gets exactly one reply");
  });

  it("a 100 KB line is refused after login too, and the session keeps its state", async () => {
    const ftp = await conns.login(server);
    await ftp.sendExpect("CWD sub", 250);
    ftp.sendRaw("RETR " + "x".repeat(100 * 1024) + "\r\n");
    await expectNext(ftp, 500, "a 100 KB command line is refused");
    const pwd = await ftp.sendExpect("PWD", 257);
    if (!pwd.text.startsWith('"/sub"')) throw new HarnessError(`PWD after the overlong line: expected "/sub", got ${escapeBytes(pwd.raw)}`);
    await expectSilence(ftp, QUIET_MS, "one reply per line");
  });
});

describe("pipelining", () => {
  it("NOOP, SYST, PWD in one write before login: 200, 215, 530, in order, nothing else", async () => {
    const ftp = await conns.connect(server);
    ftp.sendRaw("NOOP\r\nSYST\r\nPWD\r\n");
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await ftp.readReply()).code);
    if (codes.join() !== "200,215,530") {
      throw new HarnessError(
        `Pipelined "NOOP\\r\\nSYST\\r\\nPWD\\r\\n" should be answered 200, 215, 530 (PWD needs a login), in order; got ${codes.join(", ")}.\n` +
          `  reproduce: ${reproLine(ftp.context())}`,
      );
    }
    await expectSilence(ftp, QUIET_MS, "three pipelined commands get exactly three replies");
  });

  it("300 pipelined NOOPs in one write: 300 replies of 200, then silence", async () => {
    const ftp = await conns.connect(server);
    ftp.sendRaw("NOOP\r\n".repeat(300));
    for (let i = 0; i < 300; i++) {
      const r = await ftp.readReply();
      expectCode(r, 200, ftp.context(`reply ${i + 1} of 300 to the pipelined NOOPs`));
    }
    await expectSilence(ftp, QUIET_MS, "300 pipelined NOOPs get exactly 300 replies");
  });
});

describe("odd bytes in command lines", () => {
  const cases: Array<{ name: string; line: Buffer; codes?: number[]; login?: boolean }> = [
    { name: "NUL inside the verb", line: bytes("NO\x00OP\r\n"), codes: [500, 501, 502] },
    { name: "NUL after the verb", line: bytes("NOOP\x00\r\n") },
    { name: "NUL in USER's argument", line: bytes("USER anon\x00ymous\r\n") },
    { name: "NUL in a path", line: bytes("CWD sub\x00/../..\r\n"), codes: [501, 550], login: true },
    { name: "NUL in RETR's path", line: bytes("RETR file.txt\x00.jpg\r\n"), codes: [501, 550], login: true },
    { name: "bare CR inside a line", line: bytes("NO\rOP\r\n") },
    { name: "bare CR between two commands in one line", line: bytes("SYST\rNOOP\r\n") },
    { name: "invalid UTF-8 in the verb", line: bytes("SY\xc3\x28ST\r\n"), codes: [500, 501, 502] },
    { name: "invalid UTF-8 (lone continuation bytes) in an argument", line: bytes("HELP \x80\x81\x82\r\n") },
    { name: "overlong UTF-8 for '/' and '.' in a path (..%c0%af..)", line: bytes("RETR \xc0\xae\xc0\xae\xc0\xaf\xc0\xae\xc0\xae\xc0\xafetc\xc0\xafpasswd\r\n"), codes: [501, 550], login: true },
    { name: "UTF-16 surrogate encoded as UTF-8", line: bytes("CWD \xed\xa0\x80\r\n"), codes: [501, 550], login: true },
    { name: "Telnet IAC IP IAC DM before NOOP (as before ABOR)", line: bytes("\xff\xf4\xff\xf2NOOP\r\n"), codes: [200] },
    { name: "Telnet IAC WILL ECHO option negotiation before NOOP", line: bytes("\xff\xfb\x01NOOP\r\n") },
    { name: "Telnet IAC IAC (a literal 0xFF) in an argument", line: bytes("HELP \xff\xffx\r\n") },
    { name: "a lone IAC at the end of a line", line: bytes("NOOP\xff\r\n") },
    { name: "only control bytes", line: bytes("\x01\x02\x03\x1b[2J\x7f\r\n"), codes: [500, 501, 502] },
  ];

  // Independent sessions, so they run concurrently (each with its own cleanup: afterEach would
  // close the sessions of the others).
  for (const c of cases) {
    it.concurrent(`${c.name}: ${escapeBytes(c.line)} → one reply${c.codes ? ` (${c.codes.join("/")})` : ""}, session alive`, async () => {
      const own = new Connections();
      try {
        await oddLine(own, c);
      } finally {
        own.closeAll();
      }
    });
  }

  async function oddLine(own: Connections, c: (typeof cases)[number]): Promise<void> {
    const ftp = c.login ? await own.login(server) : await own.connect(server);
    ftp.sendRaw(c.line);
    let reply: Reply;
    try {
      reply = await ftp.readReply();
    } catch (err) {
      throw new HarnessError(`No reply to the line ${escapeBytes(c.line)}: every line must get exactly one reply.\n${(err as Error).message}`);
    }
    if (reply.code < 200) throw new HarnessError(`A preliminary ${reply.code} reply to ${escapeBytes(c.line)}: ${escapeBytes(reply.raw)}`);
    if (c.codes) expectCode(reply, c.codes, ftp.context());
    await stillInStep(ftp, `the line ${escapeBytes(c.line)}`);
  }
});

/** Bash $'...' quoting, for a reproduction line. */
function ansiC(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\r/g, "\\r").replace(/\n/g, "\\n");
}

describe("file names cannot forge replies", () => {
  // File names may hold any byte but "/" and NUL. One made on disk (by another user, a local
  // process) with CR LF and a reply code in it must not end a reply early or add one: a reply
  // is data from the server's point of view, and its lines must stay its own. RFC 2640 section
  // 3.2.4: a CR inside a path name is sent as CR NUL; no bare LF may appear at all.
  const NAMES: Record<string, string> = {
    crlf: "evil\r\n213 End of status.\r\n211 forged reply",
    lf: "evil\n213 forged too",
    cr: "bare\rcr",
  };
  beforeAll(() => {
    for (const [dir, name] of Object.entries(NAMES)) {
      fs.mkdirSync(root.path(`names-${dir}`));
      fs.writeFileSync(root.path(`names-${dir}/${name}`), "x");
    }
  });

  for (const [dir, name] of Object.entries(NAMES)) {
    it(`STAT of a folder holding ${JSON.stringify(name)}: one well-formed reply, nothing forged`, async () => {
      const ftp = await conns.login(server);
      const context = `a file named ${JSON.stringify(name)} in /names-${dir} (create it on disk to reproduce)`;
      let reply: Reply;
      try {
        reply = await ftp.send(`STAT names-${dir}`);
      } catch (err) {
        throw new HarnessError(`STAT names-${dir} with ${context}: the reply is malformed.\n${(err as Error).message}`);
      }
      expectCode(reply, [211, 212, 213], ftp.context(`STAT <folder> lists it on the control connection; ${context}`));
      const body = reply.lines.slice(1, -1);
      const early = body.find((l) => /^\d{3}( |$)/.test(l));
      if (early !== undefined) {
        throw new HarnessError(`STAT names-${dir}: the file name ended the reply early with the line ${JSON.stringify(early)} (${context}).\n  received:  ${escapeBytes(reply.raw)}`);
      }
      const raw = reply.raw;
      for (let i = 0; i < raw.length; i++) {
        if (raw[i] === 0x0d && raw[i + 1] !== 0x0a && raw[i + 1] !== 0x00) {
          throw new HarnessError(`STAT names-${dir}: the reply holds a bare CR at byte ${i} (RFC 2640: CR in a path name is sent as CR NUL; ${context}).\n  received:  ${escapeBytes(raw)}`);
        }
      }
      const next = await ftp.send("NOOP");
      if (next.code !== 200) {
        throw new HarnessError(
          [
            `Reply forgery: the reply after "STAT names-${dir}" should be NOOP's 200, but it is ${escapeBytes(next.raw)}.`,
            `The file name ${JSON.stringify(name)} ended STAT's reply early and its tail became a reply of its own,`,
            "so the client is now out of step. Names written into a reply must not carry CR/LF (send CR as CR NUL, RFC 2640).",
            `  reproduce: mkdir /srv/ftp/names-${dir} && touch /srv/ftp/names-${dir}/$'${ansiC(name)}'`,
            `             then: ${reproLine(ftp.context())}`,
          ].join("\n"),
        );
      }
      await expectSilence(ftp, QUIET_MS, `STAT gets exactly one reply (${context})`);
    });
  }
});

describe("the server survives all of the above", () => {
  it("a new session still connects and logs in, and the old hostile input did not leak into it", async () => {
    const ftp = await conns.login(server);
    await ftp.sendExpect("PWD", 257);
    await ftp.sendExpect("SIZE file.txt", 213);
    await expectSilence(ftp, QUIET_MS, "a fresh session gets only its own replies");
  });
});
