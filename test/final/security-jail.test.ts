/**
 * The jail (RFC 2577 section 5 and every FTP server's first promise): a user sees only the
 * folder tree under its root. Neither ".." nor absolute paths nor symbolic links may lead a
 * command outside, whatever the command.
 *
 * The root holds four links:
 *
 *   escape   -> <outside>              a folder outside the root (holds secret.txt, ...)
 *   leak     -> <outside>/secret.txt   a file outside the root
 *   dangling -> <outside>/nonexistent  a link to nothing, outside (creating it would create outside)
 *   chain    -> escape                 an inside link to the escaping link
 *   relleak  -> ../<outside>/secret.txt  a relative link climbing out
 *   inner    -> sub                    an inside link: must keep working
 *
 * Every command that takes a path is tried with lexical escapes ("..", "../x", "/../x",
 * "sub/../../x", a lexical climb to the real outside folder) and with paths through the links.
 * Each must be refused (550, or 553 for commands that create a name) without sending any data
 * on an open data connection; at the end the outside tree must be exactly as before: same
 * content, mode, mtime and (where the file system updates them) atime, nothing new.
 *
 * Operating on a link *entry* (not through it) only changes the root and is allowed as an
 * alternative: DELE leak may delete the link itself, RNFR/RNTO may rename or replace it, STOU
 * leak may pick a fresh unique name. Those cases say so in their names, and still check that
 * only the link was affected.
 *
 * Modifying commands never aim at a system file (these tests may run as root): their lexical
 * escapes target unique names in the temp folder, or our own outside fixture.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from "vitest";
import {
  HarnessError,
  escapeBytes,
  expectBytes,
  expectCode,
  makeTempRoot,
  reproLine,
  startServer,
  targetEntry,
  type DataSocket,
  type FtpSocket,
  type Reply,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";
import {
  Connections,
  dataUntilClosed,
  diffTrees,
  expectNext,
  expectNotRevealed,
  fingerprintTree,
  freezeTimes,
  readsUpdateAtime,
  type TreePrint,
} from "./security-helpers.ts";

const TAG = randomBytes(6).toString("hex");
/** Content of the outside file: must never appear in anything the server sends. */
const SECRET = `TOP-SECRET-${TAG}: this file is outside the FTP root\n`;
const DEEP = `deep secret ${TAG}\n`;
const INSIDE = `inside file ${TAG}\n`;
const VICTIM = "victim: renamed only by RNTO tests\n";
/** A unique name next to the root: a lexical escape that creates something would create it there. */
const X = `ftp-lab-escaped-${TAG}`;

let outside: TempRoot;
let root: TempRoot;
let server: RunningServer;
let before: TreePrint;
let atimeCheck = false;
let outName = "";
let tmpName = "";
const conns = new Connections();

/** The links of the fixture, recreated before each test (some allowed cases delete or replace one). */
function links(): Record<string, string> {
  return {
    escape: outside.dir,
    leak: outside.path("secret.txt"),
    dangling: outside.path("nonexistent"),
    chain: "escape",
    relleak: `../${outName}/secret.txt`,
    inner: "sub",
  };
}

function ensureFixture(): void {
  for (const [name, target] of Object.entries(links())) {
    const p = root.path(name);
    let ok = false;
    try {
      ok = fs.lstatSync(p).isSymbolicLink() && fs.readlinkSync(p) === target;
    } catch {
      ok = false;
    }
    if (ok) continue;
    // Only ever inside the root; a link is removed as a link, never followed.
    fs.rmSync(p, { force: true });
    fs.symlinkSync(target, p);
  }
  if (!fs.existsSync(root.path("victim.txt"))) fs.writeFileSync(root.path("victim.txt"), VICTIM);
}

