/**
 * Symbolic-link races against the jail (security review, finding 2). Someone else who can
 * write into the home (a shell account, a shared folder) swaps a folder for a link to an
 * outside folder between the moment the server checks a path and the moment it acts on it.
 * A server that resolves a path, checks it, and then acts on it *by name* acts outside.
 *
 * The "attacker" here is this test process (or a child process it starts), renaming a folder
 * of the home and a link to the outside folder back and forth:
 *
 *   home/d        a real folder (holds f, secret.txt, a.txt, del-N ...)
 *   home/.lnk     -> <outside>  (swapped in as "d")
 *
 * Deterministic cases time the swap to the protocol (after STOR's 150, after RNFR's 350); a
 * bounded loop swaps as fast as it can for a few seconds while the client sends a bounded
 * number of commands. Afterwards the outside tree must be exactly as before (content, mode,
 * times, no new entries) and no download may carry the outside file's content.
 */
import fs from "node:fs";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, targetEntry, type FtpSocket, type RunningServer, type TempRoot } from "../harness/index.ts";
import { Connections, diffTrees, fingerprintTree, freezeTimes, type TreePrint } from "./security-helpers.ts";

const TAG = randomBytes(6).toString("hex");
const SECRET = `OUTSIDE-${TAG}: never to be served\n`;
const INSIDE = `inside-${TAG}\n`;
const DELS = 40;

let outside: TempRoot;
let root: TempRoot;
let server: RunningServer;
let before: TreePrint;
const conns = new Connections();

function outsideFiles(): Record<string, string | null> {
  const files: Record<string, string | null> = { "f": "x".repeat(32_000), "secret.txt": SECRET, "a.txt": SECRET };
  for (let i = 0; i < DELS; i++) files[`del-${i}`] = SECRET;
  return files;
}

/** The home as each test expects it: d a real folder, .lnk a link to the outside folder. */
function resetHome(): void {
  for (const name of fs.readdirSync(root.dir)) fs.rmSync(root.path(name), { recursive: true, force: true });
  fs.mkdirSync(root.path("d"));
  fs.writeFileSync(root.path("d/f"), "y".repeat(20));
  fs.writeFileSync(root.path("d/secret.txt"), INSIDE);
  fs.writeFileSync(root.path("d/a.txt"), INSIDE);
  for (let i = 0; i < DELS; i++) fs.writeFileSync(root.path(`d/del-${i}`), INSIDE);
  fs.symlinkSync(outside.dir, root.path(".lnk"));
}

/** Swap d (the folder) and .lnk (the link to outside): after it, "d" leads outside. */
function swapToLink(): void {
  fs.renameSync(root.path("d"), root.path(".real"));
  fs.renameSync(root.path(".lnk"), root.path("d"));
}

function outsideChanges(): string[] {
  return diffTrees(before, fingerprintTree(outside.dir), { atime: false });
}

beforeAll(async () => {
  outside = makeTempRoot(outsideFiles());
  fs.chmodSync(outside.path("a.txt"), 0o600);
  root = makeTempRoot({});
  const day = 24 * 3600 * 1000;
  freezeTimes(outside.dir, new Date(Date.now() - 3 * day), new Date(Date.now() - 2 * day));
  before = fingerprintTree(outside.dir);
  server = await startServer({ entry: targetEntry(), root: root.dir, args: ["-w"] });
});

afterAll(async () => {
  conns.closeAll();
  await server?.stop();
  root?.cleanup();
  outside?.cleanup();
});

beforeEach(() => resetHome());
afterEach(() => conns.closeAll());

/** Put the outside folder back as it was, so one test's damage does not fail the next. */
function restoreOutside(): void {
  for (const name of fs.readdirSync(outside.dir)) fs.rmSync(outside.path(name), { recursive: true, force: true });
  for (const [rel, content] of Object.entries(outsideFiles())) fs.writeFileSync(outside.path(rel), content ?? "");
  fs.chmodSync(outside.path("a.txt"), 0o600);
  const day = 24 * 3600 * 1000;
  freezeTimes(outside.dir, new Date(Date.now() - 3 * day), new Date(Date.now() - 2 * day));
  before = fingerprintTree(outside.dir);
}

