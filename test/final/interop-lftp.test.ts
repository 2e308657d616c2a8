/**
 * lftp against the final server: `mirror` a tree down and `mirror -R` it back up, in passive
 * and in active mode, then compare the trees byte for byte (nested folders, binary files of 0
 * bytes, 1 byte and a few MB, empty folders, names with spaces and UTF-8); and the everyday
 * commands: mkdir, mv, rm, rmdir, cls -l, get -c (resume).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectBytes, makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { describeNeeding } from "../harness/tools-available.ts";
import { describeRun, diskEntries, expectExit, expectSameTree, interopSeed, makeLocalDir, readTree, run, seededBytes, type RunResult } from "./interop-helpers.ts";

const SEED = interopSeed(0x1f7b);
const USER = "anna";
const PASS = "s3cret";

/** The tree that is mirrored; null is an (empty) folder. */
const tree: Record<string, Buffer | null> = {
  "src/zero.bin": Buffer.alloc(0),
  "src/one.bin": seededBytes(SEED, "one", 1),
  "src/a/big.bin": seededBytes(SEED, "big", 2 * 1024 * 1024 + 511),
  "src/a/b/c/deep.bin": seededBytes(SEED, "deep", 100_003),
  "src/a/b/empty too": null,
  "src/empty": null,
  "src/with space/file name.bin": seededBytes(SEED, "space", 4096),
  "src/ünï/çødé ñ.bin": seededBytes(SEED, "unicode", 12_345),
};

const ops: Record<string, Buffer | null> = {
  "ops/old name.bin": seededBytes(SEED, "old", 777),
  "ops/delete me.bin": seededBytes(SEED, "delete", 10),
  "ops/empty dir": null,
  "ops/full dir/keep.bin": seededBytes(SEED, "keep", 3),
  "ops/list/a file.txt": Buffer.from("hello\n"),
  "ops/list/ß.bin": seededBytes(SEED, "sz", 65_536),
  "ops/list/sub dir": null,
  "ops/list/zero": Buffer.alloc(0),
};

/** The served files' modification time (2020-05-06 07:08:09 UTC): mirror must carry it both ways. */
const MTIME = new Date(Date.UTC(2020, 4, 6, 7, 8, 9));

let root: TempRoot;
let server: RunningServer;
let local: { dir: string; cleanup(): void };

beforeAll(async () => {
  root = makeTempRoot({ ...tree, ...ops });
  for (const [rel, content] of Object.entries(tree)) if (content !== null) fs.utimesSync(root.path(rel), MTIME, MTIME);
  local = makeLocalDir();
  server = await startServer({ root: root.dir, args: ["-u", USER, "-P", PASS, "--auth-failed-delay", "0"] });
});

afterAll(async () => {
  await server?.stop();
  root?.cleanup();
  local?.cleanup();
});

/** `lftp -d -c 'settings; open ...; <script>'`: -d puts the protocol log on stderr. */
function lftp(script: string, opts: { passive?: boolean; settings?: string } = {}): Promise<RunResult> {
  const passive = opts.passive ?? true;
  const full =
    `set ftp:passive-mode ${passive ? "on" : "off"}; set net:max-retries 1; set net:timeout 5; ${opts.settings ?? ""}` +
    `set net:reconnect-interval-base 1; set cmd:fail-exit yes; set xfer:clobber yes; ` +
    `open -u ${USER},${PASS} -p ${server.port} ${server.host}; ${script}`;
  // A time zone far from UTC: MLSD/MFMT times are UTC, and a mix-up shows as a 9-hour shift.
  return run("lftp", ["-d", "-c", full], { timeoutMs: 25_000, cwd: local.dir, env: { TZ: "Asia/Tokyo" } });
}

/** Commands lftp sent, from its -d log ("---> RETR x"). */
function sent(r: RunResult): string[] {
  return r.stderr
    .toString("utf8")
    .split("\n")
    .filter((l) => l.startsWith("---> "))
    .map((l) => l.slice(5).replace(/\r$/, ""));
}

function expectMode(r: RunResult, passive: boolean): void {
  const cmds = sent(r);
  const pasv = cmds.filter((c) => /^(PASV|EPSV)\b/.test(c));
  const port = cmds.filter((c) => /^(PORT|EPRT)\b/.test(c));
  const ok = passive ? pasv.length > 0 && port.length === 0 : port.length > 0 && pasv.length === 0;
  if (!ok) {
    throw new Error(
      `lftp was meant to use ${passive ? "passive (PASV/EPSV)" : "active (PORT/EPRT)"} data connections, but sent ${pasv.length} PASV/EPSV and ${port.length} PORT/EPRT.\n${describeRun(r, server)}`,
    );
  }
}

