/**
 * A hostile client, over TCP, against a real server process: every command the server knows
 * (its command table, checked against HELP), with its argument missing, with extra words, a
 * 4000-byte argument, a 4000-byte path, random binary bytes, and Telnet/invalid UTF-8 bytes,
 * in every session state: before USER, after USER, logged in, after REST, after RNFR, and
 * arriving while a transfer runs.
 *
 * For each line the server must send exactly one final reply (at most one 1xx before it), each
 * well-formed (three digits, space or dash, CRLF: the harness parser is strict), and stay in
 * step: the state is set up again before every line (REIN, USER, PASS, RNFR in the same write
 * as the hostile line) and SYST follows it as a marker whose 215 must come next. Meanwhile a
 * second session sends NOOP every 50 ms and must keep getting 200s promptly, and the log file
 * must not record any error of the server's own (a handler that threw something unexpected,
 * or forgot to reply).
 *
 * The random bytes come from a seed (FTP_TEST_SEED replays a run).
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCommandTable } from "../../final/src/commands/table.ts";
import { FtpSocket, HarnessError, escapeBytes, makeTempRoot, ncRepro, type Reply, type TempRoot } from "../harness/index.ts";
import { SEED, seedNote, seededBytes, sleep, sparseFile, startLogged, type LoggedServer } from "./fault-helpers.ts";

const TABLE = buildCommandTable();
const USER = "anna";
const PASSWORD = "pw-for-anna";

/** Commands with a sub-command in their argument get their own lines too. */
const SITE_SUBCOMMANDS = ["CHMOD", "HELP", "QUOTA"];
const PSEUDO = [...SITE_SUBCOMMANDS.map((c) => `SITE ${c}`), "SITE NOPE", "OPTS UTF8", "OPTS MLST", "OPTS HASH", "EPSV ALL", "LIST -la", "AUTH TLS", "PROT P"];
const VERBS = [...TABLE.keys(), ...PSEUDO].sort();

type Variant = "missing" | "extra" | "huge" | "huge-path" | "binary" | "telnet-utf8";
const VARIANTS: Variant[] = ["missing", "extra", "huge", "huge-path", "binary", "telnet-utf8"];

/** A different random argument for every verb, all from one seed. */
function binaryArg(verb: string): Buffer {
  let h = SEED;
  for (const c of verb) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  const raw = seededBytes(16 + (h % 180), h);
  // CR and LF would end the line early: a different test. Everything else goes.
  return Buffer.from([...raw].map((b) => (b === 0x0d || b === 0x0a ? 0x00 : b)));
}

function hostileLine(verb: string, variant: Variant): Buffer {
  const spec = TABLE.get(verb);
  const withArg = (arg: Buffer | string) => Buffer.concat([Buffer.from(`${verb} `), typeof arg === "string" ? Buffer.from(arg) : arg]);
  switch (variant) {
    case "missing":
      return Buffer.from(verb);
    case "extra":
      return withArg(spec?.arg === "none" ? "extra" : "one two  three ");
    case "huge":
      return withArg("A".repeat(4000));
    case "huge-path":
      return withArg("../a/".repeat(800));
    case "binary":
      return withArg(binaryArg(verb));
    case "telnet-utf8":
      return withArg(Buffer.from([0xff, 0xf4, 0xff, 0xf2, 0x00, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf8, 0x88, 0x80, 0x80, 0x80, 0xfe, 0xff, 0xff, 0x2e, 0x2e]));
  }
}

interface State {
  name: string;
  /** Lines that put a session in this state, and the codes they get. */
  setup: Array<[string, number]>;
}

const STATES: State[] = [
  { name: "before USER", setup: [["REIN", 220]] },
  { name: "after USER", setup: [["REIN", 220], ["USER nobody", 331]] },
  { name: "logged in", setup: [["REIN", 220], [`USER ${USER}`, 331], [`PASS ${PASSWORD}`, 230]] },
  { name: "after REST", setup: [["REIN", 220], [`USER ${USER}`, 331], [`PASS ${PASSWORD}`, 230], ["TYPE I", 200], ["REST 5", 350]] },
  { name: "after RNFR", setup: [["REIN", 220], [`USER ${USER}`, 331], [`PASS ${PASSWORD}`, 230], ["RNFR victim.txt", 350]] },
];

