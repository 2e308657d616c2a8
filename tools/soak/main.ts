// `npm run soak`: hundreds of concurrent sessions against a live final server, for a bounded
// time, then proof that nothing went wrong.
//
//   npm run soak                                   200 sessions for 30 s
//   npm run soak -- --sessions 500 --seconds 300   longer, heavier
//   npm run soak -- --entry /tmp/copy/src/main.ts  another copy of the server (or FTP_TARGET)
//   npm run soak -- --json                         the summary as JSON on stdout
//
// The sessions (workload.ts) list, download (whole and resumed), upload (whole, resumed,
// appended), abort, and a tenth of them abuse the server. The soak then requires:
//   - every download matched its checksum as it arrived, and every uploaded file on disk
//     matches what was sent (an upload cut off by a vanishing client: a prefix of it);
//   - every reply was well-formed and came in time, with the expected code;
//   - the server's open file descriptors return to what they were before the load, and its
//     resident memory to near it (--rss-slack);
//   - its log (a JSON file, level warn) holds no error, and no warning a client did not
//     cause (each is matched to an abort, a vanished client, an overlong line, ...).
// It prints a summary and exits 1 on any violation (2 on a usage error).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { login } from "../wire/login.ts";
import { startServer, targetEntry, type RunningServer } from "../wire/server-process.ts";
import { sleep } from "../wire/wait.ts";
import { Control, drain, sendAll, sha256 } from "./client.ts";
import { rng, runWorkers, type CorpusFile, type SoakContext } from "./workload.ts";

const MiB = 1024 * 1024;

interface Options {
  seconds: number;
  sessions: number;
  entry: string;
  seed: number;
  abusive: number;
  rssSlackMb: number;
  json: boolean;
  keep: boolean;
}

function parseOptions(argv: string[]): Options | "help" {
  const program = new Command("soak")
    .description("Drive many concurrent FTP sessions against a live server, then check files, descriptors, memory and the log.")
    .option("--seconds <n>", "how long to run the load", "30")
    .option("--sessions <n>", "concurrent sessions (each reconnects until the time is up)", "200")
    .option("--entry <file>", "the server's main.ts (default: $FTP_TARGET, else final/src/main.ts)")
    .option("--seed <n>", "seed of the operation mix (default: random)")
    .option("--abusive <share>", "share of abusive sessions, 0-1", "0.1")
    .option("--rss-slack <mb>", "how far above its starting memory the server may stay afterwards, MiB", "128")
    .option("--json", "print the summary as JSON")
    .option("--keep", "keep the temporary folder (files, log) for inspection")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError && (err.code === "commander.helpDisplayed" || err.code === "commander.help")) return "help";
    throw err;
  }
  const o = program.opts();
  const num = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, not ${JSON.stringify(v)}`);
    return n;
  };
  return {
    seconds: num("seconds", o.seconds, 1),
    sessions: Math.floor(num("sessions", o.sessions, 1)),
    entry: o.entry ? path.resolve(o.entry) : targetEntry(),
    seed: o.seed !== undefined ? Math.floor(num("seed", o.seed, 0)) : Math.floor(Math.random() * 2 ** 31),
    abusive: Math.min(1, num("abusive", o.abusive, 0)),
    rssSlackMb: num("rss-slack", o.rssSlack, 0),
    json: Boolean(o.json),
    keep: Boolean(o.keep),
  };
}

// ---- the server process ---------------------------------------------------------------------

function fds(pid: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.set(Number(name), fs.readlinkSync(`/proc/${pid}/fd/${name}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
}

function extra(before: Map<number, string>, now: Map<number, string>): string[] {
  return [...now].filter(([fd, what]) => before.get(fd) !== what).map(([fd, what]) => `${fd} -> ${what}`);
}

// ---- the run ----------------------------------------------------------------------------------

interface Summary {
  entry: string;
  seed: number;
  seconds: number;
  sessionsConcurrent: number;
  sessionsOpened: number;
  operations: Record<string, number>;
  transfers: number;
  bytesUp: number;
  bytesDown: number;
  provoked: Record<string, number>;
  filesChecked: number;
  fds: { before: number; peak: number; after: number; leaked: string[] };
  rss: { before: number; peak: number; after: number };
  log: { errors: number; warnings: number; unexplained: string[] };
  violations: string[];
}

