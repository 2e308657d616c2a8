/**
 * Lesson 5: throttling and logging.
 *
 * - `--write-limit 100K` caps how fast the server sends data (downloads and listings) and
 *   `--read-limit 100K` how fast it accepts data (uploads), per session, in bytes per second
 *   (100K = 100 × 1024 = 102400). The tests only check that transfers are not *faster* than
 *   the limit allows: a slow machine can never make them fail. One second's worth of bytes
 *   may go out at once (a token bucket's burst), nothing more.
 * - `--log-file FILE` writes one JSON object per line: logins, transfers (command, path, exact
 *   byte count), and refused logins as warnings, never with the password. In a config file,
 *   `[logging] file = x.log` is relative to the config file's folder.
 * - Levels: info by default (no single commands), -V every command (PASS as "PASS ******"),
 *   -D the replies too; the console (stderr) gets the same events as readable lines.
 *
 * Run: npx vitest run test/lessons/05-throttling-logging.test.ts
 *      (npm run lesson 5 runs them against your workspace)
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, it } from "vitest";
import { HarnessError, REPO_ROOT, expectBytes, targetEntry, type FtpSocket } from "../harness/index.ts";
import {
  fileText,
  indent,
  listingLines,
  passiveRead,
  passiveStore,
  payload,
  readJsonLines,
  sha256,
  timed,
  waitFor,
  useStageServer,
  type LogEntry,
  type StageServer,
} from "./stage-helpers.ts";

/** "100K" on the command line: 100 × 1024 bytes per second. */
const RATE = 100 * 1024;
/** One second's worth of bytes may pass at once; everything above must wait for the limit. */
const BURST_MS = 1000;

const BIG = payload(320 * 1024, 5); // 3.2 s at 100K
const UPLOAD = payload(320 * 1024, 6);
const HALF = payload(160 * 1024, 9); // two of these: the same 3.2 s, in one session
/** Enough files with long names that LIST sends well over 300 KB. */
const MANY = 1800;
const LONG = "a-long-file-name-that-makes-each-listing-line-longer-".repeat(2);
const manyFiles: Record<string, string> = {};
for (let i = 0; i < MANY; i++) manyFiles[`many/${LONG}${String(i).padStart(4, "0")}.txt`] = "";

/** The entry as a learner would type it, relative to the repository. */
const ENTRY = path.relative(REPO_ROOT, targetEntry());

/** How to see it by hand: a served folder with a big file, the server, a timed curl. */
function throttleRepro(flag: string, client: string): string {
  return [
    `mkdir -p /tmp/pub && head -c 327680 /dev/urandom > /tmp/pub/big.bin`,
    `npx tsx ${ENTRY} -p 2121 -d /tmp/pub -w ${flag} 100K &`,
    client,
  ].join("\n             ");
}

/** Fails (with the numbers and what to check) when `bytes` went through faster than the limit allows. */
function expectNotFasterThanLimit(
  ms: number,
  bytes: number,
  what: string,
  flag: string,
  cause: string,
  repro: string,
  stage: StageServer,
  ftp: FtpSocket,
): void {
  const ideal = (bytes / RATE) * 1000;
  const min = Math.round(ideal - BURST_MS);
  if (ms >= min) return;
  throw new HarnessError(
    [
      `${what} took ${ms} ms: too fast for ${flag} 100K.`,
      `  expected:  ${bytes} bytes at 102400 bytes/s take about ${(ideal / 1000).toFixed(1)} s; at least ${min} ms ` +
        `(this test allows up to a second's worth of early bytes, the rest must wait)`,
      `  cause:     ${cause}`,
      `  reproduce: ${repro}`,
      `  transcript:\n${indent(ftp.transcriptText({ times: true }))}`,
      stage.about(),
    ].join("\n"),
  );
}