let root: TempRoot;
let logged: LoggedServer;
let watcher: { stop(): Promise<{ answered: number; worstMs: number; error: Error | null }> };
const sessions = new Map<string, FtpSocket>();
let linesSent = 0;

async function connect(): Promise<FtpSocket> {
  const ftp = await FtpSocket.connect(logged.server.host, logged.server.port, { timeoutMs: 10_000 });
  if (ftp.greeting.code !== 220) throw new HarnessError(`greeting ${escapeBytes(ftp.greeting.raw)}`);
  return ftp;
}

/** A session that sends NOOP every 50 ms and measures how long each takes. */
function startWatcher() {
  let stopping = false;
  let answered = 0;
  let worstMs = 0;
  let error: Error | null = null;
  const done = (async () => {
    const ftp = await connect();
    try {
      while (!stopping) {
        const t0 = Date.now();
        const r = await ftp.send("NOOP", 5000);
        if (r.code !== 200) throw new HarnessError(`the watching session's NOOP got ${escapeBytes(r.raw)}`);
        answered++;
        worstMs = Math.max(worstMs, Date.now() - t0);
        await sleep(50);
      }
    } catch (err) {
      error = err as Error;
    } finally {
      ftp.destroy();
    }
  })();
  return {
    async stop() {
      stopping = true;
      await done;
      return { answered, worstMs, error };
    },
  };
}

beforeAll(async () => {
  root = makeTempRoot({ "victim.txt": "victim\n", "file.txt": "content\n", "sub/inner.txt": "inner\n" });
  sparseFile(root.path("big.bin"), 256 * 1024 * 1024);
  logged = await startLogged({
    level: "warn",
    args: ["--user", `${USER}:${PASSWORD}:elradfmwMT:${root.dir}`, "--max-login-attempts", "1000", "--auth-failed-delay", "0", "--ban-after", "0"],
  });
  watcher = startWatcher();
});

afterAll(async () => {
  for (const s of sessions.values()) s.destroy();
  await watcher?.stop();
  await logged?.stop();
  root?.cleanup();
});

function fail(headline: string, lines: Array<string | Buffer>, replies: Reply[]): never {
  throw new HarnessError(
    [
      headline,
      ...replies.map((r, i) => `  reply ${i + 1}: ${escapeBytes(r.raw).slice(0, 300)}`),
      `  reproduce: ${ncRepro(lines, logged.server.host, logged.server.port).slice(0, 1200)}`,
      `  (${seedNote})`,
    ].join("\n"),
  );
}

/** Read replies until `finals` final (>= 200) ones have arrived; 1xx replies are returned too. */
async function readFinals(ftp: FtpSocket, finals: number, timeoutMs = 10_000): Promise<Reply[]> {
  const out: Reply[] = [];
  let n = 0;
  while (n < finals) {
    const r = await ftp.readReply(timeoutMs).catch((err: Error) => {
      // The harness's message replays the whole session, which is huge here: keep its head.
      throw new HarnessError(`${err.message.split("\n")[0]!.slice(0, 500)} (after ${out.length} replies: ${out.slice(-5).map((x) => x.code).join(", ")})`);
    });
    out.push(r);
    if (r.code >= 200) n++;
  }
  return out;
}

