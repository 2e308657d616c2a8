/**
 * Files and folders that change while the server is sending them: deleted, renamed, their
 * folder renamed or removed, by someone else (another session, a local process) in the middle
 * of a RETR or a listing.
 *
 * Downloads are throttled (--write-limit) so that each one is still running when the change
 * happens. A file being sent is read from the descriptor opened at RETR: deleting or renaming
 * it must not change a byte of what the client gets. A listing skips entries that vanished
 * between reading the folder and looking at them; it never sends a broken line, never names
 * an entry twice, always ends with one final reply; and the session, the server and its log
 * (no error of its own) are fine afterwards.
 */
import fs from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectBytes, makeTempRoot, type DataSocket, type FtpSocket, type TempRoot } from "../harness/index.ts";
import { Connections, expectNext } from "./security-helpers.ts";
import { SEED, seededBytes, sleep, startLogged, stderrComplaints, type LoggedServer } from "./fault-helpers.ts";

const USER = "anna";
const PASSWORD = "pw-for-anna";
const RATE = 256 * 1024; // bytes per second for downloads (and listings)
// Big enough that a listing outlasts what the server reads ahead (a piece or three of 32 KiB):
// at RATE it takes over a second, so the changes below happen while it is under way.
const ENTRIES = 5000;

let root: TempRoot;
let logged: LoggedServer;

beforeAll(async () => {
  root = makeTempRoot({});
  for (const folder of ["del", "ren", "gone", "mlsd", "moved"]) {
    fs.mkdirSync(root.path(folder));
    for (let i = 0; i < ENTRIES; i++) fs.writeFileSync(root.path(`${folder}/entry-${String(i).padStart(5, "0")}.txt`), "x");
  }
  logged = await startLogged({ level: "warn", args: ["--user", `${USER}:${PASSWORD}:elradfmwMT:${root.dir}`, "--write-limit", String(RATE)] });
});
afterAll(async () => {
  await logged?.stop();
  root?.cleanup();
});

/** Resolves when the first bytes arrive on a data connection: the transfer is under way. */
function firstBytes(ds: DataSocket): Promise<void> {
  return new Promise((resolve) => ds.socket.once("data", () => resolve()));
}

/** One Connections per test: these run concurrently. */
async function session(conns: Connections): Promise<FtpSocket> {
  const ftp = await conns.login(logged.server, USER, PASSWORD);
  await ftp.sendExpect("TYPE I", 200);
  return ftp;
}

describe("a file changes while RETR sends it (1 s at the throttled rate; the change comes with the first bytes)", () => {
  const cases: Array<{ name: string; file: string; change: () => void }> = [
    { name: "deleted", file: "a.bin", change: () => fs.unlinkSync(root.path("a.bin")) },
    { name: "renamed", file: "b.bin", change: () => fs.renameSync(root.path("b.bin"), root.path("b-renamed.bin")) },
    { name: "replaced by a new file of the same name (rename over it)", file: "c.bin", change: () => {
        fs.writeFileSync(root.path("c.new"), Buffer.alloc(RATE, 0x42));
        fs.renameSync(root.path("c.new"), root.path("c.bin"));
      } },
    { name: "its folder renamed", file: "dir/d.bin", change: () => fs.renameSync(root.path("dir"), root.path("dir-renamed")) },
  ];
  for (const c of cases) {
    it.concurrent(`${c.name}: the client gets exactly the bytes that were there at RETR, and 226`, async () => {
      const conns = new Connections();
      try {
        const original = seededBytes(RATE, SEED + c.file.length);
        fs.mkdirSync(root.path(c.file).replace(/\/[^/]+$/, ""), { recursive: true });
        fs.writeFileSync(root.path(c.file), original);
        const ftp = await session(conns);
        const data = await ftp.openPassiveData("PASV");
        await ftp.sendExpect(`RETR ${c.file}`, [125, 150]);
        const started = firstBytes(data);
        const got = data.readAll(10_000);
        await started;
        c.change();
        expectBytes(await got, original, { what: `RETR ${c.file}, ${c.name} during the transfer` });
        await expectNext(ftp, 226, "the transfer completed");
        await ftp.sendExpect("NOOP", 200);
      } finally {
        conns.closeAll();
      }
    });
  }
});

/** The names in a LIST listing, checking each line's shape. */
function listNames(data: Buffer, what: string): string[] {
  const text = data.toString("utf8");
  if (text && !text.endsWith("\r\n")) throw new Error(`${what}: the listing does not end with CRLF`);
  const lines = text ? text.slice(0, -2).split("\r\n") : [];
  return lines.map((line) => {
    const m = /^[-dl][rwxsStT-]{9}\s+\d+\s+\S+\s+\S+\s+\d+\s+[A-Z][a-z]{2}\s+\d{1,2}\s+(?:\d{2}:\d{2}|\d{4})\s(.+)$/.exec(line);
    if (!m) throw new Error(`${what}: a malformed listing line: ${JSON.stringify(line)}`);
    return m[1]!;
  });
}

