/**
 * Shared helpers for the interop tests (test/final/interop-*.test.ts): real clients (curl, lftp,
 * python3 ftplib, basic-ftp) against the final server, started as a child process.
 *
 * - seeded pseudo-random content, so a failure can be reproduced (the seed is in every message;
 *   set INTEROP_SEED=<n> to run with another one);
 * - `run`: a child process with a hard timeout that never throws, and `expectExit` that explains
 *   a wrong exit code with the command line (ready to paste), its stderr and the server's log;
 * - `readTree` / `expectSameTree`: byte-exact comparison of two folders;
 * - `runPython`: a python3 script string with argv, whose last stdout line is JSON.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expectBytes, shellQuote, type RunningServer } from "../harness/index.ts";
import { installHint } from "../harness/tools-available.ts";

// ---- seeded content ------------------------------------------------------------------------

/** The seed for a test file: $INTEROP_SEED if set, else the file's fixed default. */
export function interopSeed(fallback: number): number {
  const env = process.env.INTEROP_SEED?.trim();
  if (env && /^\d+$/.test(env)) return Number(env) >>> 0;
  return fallback >>> 0;
}

/**
 * Deterministic bytes: mulberry32 seeded with (seed, salt), so each file of a fixture gets its
 * own stream but everything follows from the one printed seed.
 */
export function seededBytes(seed: number, salt: string, size: number): Buffer {
  let h = seed >>> 0;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 0x9e3779b1) >>> 0;
  let a = (h ^ 0x6d2b79f5) >>> 0;
  const out = Buffer.allocUnsafe(size);
  let i = 0;
  while (i < size) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    for (let k = 0; k < 4 && i < size; k++, i++) out[i] = (t >>> (k * 8)) & 0xff;
  }
  return out;
}

// ---- child processes -----------------------------------------------------------------------

export interface RunResult {
  /** Shell-quoted command line, to paste into a terminal. */
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: Buffer;
  stderr: Buffer;
  ms: number;
}

export interface RunOptions {
  /** Hard limit; the process is killed (SIGKILL) after it. Default 20 s. */
  timeoutMs?: number;
  cwd?: string;
  env?: Record<string, string>;
}

/** Runs a program (no shell), never rejects: the result says how it ended. */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const command = [file, ...args].map(shellQuote).join(" ");
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      {
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        encoding: "buffer",
        maxBuffer: 64 << 20,
        cwd: opts.cwd,
        env: { ...process.env, LC_ALL: "C.UTF-8", ...opts.env },
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals; killed?: boolean }) | null;
        const ms = Date.now() - started;
        const code = e ? (typeof e.code === "number" ? e.code : null) : 0;
        const signal = e?.signal ?? null;
        const spawnError = e && typeof e.code === "string" ? Buffer.from(`\n(could not run: ${e.message}${installHint(file) ? `; is it installed? ${installHint(file)}` : ""})`) : Buffer.alloc(0);
        resolve({
          command,
          code,
          signal,
          timedOut: !!e && signal === "SIGKILL" && ms >= timeoutMs - 50,
          stdout: Buffer.from(stdout),
          stderr: Buffer.concat([Buffer.from(stderr), spawnError]),
          ms,
        });
      },
    );
  });
}

function indent(label: string, text: string, maxChars = 4000): string {
  let body = text.trimEnd();
  if (!body) return `  ${label}: (empty)`;
  if (body.length > maxChars) body = "…" + body.slice(body.length - maxChars);
  return `  ${label}:\n${body
    .split("\n")
    .map((l) => "    " + l)
    .join("\n")}`;
}

/** Everything needed to understand a client run: command, how it ended, its output, the server's log. */
export function describeRun(r: RunResult, server?: RunningServer, extra?: string): string {
  const how = r.timedOut ? `killed after ${r.ms} ms (timeout)` : r.signal ? `signal ${r.signal}` : `exit code ${r.code}`;
  return [
    `  command: ${r.command}`,
    `  ended:   ${how} after ${r.ms} ms`,
    ...(extra ? [`  note:    ${extra}`] : []),
    indent("stderr", r.stderr.toString("utf8")),
    indent("stdout", r.stdout.toString("utf8"), 1500),
    ...(server ? [indent("server log (tail)", server.output(), 2500)] : []),
  ].join("\n");
}

export class InteropError extends Error {
  override name = "InteropError";
}

/** Throws an explained error unless the client exited with `code`. */
export function expectExit(r: RunResult, code: number, what: string, server?: RunningServer, extra?: string): RunResult {
  if (r.code === code && !r.timedOut) return r;
  throw new InteropError(`${what}: expected exit code ${code}, got ${r.timedOut ? "a timeout" : r.signal ?? r.code}.\n${describeRun(r, server, extra)}`);
}

// ---- python3 -------------------------------------------------------------------------------