beforeAll(async () => {
  outside = makeTempRoot({ "secret.txt": SECRET, emptydir: null, "nested/deep.txt": DEEP });
  root = makeTempRoot({ "sub/file.txt": INSIDE, "public.txt": "public\n", "victim.txt": VICTIM });
  outName = path.basename(outside.dir);
  tmpName = path.basename(path.dirname(root.dir));
  fs.chmodSync(outside.path("secret.txt"), 0o600);
  ensureFixture();
  atimeCheck = readsUpdateAtime(path.dirname(root.dir));
  // Old, fixed times: any later read (relatime) or write shows up as a change.
  const day = 24 * 3600 * 1000;
  const atime = new Date(Date.now() - 3 * day);
  const mtime = new Date(Date.now() - 2 * day);
  freezeTimes(outside.dir, atime, mtime);
  before = fingerprintTree(outside.dir);
  freezeTimes(outside.dir, atime, mtime); // undo the folder atimes our own walk just changed
  server = await startServer({ entry: targetEntry(), root: root.dir, args: ["-w"] });
});

afterAll(async () => {
  conns.closeAll();
  await server?.stop();
  root?.cleanup();
  outside?.cleanup();
  if (root) for (const p of escapedEntries()) fs.rmSync(p, { recursive: true, force: true });
});

beforeEach(() => ensureFixture());
afterEach(() => conns.closeAll());

// ---- the cases -------------------------------------------------------------------------------

/** Commands that move data over a data connection: one is opened (PASV) before each of them. */
const DATA_COMMANDS = new Set(["LIST", "NLST", "MLSD", "RETR", "STOR", "APPE", "STOU"]);
const READ_COMMANDS = ["CWD", "XCWD", "LIST", "NLST", "MLSD", "MLST", "STAT", "RETR", "SIZE", "MDTM"];
const MODIFY_COMMANDS = ["STOR", "APPE", "STOU", "MFMT", "DELE", "MKD", "XMKD", "RMD", "XRMD", "RNFR", "RNTO", "SITE CHMOD"];
/** Commands that create a name: 553 ("file name not allowed") is as good as 550 for them. */
const CREATING = new Set(["STOR", "APPE", "STOU", "MKD", "XMKD", "RNTO"]);

type Alternative = "delete-link" | "rename-link" | "replace-link" | "unique-name";

interface Case {
  cmd: string;
  path: string;
  codes: number[];
  /** An allowed alternative outcome that only touches the link entry inside the root. */
  alt?: Alternative;
}

const ALT_TEXT: Record<Alternative, string> = {
  "delete-link": "or 250 deleting only the link",
  "rename-link": "or 350 for the link entry itself",
  "replace-link": "or 250 replacing only the link",
  "unique-name": "or 1xx storing under a fresh name inside the root",
};

/** Placeholders: <x> a unique name next to the root, <tmp> the temp folder, <outside> the outside folder. */
function lexicalPaths(modifying: boolean): string[] {
  return [
    "..",
    "../<x>",
    // A system file for reading; for modifying commands a harmless unique name (tests may run as root).
    modifying ? "../../<tmp>/<x>" : "../../etc/passwd",
    "/../<x>",
    "sub/../../<x>",
    "../<outside>/secret.txt",
    `inner/../../<outside>${modifying ? "/secret.txt" : ""}`,
  ];
}

const LINK_PATHS = [
  "escape/secret.txt",
  "escape",
  "leak",
  "chain/secret.txt",
  "relleak",
  // The real absolute path of the outside file: in the virtual tree it names <root>/tmp/..., not the real file.
  "<abs-outside>/secret.txt",
];

/** Spellings of ".." that must simply be odd names (for reading commands only). */
const ODD_SPELLINGS = ["..\\..\\etc\\passwd", "%2e%2e/%2e%2e/etc/passwd", "....//....//etc/passwd"];