describe.concurrent("lesson 5: --write-limit slows down what the server sends", () => {
  const stage = useStageServer({ files: { "big.bin": BIG, "half.bin": HALF, ...manyFiles }, args: ["--write-limit", "100K"] });

  it("RETR of a 320 KiB file takes at least 2.2 s at --write-limit 100K, and every byte arrives intact", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("TYPE I", 200, "TYPE I switches to binary mode");
      const { ms, value: data } = await timed(() => passiveRead(ftp, "RETR big.bin"));
      expectBytes(data, BIG, { what: `RETR big.bin (sha256 expected ${sha256(BIG)}, received ${sha256(data)})`, ...ftp.context() });
      expectNotFasterThanLimit(
        ms,
        data.length,
        "RETR big.bin (from the RETR command to the 226 reply)",
        "--write-limit",
        "--write-limit caps the bytes per second the server WRITES to data connections (downloads). " +
          "Is the option read at all (the kit parsed it: which option holds it is in workspace/src/README.md), and does RETR send through your throttle? " +
          "Does your token bucket make the sender wait when it holds fewer tokens than the chunk, instead of letting it go? " +
          "(If uploads are slow instead, read and write are swapped: the server reads uploads, writes downloads.)",
        throttleRepro("--write-limit", "time curl -s -o /dev/null ftp://127.0.0.1:2121/big.bin"),
        stage,
        ftp,
      );
    });
  });

  it("the limit belongs to the session: two 160 KiB downloads one after the other take at least 2.2 s together", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("TYPE I", 200, "TYPE I switches to binary mode");
      const { ms } = await timed(async () => {
        for (let i = 0; i < 2; i++) {
          const data = await passiveRead(ftp, "RETR half.bin");
          expectBytes(data, HALF, { what: `RETR half.bin (download ${i + 1} of 2)`, ...ftp.context() });
        }
      });
      expectNotFasterThanLimit(
        ms,
        2 * HALF.length,
        "Two RETR half.bin in one session (from the first RETR to the second 226)",
        "--write-limit",
        "the limit is per session, not per transfer: keep one token bucket in the session and let every transfer of that session draw from it " +
          "(a fresh, full bucket for each transfer lets a client go faster by splitting a download into pieces)",
        throttleRepro("--write-limit", "time curl -s -o /dev/null -o /dev/null ftp://127.0.0.1:2121/big.bin ftp://127.0.0.1:2121/big.bin"),
        stage,
        ftp,
      );
    });
  });

  it("a directory listing is throttled too: LIST of 1800 long names (over 300 KB) is not faster than 100K", async () => {
    await stage.session(async (ftp) => {
      const { ms, value: listing } = await timed(() => passiveRead(ftp, "LIST many"));
      const lines = listingLines(listing);
      if (lines.length !== MANY) {
        throw new HarnessError(
          `LIST many sent ${lines.length} lines, expected one per file (${MANY}).\n  first lines:\n${indent(lines.slice(0, 3).join("\n"))}\n${stage.about()}`,
        );
      }
      expectNotFasterThanLimit(
        ms,
        listing.length,
        `LIST many (${listing.length} bytes of listing)`,
        "--write-limit",
        "a listing is data the server writes to the client, like a download: LIST (and NLST, MLSD) must go through the same throttle as RETR.",
        throttleRepro("--write-limit", "time curl -s -o /dev/null ftp://127.0.0.1:2121/  # with many files in /tmp/pub"),
        stage,
        ftp,
      );
    });
  });
});

describe.concurrent("lesson 5: --read-limit slows down what the server receives", () => {
  const stage = useStageServer({ args: ["-w", "--read-limit", "100K"] });

  it("STOR of a 320 KiB file takes at least 2.2 s at --read-limit 100K, and the file on disk is intact", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("TYPE I", 200, "TYPE I switches to binary mode");
      const { ms } = await timed(() => passiveStore(ftp, "up.bin", UPLOAD));
      const onDisk = stage.root.read("up.bin");
      expectBytes(onDisk, UPLOAD, { what: `the file written by STOR up.bin (sha256 expected ${sha256(UPLOAD)}, on disk ${sha256(onDisk)})`, ...ftp.context() });
      expectNotFasterThanLimit(
        ms,
        UPLOAD.length,
        "STOR up.bin (from the STOR command to the 226 reply)",
        "--read-limit",
        "--read-limit caps the bytes per second the server READS from data connections (uploads). " +
          "Does STOR pass what it receives through a throttle of its own (one bucket per direction, per session)? The 226 must only come once everything is written.",
        throttleRepro("--read-limit", "time curl -s -T /tmp/pub/big.bin ftp://127.0.0.1:2121/up.bin"),
        stage,
        ftp,
      );
    });
  });
});

// ---- logging ---------------------------------------------------------------------------------

const PASSWORD = "Corr3ct-H0rse-91";
const WRONG = "Wr0ng-Guess-57";
const DATA = payload(5000, 7);
const UP_SMALL = payload(3210, 8);

