/**
 * curl against the final server: passive (EPSV and PASV) and active (EPRT and PORT) transfers,
 * listings, uploads, --ftp-create-dirs, resumed transfers, the three --ftp-method ways of
 * walking a path, -Q quote commands, and curl's exit codes for server refusals.
 *
 * Every check compares real bytes or real listings with the files on disk, and most also
 * check in curl's -v log that curl really used the mode under test.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectBytes, makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { describeNeeding } from "../harness/tools-available.ts";
import {
  describeRun,
  diskEntries,
  expectExit,
  ftpUrl,
  interopSeed,
  makeLocalDir,
  normalizeListing,
  parseUnixList,
  run,
  seededBytes,
  verboseCommands,
  type RunResult,
} from "./interop-helpers.ts";

const SEED = interopSeed(0xc0a1);
const USER = "anna";
const PASS = "s3cret";

const BIG = 3 * 1024 * 1024 + 17;
const files: Record<string, Buffer> = {
  "empty.bin": Buffer.alloc(0),
  "one.bin": seededBytes(SEED, "one", 1),
  "big.bin": seededBytes(SEED, "big", BIG),
  "dir with space/ünïcødé file.bin": seededBytes(SEED, "unicode", 200_003),
  "a/b/c/deep file.bin": seededBytes(SEED, "deep", 50_001),
  "list/x.txt": Buffer.from("x\n"),
  "list/y z.bin": seededBytes(SEED, "yz", 4097),
  "list/é ñ.bin": seededBytes(SEED, "en", 10),
  "list/zero": Buffer.alloc(0),
  "victim.bin": seededBytes(SEED, "victim", 7777),
  "rename-me.bin": seededBytes(SEED, "rename", 123),
  "append-to.bin": seededBytes(SEED, "append-head", 1000),
};

let root: TempRoot;
let server: RunningServer;
let local: { dir: string; cleanup(): void };

beforeAll(async () => {
  root = makeTempRoot({ ...files, "list/sub": null });
  local = makeLocalDir();
  server = await startServer({ root: root.dir, args: ["-u", USER, "-P", PASS, "--auth-failed-delay", "0"] });
});

afterAll(async () => {
  await server?.stop();
  root?.cleanup();
  local?.cleanup();
});

/** curl with a login, time limits, and -v (the protocol log goes to stderr). */
function curl(args: string[], opts: { user?: string } = {}): Promise<RunResult> {
  return run("curl", ["-sS", "-v", "--connect-timeout", "5", "--max-time", "20", "-u", opts.user ?? `${USER}:${PASS}`, ...args], { timeoutMs: 25_000 });
}

function url(rel = ""): string {
  return ftpUrl(server, rel);
}

function seedNote(): string {
  return `seed ${SEED}; rerun with INTEROP_SEED=${SEED}`;
}

/** Checks that curl's -v log shows a command starting with `prefix` (e.g. "EPSV", "PORT "). */
function expectSent(r: RunResult, prefix: string, why: string): void {
  const cmds = verboseCommands(r.stderr);
  if (!cmds.some((c) => c.toUpperCase().startsWith(prefix))) {
    throw new Error(`curl did not send ${JSON.stringify(prefix)} (${why}); it sent: ${JSON.stringify(cmds)}\n${describeRun(r, server)}`);
  }
}

function expectNotSent(r: RunResult, prefix: string, why: string): void {
  const cmds = verboseCommands(r.stderr);
  if (cmds.some((c) => c.toUpperCase().startsWith(prefix))) {
    throw new Error(`curl sent ${JSON.stringify(prefix)} although ${why}; it sent: ${JSON.stringify(cmds)}\n${describeRun(r, server)}`);
  }
}