const EXTRA: Record<string, string[]> = {
  CWD: ["escape/nested", "chain"],
  XCWD: ["escape/nested"],
  LIST: ["escape/nested", "chain", "-la escape"],
  NLST: ["escape/nested", "chain"],
  MLSD: ["escape/nested", "chain"],
  MLST: ["escape/nested/deep.txt"],
  STAT: ["escape/nested"],
  RETR: ["escape/nested/deep.txt", "dangling"],
  STOR: ["dangling", "dangling/x", "escape/new.txt", "escape/nested/deep.txt"],
  APPE: ["dangling", "dangling/x", "escape/new.txt"],
  STOU: ["dangling", "dangling/x", "escape/new.txt"],
  MFMT: ["escape/nested/deep.txt"],
  DELE: ["escape/nested/deep.txt"],
  MKD: ["dangling", "dangling/x", "escape/newdir"],
  XMKD: ["dangling", "dangling/x", "escape/newdir"],
  RMD: ["escape/emptydir"],
  XRMD: ["escape/emptydir"],
  RNFR: ["escape/nested/deep.txt", "escape/emptydir"],
  RNTO: ["escape/moved.txt", "dangling/x"],
  "SITE CHMOD": ["escape/nested/deep.txt", "escape/emptydir"],
};

function alternativeFor(cmd: string, p: string): Alternative | undefined {
  const linkEntry = p === "escape" || p === "leak" || p === "dangling" || p === "relleak";
  if (!linkEntry) return undefined;
  if (cmd === "DELE" && p !== "dangling") return "delete-link";
  if (cmd === "RNFR") return "rename-link";
  if (cmd === "RNTO") return "replace-link";
  if (cmd === "STOU") return "unique-name";
  return undefined;
}

function buildCases(): Case[] {
  const out: Case[] = [];
  for (const cmd of [...READ_COMMANDS, ...MODIFY_COMMANDS]) {
    const modifying = MODIFY_COMMANDS.includes(cmd);
    const paths = [...lexicalPaths(modifying), ...LINK_PATHS, ...(modifying ? [] : ODD_SPELLINGS), ...(EXTRA[cmd] ?? [])];
    for (const p of new Set(paths)) {
      const alt = alternativeFor(cmd, p);
      out.push({ cmd, path: p, codes: CREATING.has(cmd) ? [550, 553] : [550], ...(alt ? { alt } : {}) });
    }
  }
  return out;
}

// Built before beforeAll runs, so with placeholders for the random names (stable test titles).
const CASE_TEMPLATES = buildCases();

function concrete(c: Case): Case {
  return {
    ...c,
    path: c.path.replace("<abs-outside>", outside.dir).replace("<outside>", outName).replace("<tmp>", tmpName).replace("<x>", X),
  };
}

function commandLine(cmd: string, p: string): string {
  if (cmd === "SITE CHMOD") return `SITE CHMOD 777 ${p}`;
  if (cmd === "MFMT") return `MFMT 20000101000000 ${p}`;
  return `${cmd} ${p}`;
}

function title(c: Case): string {
  return `${commandLine(c.cmd, c.path)} → ${c.codes.join("/")}${c.alt ? ` (${ALT_TEXT[c.alt]})` : ""}`;
}

function fail(ftp: FtpSocket, headline: string, reply?: Reply): never {
  throw new HarnessError(
    [headline, ...(reply ? [`  received:  ${escapeBytes(reply.raw)}`] : []), `  reproduce: ${reproLine(ftp.context())}`].join("\n"),
  );
}

/** Nothing the server sent on this connection (control or data) may contain outside content or paths. */
function expectNothingLeaked(ftp: FtpSocket): void {
  for (const e of ftp.transcript()) {
    for (const [needle, what] of [
      [SECRET.trim(), "the content of the outside file secret.txt"],
      [DEEP.trim(), "the content of the outside file nested/deep.txt"],
      [outside.dir, "the real path of the outside folder"],
    ] as const) {
      if (e.dir === "S" && e.bytes.includes(Buffer.from(needle))) {
        fail(ftp, `The server sent ${what} on the ${e.conn} connection: ${escapeBytes(e.bytes.subarray(0, 200))}`);
      }
    }
  }
}