async function soak(o: Options): Promise<Summary> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-soak-")));
  const root = path.join(dir, "root");
  const logFile = path.join(dir, "ftpd.log");
  const random = rng(o.seed);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  fs.mkdirSync(path.join(root, "corpus"), { recursive: true });
  fs.mkdirSync(path.join(root, "big"));
  const corpus: CorpusFile[] = [0, 1, 100, 1000, 5000, 65_536, MiB, 3 * MiB].map((size, i) => {
    const data = size > 100_000 ? Buffer.concat([bytes(4096), Buffer.alloc(size - 4096, i)]) : bytes(size);
    fs.writeFileSync(path.join(root, "corpus", `f${i}.bin`), data);
    return { vpath: `/corpus/f${i}.bin`, data, sha256: sha256(data) };
  });
  fs.writeFileSync(path.join(root, "big", "big.bin"), "");
  fs.truncateSync(path.join(root, "big", "big.bin"), 256 * MiB);
  for (let i = 0; i < o.sessions; i++) fs.mkdirSync(path.join(root, "up", `w${i}`), { recursive: true });
  fs.writeFileSync(path.join(dir, "ftpd.ini"), `[logging]\nconsole = false\nlevel = warn\nfile = ${logFile}\n`);

  let server: RunningServer | undefined;
  const violations: string[] = [];
  try {
    server = await startServer({
      entry: o.entry,
      args: ["--config", path.join(dir, "ftpd.ini"), "--user", `soak:soak-pw:elradfmwMT:${root}`, "--auth-failed-delay", "0.1", "--max-cons", "0", "--max-cons-per-ip", "0", "--ban-after", "0"],
    });
    const pid = server.proc.pid!;

    // Warm up (lazy code, buffer pools), then take the baseline.
    const warm = await Control.connect(server.host, server.port);
    await login(warm.ftp, "soak", "soak-pw", { type: "I" });
    for (const f of corpus.slice(-2)) {
      const p = await warm.pasv();
      const s = await p.open();
      await warm.expect(`RETR ${f.vpath}`, [125, 150]);
      await drain(s);
      await warm.expectNext([226], "warm-up RETR");
    }
    const p = await warm.pasv();
    const s = await p.open();
    await warm.expect("STOR /up/warm.bin", [125, 150]);
    await sendAll(s, bytes(100_000));
    await warm.expectNext([226], "warm-up STOR");
    await warm.quit();
    await sleep(500);
    const fdsBefore = fds(pid);
    const rssBefore = rss(pid);

    let fdsPeak = fdsBefore.size;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      try {
        fdsPeak = Math.max(fdsPeak, fds(pid).size);
        rssPeak = Math.max(rssPeak, rss(pid));
      } catch {
        // the server is gone: reported below
      }
    }, 250);

    const ctx: SoakContext = {
      host: server.host,
      port: server.port,
      user: "soak",
      password: "soak-pw",
      corpus,
      big: "/big/big.bin",
      deadline: Date.now() + o.seconds * 1000,
      counters: { sessions: 0, operations: {}, transfers: 0, bytesDown: 0, bytesUp: 0, provoked: {} },
      expectations: new Map(),
      disturbed: new Map(),
      violations,
      foreign: "127.0.0.2",
    };
    progress(o, `soak: ${o.sessions} sessions for ${o.seconds} s against ${path.relative(process.cwd(), o.entry) || o.entry} (pid ${pid}, seed ${o.seed})`);
    await runWorkers(ctx, o.sessions, o.seed, o.abusive);
    clearInterval(sampler);
    if (server.proc.exitCode !== null) violations.push(`the server exited during the soak (${server.proc.exitCode}):\n${server.stderr().slice(-2000)}`);

    // Settle: every session is closed; the server should give back what it took.
    let leaked: string[] = [];
    const settleUntil = Date.now() + 15_000;
    while (Date.now() < settleUntil) {
      leaked = extra(fdsBefore, fds(pid));
      if (leaked.length === 0) break;
      await sleep(250);
    }
    const fdsAfter = fds(pid).size;
    if (leaked.length) violations.push(`the server still holds ${leaked.length} descriptor(s) it did not hold before: ${leaked.slice(0, 10).join(", ")}`);
    await sleep(1000);
    const rssAfter = rss(pid);
    if (rssAfter > rssBefore + o.rssSlackMb * MiB) {
      violations.push(`the server's memory stayed at ${(rssAfter / MiB).toFixed(1)} MiB, more than ${o.rssSlackMb} MiB above its ${(rssBefore / MiB).toFixed(1)} MiB before the load`);
    }

    // Node's own complaints on the server's stderr (console logging is off, so there should be
    // none): a FileHandle closed by the garbage collector (a leak the GC hid from the count
    // above), an unhandled rejection, too many listeners...
    const complaints = server.stderr().split("\n").filter((l) => /warning|error|unhandled/i.test(l));
    for (const c of complaints.slice(0, 10)) violations.push(`the server's stderr: ${c.trim().slice(0, 300)}`);

    // Files: what each upload must contain.
    for (const [vpath, want] of ctx.expectations) {
      const file = path.join(root, vpath);
      let got: Buffer;
      try {
        got = fs.readFileSync(file);
      } catch {
        violations.push(`${vpath}: missing`);
        continue;
      }
      if (want.kind === "exact" && (got.length !== want.size || sha256(got) !== want.sha256)) {
        violations.push(`${vpath}: ${got.length} bytes on disk, expected ${want.size} (checksum ${sha256(got) === want.sha256 ? "equal" : "differs"})`);
      }
      if (want.kind === "prefix" && (got.length > want.data.length || !got.equals(want.data.subarray(0, got.length)))) {
        violations.push(`${vpath}: the upload cut off by a vanishing client is not a prefix of what was sent`);
      }
    }

    // The log: errors never; warnings only those the clients caused.
    await sleep(300);
    const entries = readLog(logFile);
    const budget: Record<string, number> = {
      "command line too long": ctx.counters.provoked["overlong line"] ?? 0,
      "login failed": ctx.counters.provoked["wrong password"] ?? 0,
      "refused PORT to a foreign address": ctx.counters.provoked["foreign PORT"] ?? 0,
      "refused data connection from a foreign address": ctx.counters.provoked["foreign PASV connection"] ?? 0,
    };
    const unexplained: string[] = [];
    let errors = 0;
    let warnings = 0;
    for (const e of entries) {
      if (e.level === "error" || e.level === "fatal" || e.level === "unparsable") {
        errors++;
        unexplained.push(JSON.stringify(e).slice(0, 300));
        continue;
      }
      if (e.level !== "warn") continue;
      warnings++;
      if (e.msg === "transfer") {
        const key = `${e.command} ${e.path}`;
        const left = ctx.disturbed.get(key) ?? 0;
        if (left > 0) ctx.disturbed.set(key, left - 1);
        else unexplained.push(JSON.stringify(e).slice(0, 300));
      } else if (typeof e.msg === "string" && (budget[e.msg] ?? 0) > 0) {
        budget[e.msg]!--;
      } else {
        unexplained.push(JSON.stringify(e).slice(0, 300));
      }
    }
    for (const u of unexplained.slice(0, 20)) violations.push(`log entry no client caused: ${u}`);
    if (unexplained.length > 20) violations.push(`... and ${unexplained.length - 20} more log entries no client caused`);

    return {
      entry: o.entry,
      seed: o.seed,
      seconds: o.seconds,
      sessionsConcurrent: o.sessions,
      sessionsOpened: ctx.counters.sessions,
      operations: ctx.counters.operations,
      transfers: ctx.counters.transfers,
      bytesUp: ctx.counters.bytesUp,
      bytesDown: ctx.counters.bytesDown,
      provoked: ctx.counters.provoked,
      filesChecked: ctx.expectations.size,
      fds: { before: fdsBefore.size, peak: fdsPeak, after: fdsAfter, leaked },
      rss: { before: rssBefore, peak: rssPeak, after: rssAfter },
      log: { errors, warnings, unexplained },
      violations: dedupe(violations),
    };
  } finally {
    await server?.stop();
    if (o.keep) process.stderr.write(`soak: kept ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The same violation from many workers is one line, with a count. */
function dedupe(list: string[]): string[] {
  const counts = new Map<string, number>();
  for (const v of list) {
    const key = v.replace(/^worker \d+/, "worker N");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([v, n]) => (n > 1 ? `${v} (x${n})` : v));
}

function readLog(file: string): Array<Record<string, unknown> & { level: string; msg: string }> {
  let text = "";
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown> & { level: string; msg: string };
      } catch {
        return { level: "unparsable", msg: l };
      }
    });
}

function progress(o: Options, line: string): void {
  if (!o.json) process.stdout.write(`${line}\n`);
}

function formatSummary(s: Summary): string {
  const mb = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  const list = (r: Record<string, number>) =>
    Object.entries(r)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(", ") || "none";
  const total = Object.values(s.operations).reduce((a, b) => a + b, 0);
  return [
    `  sessions     ${s.sessionsOpened} opened by ${s.sessionsConcurrent} concurrent clients in ${s.seconds} s`,
    `  operations   ${total} (${list(s.operations)})`,
    `  transfers    ${s.transfers}: ${mb(s.bytesUp)} up, ${mb(s.bytesDown)} down`,
    `  provoked     ${list(s.provoked)}`,
    `  files        ${s.filesChecked} uploaded files checked against their checksums`,
    `  server fds   ${s.fds.before} before, ${s.fds.peak} at peak, ${s.fds.after} after${s.fds.leaked.length ? ` (${s.fds.leaked.length} leaked)` : ""}`,
    `  server RSS   ${mb(s.rss.before)} before, ${mb(s.rss.peak)} at peak, ${mb(s.rss.after)} after`,
    `  server log   ${s.log.errors} errors, ${s.log.warnings} warnings, ${s.log.unexplained.length} not caused by a client`,
    `  violations   ${s.violations.length}`,
    ...s.violations.map((v) => `    - ${v}`),
    s.violations.length ? "soak: FAILED" : "soak: OK",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  if (process.platform !== "linux") {
    process.stderr.write("soak: needs Linux (/proc for descriptors and memory)\n");
    return 2;
  }
  let o: Options | "help";
  try {
    o = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    return 2;
  }
  if (o === "help") return 0;
  const summary = await soak(o);
  process.stdout.write(o.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
  return summary.violations.length ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