/** Every file under `dir` must have the fixture's mtime (to the second). */
function expectMtimes(dir: string, what: string, r: RunResult): void {
  const wrong: string[] = [];
  for (const rel of Object.keys(tree)) {
    if (tree[rel] === null) continue;
    const abs = path.join(dir, rel.slice("src/".length));
    const got = Math.floor(fs.statSync(abs).mtimeMs / 1000) * 1000;
    if (got !== MTIME.getTime()) wrong.push(`${rel}: ${new Date(got).toISOString()}`);
  }
  if (wrong.length) {
    throw new Error(
      `${what}: modification times not preserved (expected ${MTIME.toISOString()} on every file; lftp reads them from MLSD "modify=" and sets them with MFMT, both UTC):\n  ${wrong.join("\n  ")}\n${describeRun(r, server)}`,
    );
  }
}

function q(name: string): string {
  return `"${name.replace(/(["\\])/g, "\\$1")}"`;
}

describeNeeding(["lftp"], "lftp", () => {
  for (const passive of [true, false]) {
    const mode = passive ? "passive" : "active";
    it(`mirrors a tree down and mirror -R's it up into a fresh folder, byte-exact (${mode} mode)`, async () => {
      const down = path.join(local.dir, `down-${mode}`);
      const r = await lftp(`mirror /src ${q(down)}`, { passive });
      expectExit(r, 0, `lftp mirror /src (${mode})`, server);
      expectMode(r, passive);
      expectSameTree(down, root.path("src"), `lftp mirror (${mode}) of /src: local copy vs. the served tree`, SEED, () => describeRun(r, server));
      expectMtimes(down, `lftp mirror (${mode}) of /src`, r);

      const remote = `/up-${mode}`;
      const u = await lftp(`mirror -R ${q(down)} ${remote}`, { passive });
      expectExit(u, 0, `lftp mirror -R into ${remote} (${mode})`, server);
      expectMode(u, passive);
      expectSameTree(root.path(remote), root.path("src"), `lftp mirror -R (${mode}) into ${remote}: server copy vs. the original tree`, SEED, () =>
        describeRun(u, server),
      );
      expectMtimes(root.path(remote), `lftp mirror -R (${mode}) into ${remote}`, u);
      // The source tree must not have been touched by any of this.
      const src = readTree(root.path("src"));
      for (const [rel, want] of Object.entries(tree)) {
        const got = src.get(rel.slice("src/".length));
        expect(got?.kind, `original ${rel} after mirroring`).toBe(want === null ? "dir" : "file");
      }
    });
  }

  it("mkdir, mv (rename), rm and rmdir change the disk as asked; rmdir of a non-empty folder fails", async () => {
    const mk = await lftp(`mkdir ${q("/ops/new ñ dir")}`);
    expectExit(mk, 0, "lftp mkdir", server);
    expect(fs.statSync(root.path("ops/new ñ dir")).isDirectory(), `lftp mkdir did not make the folder\n${describeRun(mk, server)}`).toBe(true);

    const mv = await lftp(`mv ${q("/ops/old name.bin")} ${q("/ops/new ñame.bin")}`);
    expectExit(mv, 0, "lftp mv", server);
    expect(fs.existsSync(root.path("ops/old name.bin")), `lftp mv left the old name\n${describeRun(mv, server)}`).toBe(false);
    expectBytes(root.read("ops/new ñame.bin"), ops["ops/old name.bin"]!, { what: `file renamed by lftp mv (seed ${SEED})` });

    const rm = await lftp(`rm ${q("/ops/delete me.bin")}`);
    expectExit(rm, 0, "lftp rm", server);
    expect(fs.existsSync(root.path("ops/delete me.bin")), `lftp rm did not delete the file\n${describeRun(rm, server)}`).toBe(false);

    const rd = await lftp(`rmdir ${q("/ops/empty dir")}`);
    expectExit(rd, 0, "lftp rmdir", server);
    expect(fs.existsSync(root.path("ops/empty dir")), `lftp rmdir did not remove the folder\n${describeRun(rd, server)}`).toBe(false);

    const bad = await lftp(`rmdir ${q("/ops/full dir")}`);
    expectExit(bad, 1, "lftp rmdir of a non-empty folder (the server must refuse, 550)", server);
    expect(bad.stderr.toString(), "the refusal should be a 550 reply").toMatch(/<--- 550 /);
    expectBytes(root.read("ops/full dir/keep.bin"), ops["ops/full dir/keep.bin"]!, { what: "file inside the folder that rmdir must not remove" });
  });

  it("cls -l shows the names, types and sizes that are on disk", async () => {
    const r = await lftp(`cls -l ${q("/ops/list/")}`);
    expectExit(r, 0, "lftp cls -l", server);
    const lines = r.stdout
      .toString("utf8")
      .split("\n")
      .map((l) => l.replace(/\r$/, ""))
      .filter((l) => l.trim() !== "");
    // lftp prints e.g. "-rw-r--r--        6 Nov 21 10:51 /ops/list/a file.txt" and "drwxr-xr-x ... name/".
    const parsed = lines.map((l) => /^([-dl])[-rwxsStT]{9}\s+(\d+)\s+[A-Z][a-z]{2}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4})\s(.+)$/.exec(l));
    const bad = lines.filter((_, i) => !parsed[i]);
    expect(bad, `cls -l lines that could not be parsed\n${describeRun(r, server)}`).toEqual([]);
    const entries = parsed
      .map((m) => {
        const type = m![1]!;
        const name = path.posix.basename(m![3]!.replace(/\/$/, ""));
        return { name, type, size: type === "d" ? 0 : Number(m![2]) };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    expect(entries, `lftp cls -l /ops/list/ vs. the folder on disk\n${describeRun(r, server)}`).toEqual(diskEntries(root.path("ops/list")));
  });

  it("get -c resumes a partial download (REST) byte-exact", async () => {
    const full = tree["src/a/big.bin"]!;
    const part = 777_777;
    const dst = path.join(local.dir, "resumed big.bin");
    fs.writeFileSync(dst, full.subarray(0, part));
    const r = await lftp(`get -c /src/a/big.bin -o ${q(dst)}`);
    expectExit(r, 0, "lftp get -c", server);
    expect(sent(r), `lftp should resume with REST ${part}\n${describeRun(r, server)}`).toContain(`REST ${part}`);
    expectBytes(fs.readFileSync(dst), full, { what: `big.bin resumed by lftp get -c from byte ${part} (seed ${SEED})` });
  });

  it("put -c resumes a partial upload (SIZE, REST, STOR) byte-exact", async () => {
    const bytes = seededBytes(SEED, "put-c", 1_234_567);
    const part = 400_009;
    fs.writeFileSync(root.path("ops/put resumed.bin"), bytes.subarray(0, part));
    const src = path.join(local.dir, "put-c source.bin");
    fs.writeFileSync(src, bytes);
    const r = await lftp(`put -c ${q(src)} -o ${q("/ops/put resumed.bin")}`);
    expectExit(r, 0, "lftp put -c", server);
    const cmds = sent(r);
    expect(cmds.includes(`REST ${part}`) || cmds.some((c) => c.startsWith("APPE")), `lftp should resume with REST ${part} or APPE\n${describeRun(r, server)}`).toBe(true);
    expectBytes(root.read("ops/put resumed.bin"), bytes, { what: `ops/put resumed.bin after lftp put -c from byte ${part} (seed ${SEED})` });
  });

  it("mirror --parallel=4 with LIST instead of MLSD (ftp:use-mlsd off): several sessions at once, byte-exact", async () => {
    const down = path.join(local.dir, "down-parallel");
    const r = await lftp(`mirror --parallel=4 /src ${q(down)}`, { settings: "set ftp:use-mlsd off; " });
    expectExit(r, 0, "lftp mirror --parallel=4 (LIST listings)", server);
    const cmds = sent(r);
    expect(cmds.some((c) => c.startsWith("MLSD")), `lftp should not use MLSD with ftp:use-mlsd off\n${describeRun(r, server)}`).toBe(false);
    expect(cmds.some((c) => c.startsWith("LIST")), `lftp should list with LIST\n${describeRun(r, server)}`).toBe(true);
    const connections = (r.stderr.toString().match(/^---- Connecting to /gm) ?? []).length;
    expect(connections, `lftp --parallel=4 should have opened several control connections\n${describeRun(r, server)}`).toBeGreaterThan(1);
    expectSameTree(down, root.path("src"), "lftp mirror --parallel=4 (LIST) of /src", SEED, () => describeRun(r, server));

    const u = await lftp(`mirror -R --parallel=4 ${q(down)} /up-parallel`, { settings: "set ftp:use-mlsd off; " });
    expectExit(u, 0, "lftp mirror -R --parallel=4", server);
    expectSameTree(root.path("up-parallel"), root.path("src"), "lftp mirror -R --parallel=4 into /up-parallel", SEED, () => describeRun(u, server));
  });
});