/** One hostile line in a freshly set-up state, followed by the SYST marker. */
async function tryLine(state: State, line: Buffer): Promise<void> {
  let ftp = sessions.get(state.name);
  if (!ftp || ftp.isClosed) {
    ftp = await connect();
    sessions.set(state.name, ftp);
  }
  if (!fs.existsSync(root.path("victim.txt"))) fs.writeFileSync(root.path("victim.txt"), "victim\n"); // RNTO tests rename it
  const lines: Array<string | Buffer> = [...state.setup.map(([l]) => l), line, "SYST"];
  const isQuit = line.equals(Buffer.from("QUIT"));
  ftp.sendRaw(Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from("\r\n")]))));
  linesSent++;
  let replies: Reply[];
  try {
    replies = await readFinals(ftp, state.setup.length + (isQuit ? 1 : 2));
  } catch (err) {
    fail(`No complete set of replies for ${escapeBytes(line).slice(0, 120)} in state "${state.name}":\n${(err as Error).message.split("\n")[0]}`, lines, []);
  }
  const finals = replies.filter((r) => r.code >= 200);
  const prelims = replies.filter((r) => r.code < 200);
  state.setup.forEach(([l, code], i) => {
    if (finals[i]!.code !== code) fail(`Setting up "${state.name}": ${l} got ${finals[i]!.code}, not ${code} (the previous line left the session out of step?)`, lines, replies);
  });
  const own = finals[state.setup.length]!;
  if (prelims.length > 1 || (prelims.length === 1 && replies.indexOf(prelims[0]!) !== replies.indexOf(own) - 1)) {
    fail(`More than one preliminary reply, or one not right before the final reply, for ${escapeBytes(line).slice(0, 120)}.`, lines, replies);
  }
  if (own.code >= 600) fail(`Reply code ${own.code} is not an FTP reply code.`, lines, replies);
  if (prelims.length === 1) {
    // A transfer started (no data connection was prepared, so it must fail, not hang): nothing to do here.
  }
  if (isQuit) {
    if (own.code !== 221) fail(`QUIT got ${own.code}, not 221.`, lines, replies);
    await Promise.race([ftp.closed(), sleep(3000)]);
    if (!ftp.isClosed) fail("The server did not close the connection after QUIT.", lines, replies);
    sessions.delete(state.name);
    return;
  }
  const marker = finals[state.setup.length + 1]!;
  if (marker.code !== 215) {
    fail(`The reply after ${escapeBytes(line).slice(0, 120)} should be SYST's 215: the hostile line got ${own.code} and then ${marker.code} (two replies for one line, or out of step).`, lines, replies);
  }
}

describe("the suite covers every command", () => {
  it("SITE HELP names no subcommand this suite does not try", async () => {
    const ftp = await connect();
    try {
      await ftp.sendExpect(`USER ${USER}`, 331);
      await ftp.sendExpect(`PASS ${PASSWORD}`, 230);
      const r = await ftp.sendExpect("SITE HELP", 214);
      const named = [...r.text.matchAll(/SITE ([A-Z]+)/g)].map((m) => m[1]!);
      expect(named.filter((n) => !SITE_SUBCOMMANDS.includes(n)), "add them to SITE_SUBCOMMANDS").toEqual([]);
    } finally {
      ftp.destroy();
    }
  });

  it("HELP names every command of the table, and nothing else", async () => {
    const ftp = await connect();
    try {
      const r = await ftp.send("HELP");
      expect(r.code).toBe(214);
      const words = new Set(r.lines.slice(1, -1).join(" ").split(/\s+/).filter((w) => /^[A-Z][A-Z0-9]{2,}$/.test(w)));
      expect([...words].sort()).toEqual([...TABLE.keys()].sort());
    } finally {
      ftp.destroy();
    }
  });
});

for (const state of STATES) {
  describe(`state: ${state.name}`, () => {
    for (const verb of VERBS) {
      it(`${verb}: ${VARIANTS.join(", ")} → one well-formed reply each, session in step`, async () => {
        for (const variant of VARIANTS) await tryLine(state, hostileLine(verb, variant));
      });
    }
  });
}