/** Runs `python3 -c script args...`; parses the last stdout line as JSON (script must print it). */
export async function runPython<T = unknown>(script: string, args: readonly string[], what: string, server?: RunningServer, timeoutMs = 20_000): Promise<T> {
  const r = await run("python3", ["-c", script, ...args], { timeoutMs, env: { PYTHONIOENCODING: "utf-8" } });
  // The script itself can be long; show a short command line in messages.
  const shown = { ...r, command: `python3 -c <script: ${what}> ${args.map(shellQuote).join(" ")}` };
  expectExit(shown, 0, `python3 ftplib (${what})`, server, `script:\n${script}`);
  const lines = r.stdout.toString("utf8").trimEnd().split("\n");
  const last = lines[lines.length - 1] ?? "";
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new InteropError(`python3 ftplib (${what}): last stdout line is not JSON.\n${describeRun(shown, server)}`);
  }
}

// ---- folders -------------------------------------------------------------------------------

export type TreeEntry = { kind: "dir" } | { kind: "file"; bytes: Buffer } | { kind: "other" };

/** Every entry under `dir` by relative path ("a/b.bin"), sorted; symlinks are not followed. */
export function readTree(dir: string): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        out.set(r, { kind: "dir" });
        walk(r);
      } else if (d.isFile()) out.set(r, { kind: "file", bytes: fs.readFileSync(path.join(dir, r)) });
      else out.set(r, { kind: "other" });
    }
  };
  walk("");
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Folder `actual` must hold exactly the entries of `expected`, files byte for byte. */
export function expectSameTree(actual: string, expected: string, what: string, seed: number, details?: () => string): void {
  const a = readTree(actual);
  const e = readTree(expected);
  const problems: string[] = [];
  for (const [rel, want] of e) {
    const got = a.get(rel);
    if (!got) problems.push(`missing ${want.kind}: ${JSON.stringify(rel)}`);
    else if (got.kind !== want.kind) problems.push(`${JSON.stringify(rel)} is a ${got.kind}, expected a ${want.kind}`);
    else if (want.kind === "file" && got.kind === "file") {
      try {
        expectBytes(got.bytes, want.bytes, { what: `${rel} (seed ${seed})` });
      } catch (err) {
        problems.push(`file differs: ${JSON.stringify(rel)}\n${(err as Error).message.replace(/^/gm, "      ")}`);
      }
    }
  }
  for (const [rel, got] of a) if (!e.has(rel)) problems.push(`unexpected ${got.kind}: ${JSON.stringify(rel)}`);
  if (problems.length) {
    throw new InteropError(
      `${what}: the folders differ (seed ${seed}; rerun with INTEROP_SEED=${seed}).\n  expected: ${expected}\n  actual:   ${actual}\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        (details ? `\n${details()}` : ""),
    );
  }
}

/** A scratch folder on the client side (not served). */
export function makeLocalDir(prefix = "ftp-lab-client-"): { dir: string; cleanup(): void } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a fixture (path -> bytes or null for a folder) into a folder. */
export function writeFixture(dir: string, files: Record<string, Buffer | string | null>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    if (content === null) fs.mkdirSync(abs, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
    }
  }
}

// ---- URLs and listings -----------------------------------------------------------------------

/** ftp://host:port/ + each path segment percent-encoded (spaces, UTF-8). */
export function ftpUrl(server: { host: string; port: number }, rel = "", userinfo?: string): string {
  const host = server.host.includes(":") ? `[${server.host}]` : server.host;
  const pathPart = rel
    .split("/")
    .map((seg) => encodeURIComponent(seg))
    .join("/");
  return `ftp://${userinfo ? userinfo + "@" : ""}${host}:${server.port}/${pathPart}`;
}

export interface ListedEntry {
  name: string;
  type: "d" | "-" | "l" | string;
  size: number;
}

/** Parses Unix-style LIST lines (`-rw-r--r-- 1 ftp ftp 1234 Nov 21 10:44 name with spaces`). */
export function parseUnixList(text: string): { entries: ListedEntry[]; unparsed: string[] } {
  const entries: ListedEntry[] = [];
  const unparsed: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (!line.trim() || /^total \d+/.test(line)) continue;
    const m = /^([-dlcbps])[-rwxsStT]{9}\s+\d+\s+\S+\s+\S+\s+(\d+)\s+[A-Z][a-z]{2}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4})\s(.+)$/.exec(line);
    if (m) entries.push({ type: m[1]!, size: Number(m[2]), name: m[3]! });
    else unparsed.push(line);
  }
  return { entries, unparsed };
}

/** What a folder on disk holds, in the same shape (directories have size 0 here: sizes compared for files only). */
export function diskEntries(dir: string): ListedEntry[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .map((d) => ({ name: d.name, type: d.isDirectory() ? "d" : d.isFile() ? "-" : "?", size: d.isFile() ? fs.statSync(path.join(dir, d.name)).size : 0 }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Normalizes a listing for comparison with diskEntries: sorted, directory sizes zeroed. */
export function normalizeListing(entries: ListedEntry[]): ListedEntry[] {
  return entries
    .map((e) => ({ name: e.name, type: e.type, size: e.type === "d" ? 0 : e.size }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The control-connection lines a client printed in its verbose log ("> RETR x", "< 226 ..."). */
export function verboseCommands(stderr: Buffer | string): string[] {
  return stderr
    .toString()
    .split("\n")
    .filter((l) => l.startsWith("> "))
    .map((l) => l.slice(2).replace(/\r$/, ""));
}