/** Wait until the log has an entry matching `pred`; otherwise fail showing the whole file. */
function expectLogEntry(file: string, wanted: string, pred: (e: LogEntry) => boolean, cause: string, stage: StageServer): Promise<LogEntry> {
  return waitFor(
    () => readJsonLines(file).find(pred),
    5000,
    () => `a log line ${wanted} in ${file}.\n  cause:     ${cause}\n  the file has:\n${indent(fileText(file))}\n${stage.about()}`,
  );
}

const isWarning = (e: LogEntry) => e.level === "warn" || e.level === "warning" || e.level === 40;

describe.concurrent("lesson 5: --log-file writes one JSON object per line", () => {
  const stage = useStageServer({
    files: { "home/data.bin": DATA },
    args: (root) => ["--user", `anna:${PASSWORD}:elradfmw:${root.path("home")}`, "--log-file", root.path("ftpd.log")],
  });
  const log = () => stage.root.path("ftpd.log");

  it("logs the login (with the user name) and each transfer with its command, path and exact byte count", async () => {
    const ftp = await stage.login("anna", PASSWORD);
    try {
      await ftp.sendExpect("TYPE I", 200, "TYPE I switches to binary mode");
      expectBytes(await passiveRead(ftp, "RETR data.bin"), DATA, { what: "RETR data.bin", ...ftp.context() });
      await passiveStore(ftp, "up.bin", UP_SMALL);
      await ftp.sendExpect("QUIT", 221, "QUIT is answered with 221");
    } finally {
      ftp.destroy();
    }
    const fileHint = `is --log-file passed on to the logger, and does the logger write to that file as well as to the console?`;
    await expectLogEntry(log(), `{"msg":"login", "user":"anna", ...}`, (e) => e.msg === "login" && e.user === "anna", `a successful login is logged as msg "login" with the user's name; ${fileHint}`, stage);
    const retr = await expectLogEntry(
      log(),
      `{"msg":"transfer", "command":"RETR", "path":"/data.bin", ...}`,
      (e) => e.msg === "transfer" && e.command === "RETR" && e.path === "/data.bin",
      `every finished transfer is logged as msg "transfer" with the command and the path as the user sees it (from their root); ${fileHint}`,
      stage,
    );
    const stor = await expectLogEntry(
      log(),
      `{"msg":"transfer", "command":"STOR", "path":"/up.bin", ...}`,
      (e) => e.msg === "transfer" && e.command === "STOR" && e.path === "/up.bin",
      `uploads are logged like downloads: msg "transfer", command "STOR", the path as the user sees it`,
      stage,
    );
    for (const [entry, size] of [
      [retr, DATA.length],
      [stor, UP_SMALL.length],
    ] as const) {
      if (entry.bytes !== size) {
        throw new HarnessError(
          `The log says ${JSON.stringify(entry.bytes)} bytes for ${entry.command} ${entry.path}, but exactly ${size} bytes went over the data connection.\n` +
            `  entry:     ${JSON.stringify(entry)}\n` +
            `  cause:     "bytes" must be a number: the bytes actually sent or received on the data connection for this transfer (not the file size on disk, not a running total for the session).\n` +
            stage.about(),
        );
      }
    }
  });

  it("logs a wrong password as a warning that names the user but never contains the password", async () => {
    const ftp = await stage.connect();
    try {
      await ftp.sendExpect("USER anna", 331, "USER is answered with 331");
      await ftp.sendExpect(`PASS ${WRONG}`, 530, "a wrong password is refused with 530");
    } finally {
      ftp.destroy();
    }
    await expectLogEntry(
      log(),
      `at level "warn" about the failed login of anna`,
      (e) => isWarning(e) && /login|password|auth/i.test(String(e.msg)) && Object.values(e).includes("anna"),
      `a refused login is something an operator must see (password guessing): log it at level warn, with the name that was tried`,
      stage,
    );
    const text = fileText(log());
    for (const [pw, which] of [
      [WRONG, "the wrong password"],
      [PASSWORD, "anna's real password"],
    ] as const) {
      if (text.includes(pw)) {
        throw new HarnessError(
          `The log file contains ${which} (${pw}) in clear text.\n  cause:     never log a password, not even a wrong one (it is often a typo of the right one); log the user name only.\n  the file has:\n${indent(text)}`,
        );
      }
    }
  });
});

