/**
 * `npm run serve N` with the learner's own accounts and folders, and what it says about
 * the folders it keeps between runs:
 *  - `--users FILE`: the file decides who logs in (no anonymous, no learner/learner added by
 *    the lab), and "Who can log in" lists the file's users and their real homes;
 *  - `-d DIR`: the start lines name DIR, the folder really served, not .lab/serve/public;
 *  - the start lines say that uploads from earlier runs are kept in .lab/serve and how to
 *    start clean; `--fresh` starts from a fresh copy of final/demo.
 * The fixture course's server echoes its arguments (ARGS [...]); the last test logs in to
 * the real lesson 4 solution.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { FtpSocket } from "../harness/index.ts";
import { makeFixture, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
let temp: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  fixture = await makeFixture();
  temp = mkdtempSync(path.join(tmpdir(), "serve-users-"));
  mkdirSync(path.join(temp, "homes", "anna"), { recursive: true });
  writeFileSync(path.join(temp, "homes", "anna", "hello.txt"), "hello\n");
  writeFileSync(path.join(temp, "users.txt"), "# name password perms home\nanna s3cret elr homes/anna\n");
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const closed = new Promise((resolve) => c.once("close", resolve));
    c.kill("SIGINT");
    const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
    await closed;
    clearTimeout(timer);
  }
});
afterAll(() => {
  fixture.remove();
  rmSync(temp, { recursive: true, force: true });
});

/** Starts `serve` under `root`, resolves with what it printed once `untilText` appears. */
function startServe(root: string, args: string[], untilText: RegExp): Promise<string> {
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "tools/lab/main.ts"), "--root", root, "serve", ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(proc);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no ${untilText} in 40 s:\n${output}`)), 40_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (untilText.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) early:\n${output}`));
    });
  });
}

const argsOf = (text: string) => JSON.parse(/ARGS (.*)/.exec(text)![1]!) as string[];

describe("npm run serve N -- --users FILE", () => {
  it("gives the server no anonymous and no learner account: the file decides, and the lines say so", async () => {
    const file = path.join(temp, "users.txt");
    const text = await startServe(fixture.root, ["1", "--port", "0", "--users", file], /ARGS /);
    const args = argsOf(text);
    expect(args).toContain("--users");
    expect(args).not.toContain("--anonymous");
    expect(args.some((a) => a.startsWith("anonymous:") || a.startsWith("learner:"))).toBe(false);
    expect(text).not.toMatch(/learner \/ learner/);
    expect(text).not.toMatch(/anonymous \(any password\)/);
    expect(text).toContain(file);
    expect(text).toMatch(/anna\s+elr, sees .*homes\/anna/);
    expect(text).toMatch(/curl -u anna ftp:\/\/127\.0\.0\.1:\d+\//);
    // The lab's folders are not served, so nothing is said about keeping them.
    expect(text).not.toMatch(/kept in \.lab\/serve/);
  });

  it("the real lesson 4 solution: anna logs in; anonymous and learner do not", async () => {
    const file = path.join(temp, "users.txt");
    const text = await startServe(REPO_ROOT, ["4", "--solution", "--port", "0", "--users", file], /What the server logs:/);
    const port = Number(/is listening on 127\.0\.0\.1:(\d+)/.exec(text)?.[1]);
    expect(port).toBeGreaterThan(0);
    const login = async (user: string, pass: string) => {
      const ftp = await FtpSocket.connect("127.0.0.1", port, { timeoutMs: 10_000 });
      try {
        const u = await ftp.send(`USER ${user}`);
        if (u.code === 230 || u.code >= 400) return u.code;
        return (await ftp.send(`PASS ${pass}`)).code;
      } finally {
        ftp.destroy();
      }
    };
    expect(await login("anna", "s3cret")).toBe(230);
    expect(await login("anonymous", "guest@example.com")).not.toBe(230);
    expect(await login("learner", "learner")).not.toBe(230);
  });
});

describe("npm run serve N: the folder it names is the folder it serves", () => {
  it("-d DIR (the real lesson 1 solution): the start lines name DIR for anonymous, and anonymous sees DIR", async () => {
    const dir = path.join(temp, "homes");
    const text = await startServe(REPO_ROOT, ["1", "--solution", "--port", "0", "-d", dir], /What the server logs:/);
    const port = Number(/is listening on 127\.0\.0\.1:(\d+)/.exec(text)?.[1]);
    expect(text).toMatch(/anonymous \(any password\)\s+read-only, sees \S*serve-users-[^/\s]+\/homes\n/);
    expect(text).not.toMatch(/anonymous \(any password\)\s+read-only, sees \.lab\/serve\/public/);
    const ftp = await FtpSocket.connect("127.0.0.1", port, { timeoutMs: 10_000 });
    try {
      await ftp.send("USER anonymous");
      expect((await ftp.send("PASS guest@example.com")).code).toBe(230);
      expect((await ftp.send("CWD /anna")).code).toBe(250);
    } finally {
      ftp.destroy();
    }
  });
});

describe("npm run serve N: uploads of earlier runs", () => {
  it("says they are kept in .lab/serve and how to start clean; --fresh starts from a fresh copy", async () => {
    // A first run creates the folders; an "upload" lands in them.
    await startServe(fixture.root, ["1", "--port", "0"], /ARGS /);
    await afterEachStop();
    const upload = path.join(fixture.root, ".lab/serve/learner/notes.txt");
    writeFileSync(upload, "uploaded last time\n");

    const again = await startServe(fixture.root, ["1", "--port", "0"], /ARGS /);
    expect(again).toMatch(/[Uu]ploads from earlier runs are kept in \.lab\/serve/);
    expect(again).toContain("--fresh");
    expect(existsSync(upload)).toBe(true);
    await afterEachStop();

    const fresh = await startServe(fixture.root, ["1", "--fresh", "--port", "0"], /ARGS /);
    expect(fresh).toMatch(/fresh cop/);
    expect(existsSync(upload)).toBe(false);
    expect(existsSync(path.join(fixture.root, ".lab/serve/learner/README.txt"))).toBe(true);
  });
});

async function afterEachStop(): Promise<void> {
  for (const c of children.splice(0)) {
    const closed = new Promise((resolve) => c.once("close", resolve));
    c.kill("SIGINT");
    await closed;
  }
}