/** Anything named after X next to the root (X itself, or X.1... made by STOU): a lexical escape wrote there. */
function escapedEntries(): string[] {
  const dir = path.dirname(root.dir);
  return fs.readdirSync(dir).filter((n) => n.startsWith(X)).map((n) => path.join(dir, n));
}

function lexists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Check an allowed alternative outcome: only the link entry inside the root was affected. */
async function verifyAlternative(c: Case, ftp: FtpSocket, reply: Reply, data: DataSocket | undefined): Promise<void> {
  const linkPath = root.path(c.path);
  switch (c.alt) {
    case "delete-link":
      if (lexists(linkPath)) fail(ftp, `DELE ${c.path} answered 250 but ${c.path} still exists in the root.`, reply);
      break;
    case "rename-link":
      break; // nothing happened yet; the QUIT that follows cancels it
    case "replace-link": {
      const st = fs.lstatSync(linkPath);
      if (!st.isFile() || fs.readFileSync(linkPath, "utf8") !== VICTIM) {
        fail(ftp, `RNTO ${c.path} answered 250 but ${c.path} is not the renamed victim.txt.`, reply);
      }
      fs.rmSync(linkPath);
      fs.writeFileSync(root.path("victim.txt"), VICTIM);
      break;
    }
    case "unique-name": {
      const m = /FILE:\s*(\S+)/.exec(reply.text);
      if (!m) fail(ftp, `STOU ${c.path} was accepted, but its ${reply.code} reply does not name the file ("FILE: name", RFC 1123 4.1.2.9).`, reply);
      const name = path.posix.basename(m[1]!);
      await data!.end(Buffer.from("stou data\n"));
      await expectNext(ftp, 226, "the upload completes");
      const created = root.path(name);
      if (name === c.path || !fs.lstatSync(created).isFile()) {
        fail(ftp, `STOU ${c.path} stored to "${name}", which is not a new regular file inside the root.`, reply);
      }
      fs.rmSync(created);
      break;
    }
  }
}

async function runCase(c: Case): Promise<void> {
  const ftp = await conns.login(server);
  const data = DATA_COMMANDS.has(c.cmd) ? await ftp.openPassiveData("PASV") : undefined;
  if (c.cmd === "RNTO") await ftp.sendExpect("RNFR victim.txt", 350, "RNFR of an existing file inside the root starts a rename");
  const line = commandLine(c.cmd, c.path);
  const reply = await ftp.send(line);
  expectNotRevealed(reply, outside.dir, "the real path of the outside folder", ftp);
  const altOk =
    (c.alt === "delete-link" && reply.code === 250) ||
    (c.alt === "rename-link" && reply.code === 350) ||
    (c.alt === "replace-link" && reply.code === 250) ||
    (c.alt === "unique-name" && (reply.code === 125 || reply.code === 150));
  if (altOk) {
    await verifyAlternative(c, ftp, reply, data);
  } else {
    expectCode(
      reply,
      c.codes,
      ftp.context(
        `"${c.path}" leads outside the FTP root (lexically or through a symbolic link); ${c.cmd} must refuse it` +
          (data ? " before using the data connection" : ""),
      ),
    );
  }
  if (c.cmd === "RNTO" && !altOk && !fs.existsSync(root.path("victim.txt"))) {
    fail(ftp, `After the refused "${line}", victim.txt is gone from the root: the rename happened anyway.`, reply);
  }
  await ftp.sendExpect("QUIT", 221, "the session is still usable after the refusal");
  if (data && !altOk) {
    const got = await dataUntilClosed(data, 3000, `after "${line}" was refused and the session ended`);
    if (got.length > 0) {
      fail(ftp, `"${line}" was refused, yet the server sent ${got.length} bytes on the data connection: ${escapeBytes(got.subarray(0, 120))}`, reply);
    }
  }
  expectNothingLeaked(ftp);
}

// ---- the tests ---------------------------------------------------------------------------------