describeNeeding(["curl"], "curl", () => {
  it("downloads files of 0 bytes, 1 byte and 3 MB, and UTF-8 names with spaces, in passive mode (EPSV), byte-exact", async () => {
    for (const name of ["empty.bin", "one.bin", "big.bin", "dir with space/ünïcødé file.bin"]) {
      const r = await curl([url(name)]);
      expectExit(r, 0, `curl download of ${name}`, server);
      expectSent(r, "EPSV", "curl's default is extended passive mode");
      expectBytes(r.stdout, files[name]!, { what: `curl passive download of ${JSON.stringify(name)} (${seedNote()})` });
    }
  });

  it("falls back to PASV with --disable-epsv and still gets the exact bytes", async () => {
    const r = await curl(["--disable-epsv", url("big.bin")]);
    expectExit(r, 0, "curl --disable-epsv download", server);
    expectSent(r, "PASV", "--disable-epsv makes curl use PASV");
    expectNotSent(r, "EPSV", "--disable-epsv was given");
    expectBytes(r.stdout, files["big.bin"]!, { what: `curl --disable-epsv download of big.bin (${seedNote()})` });
  });

  it("lists a folder (LIST) with the names and sizes that are on disk, and names only with -l (NLST)", async () => {
    const r = await curl([url("list/")]);
    expectExit(r, 0, "curl listing of /list/", server);
    const { entries, unparsed } = parseUnixList(r.stdout.toString("utf8"));
    expect(unparsed, `LIST lines curl printed that are not Unix ls -l style:\n${describeRun(r, server)}`).toEqual([]);
    expect(normalizeListing(entries), `LIST /list/ through curl vs. the folder on disk\n${describeRun(r, server)}`).toEqual(diskEntries(root.path("list")));

    const n = await curl(["-l", url("list/")]);
    expectExit(n, 0, "curl -l (NLST) of /list/", server);
    expectSent(n, "NLST", "-l asks for a name list");
    const names = n.stdout
      .toString("utf8")
      .split("\n")
      .map((l) => l.replace(/\r$/, ""))
      .filter((l) => l !== "")
      .sort();
    expect(names, `NLST /list/ through curl vs. the folder on disk\n${describeRun(n, server)}`).toEqual(fs.readdirSync(root.path("list")).sort());
  });

  it("uploads with -T (0 bytes, 1 byte, 3 MB, a UTF-8 name with spaces) and the server stores the exact bytes", async () => {
    const uploads: Array<[string, Buffer]> = [
      ["up-empty.bin", Buffer.alloc(0)],
      ["up-one.bin", seededBytes(SEED, "up-one", 1)],
      ["up-big.bin", seededBytes(SEED, "up-big", BIG)],
      ["up ünï çødé.bin", seededBytes(SEED, "up-uni", 65_537)],
    ];
    for (const [name, bytes] of uploads) {
      const src = path.join(local.dir, `src-${name}`);
      fs.writeFileSync(src, bytes);
      const r = await curl(["-T", src, url(name)]);
      expectExit(r, 0, `curl -T ${name}`, server);
      expectSent(r, "STOR", "-T uploads with STOR");
      expect(fs.existsSync(root.path(name)), `curl -T ${JSON.stringify(name)} exited 0 but the file is not on the server's disk\n${describeRun(r, server)}`).toBe(true);
      expectBytes(root.read(name), bytes, { what: `file stored by curl -T ${JSON.stringify(name)} (${seedNote()})` });
    }
  });

  it("creates missing folders with --ftp-create-dirs", async () => {
    const rel = "made/by curl/ñ/deep.bin";
    const bytes = seededBytes(SEED, "create-dirs", 33_333);
    const src = path.join(local.dir, "create-dirs.bin");
    fs.writeFileSync(src, bytes);
    const r = await curl(["--ftp-create-dirs", "-T", src, url(rel)]);
    expectExit(r, 0, "curl --ftp-create-dirs -T", server);
    expectSent(r, "MKD", "the folders did not exist");
    expect(fs.statSync(root.path("made/by curl/ñ")).isDirectory(), "folder made/by curl/ñ on disk").toBe(true);
    expectBytes(root.read(rel), bytes, { what: `file stored by curl --ftp-create-dirs at ${rel} (${seedNote()})` });
  });

  it("resumes a partial download with -C - (REST) and the result is byte-exact", async () => {
    const full = files["big.bin"]!;
    const part = 1_000_003;
    const dst = path.join(local.dir, "resume-down.bin");
    fs.writeFileSync(dst, full.subarray(0, part));
    const r = await curl(["-C", "-", "-o", dst, url("big.bin")]);
    expectExit(r, 0, "curl -C - (resumed download)", server);
    expectSent(r, `REST ${part}`, "curl resumes from the local file's size");
    expectBytes(fs.readFileSync(dst), full, { what: `big.bin resumed by curl -C - from byte ${part} (${seedNote()})` });
  });

  it("resumes a partial upload with -C - -T (SIZE, then APPE) and the server ends with the whole file", async () => {
    const bytes = seededBytes(SEED, "resume-up", 500_001);
    const part = 123_457;
    fs.writeFileSync(root.path("resume-up.bin"), bytes.subarray(0, part));
    const src = path.join(local.dir, "resume-up.bin");
    fs.writeFileSync(src, bytes);
    const r = await curl(["-C", "-", "-T", src, url("resume-up.bin")]);
    expectExit(r, 0, "curl -C - -T (resumed upload)", server);
    expectSent(r, "SIZE", "curl asks for the remote size to know where to resume");
    expectBytes(root.read("resume-up.bin"), bytes, { what: `resume-up.bin after curl -C - -T from byte ${part} (${seedNote()})` });
  });

  it("downloads and uploads in active mode: -P - (EPRT) and --disable-eprt -P 127.0.0.1 (PORT)", async () => {
    const d = await curl(["-P", "-", url("dir with space/ünïcødé file.bin")]);
    expectExit(d, 0, "curl -P - download (active)", server);
    expectSent(d, "EPRT", "-P makes curl use active mode, EPRT first");
    expectNotSent(d, "EPSV", "active mode was asked for");
    expectBytes(d.stdout, files["dir with space/ünïcødé file.bin"]!, { what: `curl active (EPRT) download (${seedNote()})` });

    const d2 = await curl(["--disable-eprt", "-P", "127.0.0.1", url("big.bin")]);
    expectExit(d2, 0, "curl --disable-eprt -P 127.0.0.1 download (active, PORT)", server);
    expectSent(d2, "PORT ", "--disable-eprt makes curl use PORT");
    expectBytes(d2.stdout, files["big.bin"]!, { what: `curl active (PORT) download of big.bin (${seedNote()})` });

    const bytes = seededBytes(SEED, "active-up", 1_234_567);
    const src = path.join(local.dir, "active-up.bin");
    fs.writeFileSync(src, bytes);
    const u = await curl(["-P", "127.0.0.1", "-T", src, url("active up.bin")]);
    expectExit(u, 0, "curl -P 127.0.0.1 -T (active upload)", server);
    expectSent(u, "EPRT", "-P makes curl use active mode, EPRT first");
    expectBytes(root.read("active up.bin"), bytes, { what: `file stored by curl active (EPRT) upload (${seedNote()})` });

    const u2 = await curl(["--disable-eprt", "-P", "127.0.0.1", "-T", src, url("active up port.bin")]);
    expectExit(u2, 0, "curl --disable-eprt -P 127.0.0.1 -T (active upload, PORT)", server);
    expectSent(u2, "PORT ", "--disable-eprt makes curl use PORT");
    expectBytes(root.read("active up port.bin"), bytes, { what: `file stored by curl active (PORT) upload (${seedNote()})` });
  });

  it("downloads byte ranges with -r: a middle slice (curl stops early and sends ABOR) and an open-ended tail", async () => {
    const full = files["big.bin"]!;
    const mid = await curl(["-r", "100000-199999", url("big.bin")]);
    expectExit(mid, 0, "curl -r 100000-199999", server);
    expectSent(mid, "REST 100000", "a range starts with REST");
    expectBytes(mid.stdout, full.subarray(100_000, 200_000), { what: `curl -r 100000-199999 of big.bin (${seedNote()})` });

    const tail = await curl(["-r", `${BIG - 10}-`, url("big.bin")]);
    expectExit(tail, 0, `curl -r ${BIG - 10}-`, server);
    expectBytes(tail.stdout, full.subarray(BIG - 10), { what: `curl -r ${BIG - 10}- of big.bin (${seedNote()})` });
  });

  it("appends with -a -T (APPE)", async () => {
    const more = seededBytes(SEED, "append-tail", 300_001);
    const src = path.join(local.dir, "append-tail.bin");
    fs.writeFileSync(src, more);
    const r = await curl(["-a", "-T", src, url("append-to.bin")]);
    expectExit(r, 0, "curl -a -T (append)", server);
    expectSent(r, "APPE", "-a uploads with APPE");
    expectBytes(root.read("append-to.bin"), Buffer.concat([files["append-to.bin"]!, more]), { what: `append-to.bin after curl -a -T (${seedNote()})` });
  });

  it("fetches several URLs over one control connection (the session survives each transfer and folder change)", async () => {
    const names = ["one.bin", "dir with space/ünïcødé file.bin", "a/b/c/deep file.bin", "big.bin"];
    const outs = names.map((_, i) => path.join(local.dir, `multi-${i}.bin`));
    const r = await curl(names.flatMap((n, i) => [url(n), "-o", outs[i]!]));
    expectExit(r, 0, "curl with four URLs", server);
    const log = r.stderr.toString();
    const reused = (log.match(/Re-using existing connection/g) ?? []).length;
    expect(reused, `curl should have reused its control connection for URLs 2-4 (server closed it?)\n${describeRun(r, server)}`).toBe(3);
    names.forEach((n, i) => expectBytes(fs.readFileSync(outs[i]!), files[n]!, { what: `URL ${i + 1} of 4 (${n}) on one connection (${seedNote()})` }));
  });

  it("walks a nested path with --ftp-method multicwd, singlecwd and nocwd", async () => {
    const rel = "a/b/c/deep file.bin";
    const expected: Record<string, (cmds: string[]) => boolean> = {
      multicwd: (c) => c.includes("CWD a") && c.includes("CWD b") && c.includes("CWD c") && c.includes("RETR deep file.bin"),
      singlecwd: (c) => c.includes("CWD a/b/c") && c.includes("RETR deep file.bin"),
      nocwd: (c) => !c.some((x) => x.startsWith("CWD")) && c.includes("RETR a/b/c/deep file.bin"),
    };
    for (const [method, check] of Object.entries(expected)) {
      const r = await curl(["--ftp-method", method, url(rel)]);
      expectExit(r, 0, `curl --ftp-method ${method}`, server);
      const cmds = verboseCommands(r.stderr);
      expect(check(cmds), `--ftp-method ${method}: unexpected commands ${JSON.stringify(cmds)}`).toBe(true);
      expectBytes(r.stdout, files[rel]!, { what: `curl --ftp-method ${method} download of ${rel} (${seedNote()})` });
    }
  });

  it("runs -Q quote commands before (MKD, RNFR/RNTO) and after (-DELE) a transfer", async () => {
    const r = await curl([
      "-Q",
      "MKD made by quote",
      "-Q",
      "RNFR rename-me.bin",
      "-Q",
      "RNTO renamed by quote.bin",
      "-Q",
      "-DELE victim.bin",
      url("victim.bin"),
    ]);
    expectExit(r, 0, "curl -Q 'MKD …' -Q 'RNFR …' -Q 'RNTO …' -Q '-DELE victim.bin'", server);
    expectBytes(r.stdout, files["victim.bin"]!, { what: `victim.bin downloaded before its post-quote DELE (${seedNote()})` });
    expect(fs.statSync(root.path("made by quote")).isDirectory(), `-Q 'MKD made by quote' did not make the folder\n${describeRun(r, server)}`).toBe(true);
    expect(fs.existsSync(root.path("rename-me.bin")), `-Q RNFR/RNTO left the old name\n${describeRun(r, server)}`).toBe(false);
    expectBytes(root.read("renamed by quote.bin"), files["rename-me.bin"]!, { what: "file renamed by -Q RNFR/RNTO" });
    expect(fs.existsSync(root.path("victim.bin")), `-Q '-DELE victim.bin' did not delete the file\n${describeRun(r, server)}`).toBe(false);
  });

  it("exits 21 when a -Q quote command is refused (DELE of a missing file)", async () => {
    const r = await curl(["-Q", "DELE no such file.bin", url("one.bin")]);
    expectExit(r, 21, "curl -Q 'DELE no such file.bin' (CURLE_QUOTE_ERROR expected: the server must refuse with 5xx)", server);
    expect(r.stdout.length, "curl must not download after a failed pre-quote").toBe(0);
  });

  it("exits 78 (CURLE_REMOTE_FILE_NOT_FOUND) for a missing file: RETR/SIZE answered 550", async () => {
    const r = await curl([url("no such file.bin")]);
    expectExit(r, 78, "curl download of a missing file", server);
    expect(r.stderr.toString(), "curl's log should show a 550 reply").toMatch(/^< 550 /m);
  });

  it("exits 67 (CURLE_LOGIN_DENIED) for a wrong password", async () => {
    const r = await curl([url("one.bin")], { user: `${USER}:wrong` });
    expectExit(r, 67, "curl with a wrong password", server);
    expect(r.stderr.toString(), "curl's log should show the 530 reply to PASS").toMatch(/^< 530 /m);
  });
});