/** Every string (or number) value of an entry, for checks that do not care about field names. */
const valuesOf = (e: LogEntry): string[] => Object.values(e).map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
const mentions = (e: LogEntry, text: string): boolean => valuesOf(e).some((v) => v.includes(text));

describe.concurrent("lesson 5: levels decide how much is logged", () => {
  const stage = useStageServer({
    files: { "home/readme.txt": "hello\n" },
    args: (root) => ["--user", `anna:${PASSWORD}:elradfmw:${root.path("home")}`, "--log-file", root.path("ftpd.log")],
  });
  const log = () => stage.root.path("ftpd.log");

  it("at the default level (info), single commands are not logged: a CWD that fails leaves no entry", async () => {
    const marker = `levels-check-${process.pid}`;
    await stage.session(async (ftp) => {
      await ftp.sendExpect(`CWD ${marker}`, 550, "CWD to a folder that does not exist is answered with 550");
      await ftp.sendExpect("QUIT", 221, "QUIT is answered with 221");
    }, "anna", PASSWORD);
    // A later event that info does log (a refused login): once it is in the file, the CWD's entry would be too.
    const ftp = await stage.connect();
    try {
      await ftp.sendExpect(`USER ${marker}-user`, 331, "USER is answered with 331");
      await ftp.sendExpect(`PASS ${WRONG}`, 530, "a wrong password is refused with 530");
    } finally {
      ftp.destroy();
    }
    await expectLogEntry(log(), `about the refused login of ${marker}-user`, (e) => mentions(e, `${marker}-user`), "a refused login is logged at level warn, with the name that was tried", stage);
    const noisy = readJsonLines(log()).filter((e) => mentions(e, `CWD ${marker}`) || (mentions(e, marker) && !mentions(e, `${marker}-user`)));
    if (noisy.length) {
      throw new HarnessError(
        `At the default level the log file has an entry for a single command (CWD ${marker}):\n${indent(noisy.map((e) => JSON.stringify(e)).join("\n"))}\n` +
          `  cause:     level info logs sessions, logins and transfers; every command is level verbose, logged only with -V (or -D). ` +
          `Does your logger drop entries below the level the options ask for?\n${stage.about()}`,
      );
    }
  });
});

describe.concurrent("lesson 5: -V logs every command (PASS without the password), and the console gets readable lines", () => {
  const stage = useStageServer({
    files: { "home/readme.txt": "hello\n" },
    args: (root) => ["-V", "--user", `anna:${PASSWORD}:elradfmw:${root.path("home")}`, "--log-file", root.path("ftpd.log")],
  });
  const log = () => stage.root.path("ftpd.log");

  it("with -V each command line is logged, and PASS is logged without the password (file and console)", async () => {
    const marker = `verbose-check-${process.pid}`;
    await stage.session(async (ftp) => {
      await ftp.sendExpect(`CWD ${marker}`, 550, "CWD to a folder that does not exist is answered with 550");
    }, "anna", PASSWORD);
    await expectLogEntry(
      log(),
      `for the command "CWD ${marker}"`,
      (e) => mentions(e, `CWD ${marker}`),
      "-V (verbose) logs every command line the server reads, e.g. {\"level\":\"verbose\",\"msg\":\"command\",\"line\":\"CWD docs\"}",
      stage,
    );
    await expectLogEntry(
      log(),
      `for the PASS command, with the password hidden (e.g. "PASS ******")`,
      (e) => valuesOf(e).some((v) => /^PASS\b/i.test(v)),
      "-V logs PASS like every other command, but with the password replaced: PASS ******",
      stage,
    );
    for (const [where, text] of [
      [`the log file ${log()}`, fileText(log())],
      ["the console (the server's stderr)", stage.server.stderr()],
    ] as const) {
      if (text.includes(PASSWORD)) {
        throw new HarnessError(
          `${where} contains anna's password (${PASSWORD}) in clear text.\n  cause:     a command line is logged as it came, except PASS: log "PASS ******" instead.\n  the output has:\n${indent(text)}`,
        );
      }
    }
  });

  it("the console (stderr) gets one readable line per event: the time, the level and the event, not JSON", async () => {
    const marker = `console-check-${process.pid}`;
    await stage.session(async (ftp) => {
      await ftp.sendExpect(`CWD ${marker}`, 550, "CWD to a folder that does not exist is answered with 550");
    }, "anna", PASSWORD);
    const line = await waitFor(
      () =>
        stage.server
          .stderr()
          .split("\n")
          .find((l) => l.includes(marker)),
      5000,
      () =>
        `a line on the server's stderr (the console) for the command "CWD ${marker}".\n` +
        `  cause:     the console log is for a person: the same events as the file, one line each, written to stderr as they happen\n${stage.about()}`,
    );
    const login = stage.server
      .stderr()
      .split("\n")
      .find((l) => /login/i.test(l) && l.includes("anna"));
    const problems: string[] = [];
    if (line.trimStart().startsWith("{")) problems.push("the line is JSON: the console is for people (JSON goes to the file)");
    if (!/\d\d:\d\d:\d\d/.test(line)) problems.push("the line has no time of day (hh:mm:ss)");
    if (!/\b(verbose|debug|info)\b/i.test(line)) problems.push("the line does not say its level (verbose for a command)");
    if (login === undefined) problems.push('no console line for the login of anna (a line naming "login" and the user)');
    if (problems.length) {
      throw new HarnessError(
        `The console log is not readable enough: ${problems.join("; ")}.\n  line:      ${line}\n` +
          `  expected:  something like 2026-11-21T10:44:02.123Z VERBOSE command session=3 user=anna line="CWD ${marker}"\n${stage.about()}`,
      );
    }
  });
});