describe("jail: every path command refuses lexical and symlink escapes", () => {
  for (const template of CASE_TEMPLATES) {
    it(title(template), async () => {
      await runCase(concrete(template));
    });
  }
});

describe("jail: links and folders inside the root keep working", () => {
  it("CWD inner, PWD, RETR through the inside link, CDUP back", async () => {
    const ftp = await conns.login(server);
    await ftp.sendExpect("CWD inner", 250, "inner -> sub stays inside the root");
    const pwd = await ftp.sendExpect("PWD", 257);
    if (!pwd.text.startsWith('"/inner"')) fail(ftp, `PWD after "CWD inner" should be "/inner".`, pwd);
    await ftp.sendExpect("TYPE I", 200);
    let data = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("RETR file.txt", [125, 150], "file.txt in /inner (= sub) exists");
    expectBytes(await data.readAll(5000), Buffer.from(INSIDE), { what: "RETR file.txt in /inner" });
    await expectNext(ftp, 226);
    await ftp.sendExpect("CDUP", 250);
    data = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("RETR inner/file.txt", [125, 150]);
    expectBytes(await data.readAll(5000), Buffer.from(INSIDE), { what: "RETR inner/file.txt" });
    await expectNext(ftp, 226);
    const size = await ftp.sendExpect("SIZE inner/file.txt", 213);
    if (size.text.trim() !== String(Buffer.byteLength(INSIDE))) fail(ftp, `SIZE inner/file.txt should be ${Buffer.byteLength(INSIDE)}.`, size);
    data = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("NLST inner", [125, 150]);
    const names = (await data.readAll(5000)).toString("utf8");
    await expectNext(ftp, 226);
    if (!names.includes("file.txt")) fail(ftp, `NLST inner should list file.txt; got ${JSON.stringify(names)}.`);
    await ftp.sendExpect("MLST inner/file.txt", 250);
    expectNothingLeaked(ftp);
  });

  it("CDUP and XCUP at the root stay at the root", async () => {
    const ftp = await conns.login(server);
    await ftp.sendExpect("CDUP", [250, 550], "CDUP at the root: refused, or allowed but staying at /");
    await ftp.sendExpect("XCUP", [250, 550], "XCUP at the root: refused, or allowed but staying at /");
    const pwd = await ftp.sendExpect("PWD", 257);
    if (!pwd.text.startsWith('"/"')) fail(ftp, `After CDUP at the root, PWD must still be "/".`, pwd);
  });

  // The same commands with ordinary inside paths: proves the refusals above are about the paths.
  const controls: Array<{ name: string; run: (ftp: FtpSocket) => Promise<void> }> = [
    { name: "CWD sub / XCWD /sub", run: async (f) => void (await f.sendExpect("CWD sub", 250), await f.sendExpect("XCWD /sub", 250)) },
    { name: "MLST, STAT, SIZE, MDTM public.txt", run: async (f) => {
        await f.sendExpect("MLST public.txt", 250);
        await f.sendExpect("STAT public.txt", [211, 212, 213]);
        await f.sendExpect("SIZE public.txt", 213);
        await f.sendExpect("MDTM public.txt", 213);
      } },
    { name: "LIST / NLST / MLSD sub", run: async (f) => {
        for (const cmd of ["LIST sub", "NLST sub", "MLSD sub"]) {
          const d = await f.openPassiveData("PASV");
          await f.sendExpect(cmd, [125, 150]);
          const got = await d.readAll(5000);
          await expectNext(f, 226);
          if (!got.includes(Buffer.from("file.txt"))) fail(f, `${cmd} should list file.txt.`);
        }
      } },
    { name: "STOR, APPE, STOU, MFMT, SITE CHMOD, RNFR/RNTO, DELE in sub", run: async (f) => {
        let d = await f.openPassiveData("PASV");
        await f.sendExpect("STOR sub/ok.txt", [125, 150]);
        await d.end(Buffer.from("ok"));
        await expectNext(f, 226);
        d = await f.openPassiveData("PASV");
        await f.sendExpect("APPE sub/ok.txt", [125, 150]);
        await d.end(Buffer.from("!"));
        await expectNext(f, 226);
        expectBytes(root.read("sub/ok.txt"), Buffer.from("ok!"), { what: "sub/ok.txt after STOR + APPE" });
        d = await f.openPassiveData("PASV");
        const stou = await f.sendExpect("STOU sub/ok.txt", [125, 150]);
        await d.end(Buffer.from("u"));
        await expectNext(f, 226);
        const unique = /FILE:\s*(\S+)/.exec(stou.text)?.[1];
        await f.sendExpect("MFMT 20200102030405 sub/ok.txt", 213);
        await f.sendExpect("SITE CHMOD 640 sub/ok.txt", 200);
        await f.sendExpect("RNFR sub/ok.txt", 350);
        await f.sendExpect("RNTO sub/ok2.txt", 250);
        await f.sendExpect("DELE sub/ok2.txt", 250);
        if (unique) await f.sendExpect(`DELE sub/${path.posix.basename(unique)}`, 250);
      } },
    { name: "MKD / RMD / XMKD / XRMD", run: async (f) => {
        await f.sendExpect("MKD sub/newdir", 257);
        await f.sendExpect("RMD sub/newdir", 250);
        await f.sendExpect("XMKD sub/newdir2", 257);
        await f.sendExpect("XRMD sub/newdir2", 250);
      } },
  ];
  for (const c of controls) {
    it(`works inside the root: ${c.name}`, async () => {
      const ftp = await conns.login(server);
      await c.run(ftp);
      expectNothingLeaked(ftp);
    });
  }
});