describeNeeding(["curl"], "curl against a read-only anonymous server", () => {
  let ro: RunningServer;
  let roRoot: TempRoot;
  const content = seededBytes(SEED, "ro", 4321);

  beforeAll(async () => {
    roRoot = makeTempRoot({ "pub/file.bin": content });
    ro = await startServer({ root: roRoot.dir, args: ["--auth-failed-delay", "0"] });
  });

  afterAll(async () => {
    await ro?.stop();
    roRoot?.cleanup();
  });

  function anon(args: string[]): Promise<RunResult> {
    return run("curl", ["-sS", "-v", "--connect-timeout", "5", "--max-time", "20", ...args], { timeoutMs: 25_000 });
  }

  it("downloads as anonymous, but an upload fails with exit 25 and a refused MKD with exit 21, and nothing changes on disk", async () => {
    const d = await anon([ftpUrl(ro, "pub/file.bin")]);
    expectExit(d, 0, "anonymous curl download", ro);
    expectBytes(d.stdout, content, { what: `anonymous download of pub/file.bin (seed ${SEED})` });

    const src = path.join(local.dir, "ro-upload.bin");
    fs.writeFileSync(src, seededBytes(SEED, "ro-up", 100));
    const u = await anon(["-T", src, ftpUrl(ro, "pub/new.bin")]);
    expectExit(u, 25, "anonymous curl -T on a read-only server (CURLE_UPLOAD_FAILED: STOR must be refused with 550)", ro);
    expect(u.stderr.toString(), "STOR should be refused with 550").toMatch(/^< 550 /m);
    expect(fs.existsSync(roRoot.path("pub/new.bin")), "a refused upload must not create the file").toBe(false);

    const q = await anon(["-Q", "MKD nope", ftpUrl(ro, "pub/file.bin")]);
    expectExit(q, 21, "anonymous curl -Q 'MKD nope' on a read-only server (CURLE_QUOTE_ERROR)", ro);
    expect(fs.existsSync(roRoot.path("nope")), "a refused MKD must not make the folder").toBe(false);
  });
});