describe("attacker-timed swaps", () => {
  it("REST + STOR d/f, d swapped for a link after 150: the final truncate stays inside", async () => {
    const ftp = await conns.login(server);
    await ftp.sendExpect("TYPE I", 200);
    await ftp.sendExpect("REST 10", 350);
    const ds = await ftp.openPassiveData();
    await ftp.sendExpect("STOR d/f", [125, 150]);
    swapToLink();
    await ds.end("12345");
    const done = await ftp.readReply();
    const changes = outsideChanges();
    restoreOutside();
    expect(changes, `outside changed after STOR (reply ${done.code})`).toEqual([]);
    // The upload went to the folder that was checked (now .real), cut at 10 + 5 bytes.
    expect(done.code).toBe(226);
    expect(fs.readFileSync(root.path(".real/f"), "utf8")).toBe("y".repeat(10) + "12345");
  });

  it("RNFR d/secret.txt, d swapped for a link, RNTO stolen.txt: no outside file moves in", async () => {
    const ftp = await conns.login(server);
    await ftp.sendExpect("RNFR d/secret.txt", 350);
    swapToLink();
    const r = await ftp.send("RNTO stolen.txt");
    const changes = outsideChanges();
    const stolen = fs.existsSync(root.path("stolen.txt")) ? fs.readFileSync(root.path("stolen.txt"), "utf8") : null;
    restoreOutside();
    expect(changes, `outside changed after RNTO (reply ${r.code} ${r.text})`).toEqual([]);
    expect(stolen === null || stolen === INSIDE, "stolen.txt holds the outside file").toBe(true);
  });

  it("RNFR d/secret.txt, RNTO d/x.txt after d was swapped: the target is refused or stays inside", async () => {
    const ftp = await conns.login(server);
    await ftp.sendExpect("RNFR secret-in-root.txt", 550); // nothing there: RNFR refused, state clear
    fs.writeFileSync(root.path("mine.txt"), INSIDE);
    await ftp.sendExpect("RNFR mine.txt", 350);
    swapToLink();
    const r = await ftp.send("RNTO d/moved.txt");
    const changes = outsideChanges();
    restoreOutside();
    expect(changes, `outside changed after RNTO (reply ${r.code} ${r.text})`).toEqual([]);
    expect(r.code).toBe(550);
  });
});

// ---- a bounded swapping loop --------------------------------------------------------------

/** A child process swapping d and .lnk as fast as it can for `ms`, then leaving d a folder. */
function startSwapper(ms: number): ChildProcess {
  const script = `
    const fs = require("node:fs");
    const [d, real, lnk, ms] = process.argv.slice(1);
    const end = Date.now() + Number(ms);
    let n = 0;
    process.stdout.write("go\\n");
    while (Date.now() < end) {
      try { fs.renameSync(d, real); fs.renameSync(lnk, d); fs.renameSync(d, lnk); fs.renameSync(real, d); n++; } catch {}
    }
    try { if (fs.lstatSync(d).isSymbolicLink()) fs.renameSync(d, lnk); } catch {}
    try { fs.renameSync(real, d); } catch {}
    process.stdout.write(String(n));
  `;
  return spawn(process.execPath, ["-e", script, root.path("d"), root.path(".real"), root.path(".lnk"), String(ms)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function transfer(ftp: FtpSocket, cmd: string, upload: string | null): Promise<{ code: number; data: string }> {
  const ds = await ftp.openPassiveData();
  const first = await ftp.send(cmd);
  if (first.code >= 400) {
    ds.destroy();
    return { code: first.code, data: "" };
  }
  let data = "";
  if (upload !== null) await ds.end(upload);
  else data = (await ds.readAll(5_000)).toString("latin1");
  const done = await ftp.readReply();
  return { code: done.code, data };
}

describe("a folder swapped with a link in a loop", () => {
  it("400 commands while d flips between a folder and a link: nothing outside changes or is read", async () => {
    const ftp = await conns.login(server);
    await ftp.sendExpect("TYPE I", 200);
    const swapper = startSwapper(20_000);
    await new Promise((resolve) => swapper.stdout!.once("data", resolve)); // it is swapping now
    let leaked = 0;
    const codes: Record<string, number[]> = {};
    try {
      for (let i = 0; i < 400; i++) {
        const kind = i % 6;
        let cmd: string;
        let code: number;
        if (kind === 0) code = (await ftp.send((cmd = `MKD d/m-${i}`))).code;
        else if (kind === 1) code = (await transfer(ftp, (cmd = `STOR d/s-${i}`), "data")).code;
        else if (kind === 2) code = (await transfer(ftp, (cmd = "STOU d/u"), "data")).code;
        else if (kind === 3) code = (await ftp.send((cmd = `DELE d/del-${Math.floor(i / 6) % DELS}`))).code;
        else if (kind === 4) code = (await ftp.send((cmd = "SITE CHMOD 666 d/a.txt"))).code;
        else {
          const r = await transfer(ftp, (cmd = "RETR d/a.txt"), null);
          code = r.code;
          if (r.data.includes("OUTSIDE-")) leaked++;
        }
        (codes[cmd.split(" ")[0]!] ??= []).push(code);
      }
    } finally {
      swapper.kill();
      await new Promise((resolve) => swapper.once("exit", resolve));
    }
    const changes = outsideChanges();
    const landed = { MKD: 0, STOR: 0, STOU: 0, DELE: 0, CHMOD: 0 };
    for (const line of changes) {
      if (/^m-\d+: created/.test(line)) landed.MKD++;
      else if (/^s-\d+: created/.test(line)) landed.STOR++;
      else if (/^u[^:]*: created/.test(line)) landed.STOU++;
      else if (/^del-\d+: deleted/.test(line)) landed.DELE++;
      else if (/^a\.txt: mode changed/.test(line)) landed.CHMOD++;
    }
    restoreOutside();
    console.log(`swap loop: landed outside ${JSON.stringify(landed)}, outside reads served ${leaked}, ${changes.length} changes`);
    expect({ changes: changes.slice(0, 10), leaked }).toEqual({ changes: [], leaked: 0 });
  }, 120_000);
});