describe("jail: listings do not reveal where links lead", () => {
  for (const cmd of ["LIST", "LIST -la", "NLST", "MLSD"]) {
    it(`${cmd} of the root names the links but not their outside targets`, async () => {
      const ftp = await conns.login(server);
      const data = await ftp.openPassiveData("PASV");
      await ftp.sendExpect(cmd, [125, 150], "listing the root is allowed");
      const listing = await data.readAll(5000);
      await expectNext(ftp, 226);
      for (const name of ["escape", "leak", "inner", "sub", "public.txt"]) {
        if (!listing.includes(Buffer.from(name))) fail(ftp, `${cmd} of the root should list "${name}"; got: ${escapeBytes(listing)}`);
      }
      if (listing.includes(Buffer.from(outside.dir)) || listing.includes(Buffer.from(outName))) {
        fail(ftp, `${cmd} of the root reveals the outside folder ${outside.dir} (a link target): ${escapeBytes(listing)}`);
      }
      expectNothingLeaked(ftp);
    });
  }

  it("STAT / (a listing on the control connection) does not reveal link targets either", async () => {
    const ftp = await conns.login(server);
    const reply = await ftp.sendExpect("STAT /", [211, 212, 213]);
    if (!reply.raw.includes(Buffer.from("escape"))) fail(ftp, `STAT / should list "escape".`, reply);
    expectNotRevealed(reply, outName, "the outside folder a link points to", ftp);
    expectNothingLeaked(ftp);
  });
});

describe("jail: the outside world is untouched", () => {
  it("nothing outside the root was read, created, modified, chmod-ed or deleted", () => {
    const after = fingerprintTree(outside.dir);
    const diffs = diffTrees(before, after, { atime: atimeCheck });
    const escaped = escapedEntries();
    const problems = [...diffs.map((d) => `outside/${d}`), ...escaped.map((p) => `${p}: created by a lexical escape`)];
    if (problems.length) {
      throw new HarnessError(
        [
          `The server touched files outside its root (${outside.dir}; atime checked: ${atimeCheck}):`,
          ...problems.map((p) => "  " + p),
          "Run the cases above one by one (vitest -t) to find which command did it.",
        ].join("\n"),
      );
    }
  });
});