describe.concurrent("lesson 5: -D logs the replies too", () => {
  const stage = useStageServer({ args: (root) => ["-D", "--log-file", root.path("ftpd.log")] });
  const log = () => stage.root.path("ftpd.log");

  it("with -D each reply the server sends is logged (here the 257 to PWD)", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("PWD", 257, "PWD is answered with 257");
    });
    await expectLogEntry(
      log(),
      `with the reply "257 ..." to PWD`,
      (e) => valuesOf(e).some((v) => /^257[ -]/.test(v)),
      "-D (debug) logs every reply line as it is sent, e.g. {\"level\":\"debug\",\"msg\":\"reply\",\"text\":\"257 \\\"/\\\" is the current folder.\"}: your one reply function is the place",
      stage,
    );
  });
});

// A name nobody else uses: if the server wrongly resolves it against its working folder (the
// repository), we can find it there, explain, and clean it up.
const CONFIG_LOG = `stage5-config-${process.pid}-${Date.now()}.log`;
const straylog = path.join(REPO_ROOT, CONFIG_LOG);

describe("lesson 5: [logging] file in a config file", () => {
  const stage = useStageServer({
    files: { "conf/ftpd.ini": `[logging]\nfile = ${CONFIG_LOG}\n`, "pub/readme.txt": "hello\n" },
    args: (root) => ["-c", root.path("conf/ftpd.ini")],
  });
  afterAll(() => fs.rmSync(straylog, { force: true }));

  it("`file = x.log` is relative to the config file's folder, not to the folder the server was started from", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("NOOP", 200, "NOOP is answered with 200");
      await ftp.sendExpect("QUIT", 221, "QUIT is answered with 221");
    });
    const wanted = stage.root.path(`conf/${CONFIG_LOG}`);
    try {
      await waitFor(
        () => (readJsonLines(wanted).some((e) => e.msg === "login") ? true : undefined),
        5000,
        () => `a "login" line in ${wanted}`,
      );
    } catch (err) {
      const elsewhere = fs.existsSync(straylog);
      throw new HarnessError(
        [
          `No login was logged in ${wanted}, next to the config file ${stage.root.path("conf/ftpd.ini")} that says "file = ${CONFIG_LOG}".`,
          elsewhere
            ? `  found:     ${straylog}: the name was resolved against the server's working folder instead.`
            : `  found:     no such file in the server's working folder (${REPO_ROOT}) either.`,
          `  cause:     paths in a config file are relative to the config file's own folder (so the config works wherever you start the server from); ` +
            `[logging] file must be resolved like the other path settings, then used like --log-file.`,
          `  reproduce: mkdir -p /tmp/conf /tmp/pub && printf '[logging]\\nfile = x.log\\n' > /tmp/conf/ftpd.ini && npx tsx ${path.join(REPO_ROOT, ENTRY)} -p 2121 -d /tmp/pub -c /tmp/conf/ftpd.ini  (then log in: /tmp/conf/x.log must appear)`,
          `  ${(err as Error).message.split("\n")[0]}`,
          stage.about(),
        ].join("\n"),
      );
    }
  });
});