describe("state: a transfer is running (lines arrive while RETR sends; ABOR and STAT are answered at once)", () => {
  it(`all ${VERBS.length * VARIANTS.length} hostile lines in one write during a RETR: one reply each, the transfer's own 426, then QUIT's 221`, async () => {
    const ftp = await connect();
    sessions.set("transfer", ftp);
    await ftp.sendExpect(`USER ${USER}`, 331);
    await ftp.sendExpect(`PASS ${PASSWORD}`, 230);
    await ftp.sendExpect("TYPE I", 200);
    const data = await ftp.openPassiveData("PASV");
    data.socket.pause(); // never read: the transfer stays in progress
    await ftp.sendExpect("RETR big.bin", [125, 150]);

    const all = VERBS.flatMap((v) => VARIANTS.map((variant) => ({ verb: v.split(" ")[0]!, line: hostileLine(v, variant) })));
    const isUrgent = (verb: string) => TABLE.get(verb)?.urgent === true;
    const isLast = (l: { verb: string; line: Buffer }) => ["USER", "PASS", "REIN", "QUIT"].includes(l.verb) || l.line.equals(Buffer.from("ABOR"));
    const isSetup = (l: { verb: string }) => ["PASV", "EPSV", "PORT", "EPRT"].includes(l.verb);
    // Urgent ones first (answered during the transfer), data setup after every transfer
    // command (so none of those can start a transfer that waits), the state changers last.
    const urgent = all.filter((l) => isUrgent(l.verb) && !isLast(l));
    const plain = all.filter((l) => !isUrgent(l.verb) && !isLast(l) && !isSetup(l));
    const setup = all.filter((l) => !isUrgent(l.verb) && !isLast(l) && isSetup(l));
    const last = all.filter((l) => isLast(l) && l.verb !== "QUIT");
    const rest = [...plain, ...setup, ...last, { verb: "QUIT", line: Buffer.from("QUIT") }];
    const wire = (ls: Array<{ line: Buffer }>) => Buffer.concat(ls.map((l) => Buffer.concat([l.line, Buffer.from("\r\n")])));
    linesSent += urgent.length + rest.length;

    // The urgent lines, then STAT, are answered while the transfer still runs.
    ftp.sendRaw(Buffer.concat([wire(urgent), Buffer.from("STAT\r\n")]));
    const early = await readFinals(ftp, urgent.length + 1);
    const status = early[early.length - 1]!;
    if (status.code !== 213 || !/progress/i.test(status.text)) {
      fail(`After the urgent lines, STAT should report the running transfer (213); got ${status.code}.`, [], early);
    }
    // The others wait for the transfer (the server stops reading after 64 waiting lines).
    ftp.sendRaw(wire(rest));
    ftp.sendRaw(Buffer.alloc(0)); // the harness labels each awaited reply with the last write: keep that one short
    await sleep(200);
    data.destroy(); // the client drops the data connection: RETR ends with 426
    const after = await readFinals(ftp, rest.length + 1, 20_000);
    const finals = after.filter((r) => r.code >= 200);
    if (finals[0]!.code !== 426) fail(`The RETR whose data connection was dropped should end with 426; got ${finals[0]!.code}.`, [], after.slice(0, 3));
    const quit = finals[finals.length - 1]!;
    if (quit.code !== 221) fail(`The last reply should be QUIT's 221 (one reply per line, in order); got ${quit.code}.`, [], after.slice(-3));
    await Promise.race([ftp.closed(), sleep(3000)]);
    expect(ftp.isClosed).toBe(true);
  });
});

describe("afterwards", () => {
  it("the watching session's NOOPs were answered throughout, promptly", async () => {
    const w = await watcher.stop();
    if (w.error) throw w.error;
    expect(w.answered).toBeGreaterThan(5);
    expect(w.worstMs, `slowest NOOP of the watching session: ${w.worstMs} ms`).toBeLessThan(1000);
  });

  it("a new session logs in and works; the fixture files are intact", async () => {
    const ftp = await connect();
    try {
      await ftp.sendExpect(`USER ${USER}`, 331);
      await ftp.sendExpect(`PASS ${PASSWORD}`, 230);
      await ftp.sendExpect("SIZE file.txt", 213);
      await ftp.sendExpect("CWD sub", 250);
      expect(root.read("file.txt").toString()).toBe("content\n");
      expect(root.read("sub/inner.txt").toString()).toBe("inner\n");
    } finally {
      ftp.destroy();
    }
  });

  it(`the log file records no error of the server's own (${seedNote})`, async () => {
    await sleep(300); // the log file is written asynchronously
    const errors = logged.log().filter((e) => e.level === "error" || e.level === "fatal" || e.level === "unparsable");
    if (errors.length) {
      throw new HarnessError(`The server logged ${errors.length} error(s) while ${linesSent} hostile lines were sent:\n${errors.slice(0, 10).map((e) => `    ${JSON.stringify(e).slice(0, 400)}`).join("\n")}`);
    }
  });
});