function mlsdNames(data: Buffer, what: string): string[] {
  const text = data.toString("utf8");
  const lines = text ? text.slice(0, -2).split("\r\n") : [];
  return lines.map((line) => {
    const m = /^(?:[a-zA-Z.]+=[^;]*;)+ (.+)$/.exec(line);
    if (!m) throw new Error(`${what}: a malformed MLSD line: ${JSON.stringify(line)}`);
    return m[1]!;
  });
}

function expectNoDuplicates(names: string[], what: string): void {
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  expect(dup, `${what}: ${dup} listed twice`).toBeUndefined();
}

describe(`a folder of ${ENTRIES} entries changes while it is listed`, () => {
  const original = (folder: string) => Array.from({ length: ENTRIES }, (_, i) => `${folder}/entry-${String(i).padStart(5, "0")}.txt`);

  it.concurrent("LIST while every other entry is deleted: well-formed lines, no duplicates, only entries that existed, then 226", async () => {
    const conns = new Connections();
    try {
      const ftp = await session(conns);
      const data = await ftp.openPassiveData("PASV");
      await ftp.sendExpect("LIST del", [125, 150]);
      const started = firstBytes(data);
      const got = data.readAll(15_000);
      await started;
      original("del").forEach((p, i) => i % 2 === 1 && fs.unlinkSync(root.path(p)));
      const names = listNames(await got, "LIST del");
      await expectNext(ftp, 226);
      expectNoDuplicates(names, "LIST del");
      const existed = new Set(original("del").map((p) => p.slice(4)));
      expect(names.filter((n) => !existed.has(n))).toEqual([]);
      expect(names.length).toBeGreaterThanOrEqual(ENTRIES / 2);
      // The deletions happened during the listing (else this test proved nothing).
      expect(names.length).toBeLessThan(ENTRIES);
      await ftp.sendExpect("NOOP", 200);
    } finally {
      conns.closeAll();
    }
  });

  it.concurrent("LIST while entries are renamed: every name shown is an old or a new name, none twice, then 226", async () => {
    const conns = new Connections();
    try {
      const ftp = await session(conns);
      const data = await ftp.openPassiveData("PASV");
      await ftp.sendExpect("LIST ren", [125, 150]);
      const started = firstBytes(data);
      const got = data.readAll(15_000);
      await started;
      for (const p of original("ren")) fs.renameSync(root.path(p), root.path(p.replace("entry-", "renamed-")));
      const names = listNames(await got, "LIST ren");
      await expectNext(ftp, 226);
      expectNoDuplicates(names, "LIST ren");
      expect(names.filter((n) => !/^(entry|renamed)-\d{5}\.txt$/.test(n))).toEqual([]);
      // The renames happened during the listing: some old names vanished, or new ones appeared.
      expect(names.length < ENTRIES || names.some((n) => n.startsWith("renamed-"))).toBe(true);
    } finally {
      conns.closeAll();
    }
  });

  it.concurrent("MLSD while entries are deleted: well-formed facts lines, no duplicates, then 226", async () => {
    const conns = new Connections();
    try {
      const ftp = await session(conns);
      const data = await ftp.openPassiveData("PASV");
      await ftp.sendExpect("MLSD mlsd", [125, 150]);
      const started = firstBytes(data);
      const got = data.readAll(15_000);
      await started;
      original("mlsd").forEach((p, i) => i % 3 !== 0 && fs.unlinkSync(root.path(p)));
      const names = mlsdNames(await got, "MLSD mlsd");
      await expectNext(ftp, 226);
      expectNoDuplicates(names, "MLSD mlsd");
    } finally {
      conns.closeAll();
    }
  });

  it.concurrent("LIST while the folder itself is removed, or renamed: one final reply, the session goes on", async () => {
    const conns = new Connections();
    try {
      for (const [folder, change] of [
        ["gone", () => fs.rmSync(root.path("gone"), { recursive: true, force: true })],
        ["moved", () => fs.renameSync(root.path("moved"), root.path("moved-away"))],
      ] as const) {
        const ftp = await session(conns);
        const data = await ftp.openPassiveData("PASV");
        await ftp.sendExpect(`LIST ${folder}`, [125, 150]);
        const started = firstBytes(data);
        const got = data.readAll(15_000);
        await started;
        change();
        listNames(await got, `LIST ${folder}`);
        await expectNext(ftp, [226, 426, 450, 451, 550], `LIST ${folder}: one final reply`);
        await ftp.sendExpect("NOOP", 200);
        await ftp.sendExpect(`CWD ${folder}`, 550);
      }
    } finally {
      conns.closeAll();
    }
  });
});

describe("afterwards", () => {
  it("the log holds no error of the server's own", async () => {
    await sleep(200);
    const errors = logged.log().filter((e) => e.level === "error" || e.level === "fatal");
    expect(errors, JSON.stringify(errors, null, 1)).toEqual([]);
  });
});

describe("the server process", () => {
  it("wrote no warning of Node's to stderr (a file handle closed by the garbage collector is a leak)", () => {
    expect(stderrComplaints(logged.server)).toEqual([]);
  });
});
