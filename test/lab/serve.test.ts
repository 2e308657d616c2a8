/**
 * `npm run serve N` as a real process on the fixture course: it starts the lesson's server
 * on the asked port with anonymous and learner/learner homes under .lab/serve, prints how to
 * connect, passes extra flags on, and stops cleanly on Ctrl-C (SIGINT).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { labProcess, makeFixture, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
let child: ChildProcess | null = null;
beforeAll(async () => {
  fixture = await makeFixture();
});
afterAll(() => {
  child?.kill("SIGKILL");
  fixture.remove();
});

/** Starts `serve`, resolves with everything printed once `untilText` appears. */
function startServe(args: string[], untilText: RegExp): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "tools/lab/main.ts"), "--root", fixture.root, "serve", ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = proc;
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no ${untilText} in 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (untilText.test(output)) {
        clearTimeout(timer);
        resolve({ proc, output: () => output });
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.once("close", (code) => reject(new Error(`serve exited (${code}) early:\n${output}`)));
  });
}

function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (c) => (text += c.toString("utf8")));
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
}

describe("npm run serve N", () => {
  it("serves the workspace with anonymous and learner, prints curl/lftp/FileZilla lines, stops on SIGINT", async () => {
    const { proc, output } = await startServe(["1", "--port", "0", "--banner", "hello"], /ARGS /);
    const text = output();
    const port = Number(/is listening on 127\.0\.0\.1:(\d+)\. Ctrl-C stops it\./.exec(text)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(text).toContain("Lesson 1, workspace/src, is listening on");
    expect(text).toMatch(/anonymous \(any password\)\s+read-only, sees \.lab\/serve\/public/);
    expect(text).toMatch(/learner \/ learner\s+every permission \(elradfmwMT\), sees \.lab\/serve\/learner/);
    expect(text).toContain(`curl -u learner:learner ftp://127.0.0.1:${port}/`);
    expect(text).toContain(`lftp -u learner,learner -p ${port} 127.0.0.1`);
    expect(text).toContain(`Host: 127.0.0.1   Port: ${port}`);
    expect(text).toContain("Transfer mode Passive");
    // The server's own "Serving ... Try:" lines are not repeated.
    expect(text).not.toContain("Serving the parts");

    // The server got the accounts (and the extra flag), and the folders are copies of final/demo.
    const args = JSON.parse(/ARGS (.*)/.exec(text)![1]!) as string[];
    const publicDir = path.join(fixture.root, ".lab/serve/public");
    const learnerDir = path.join(fixture.root, ".lab/serve/learner");
    expect(args).toEqual(["-i", "127.0.0.1", "-p", "0", "-d", publicDir, "--user", `anonymous:-:elr:${publicDir}`, "--user", `learner:learner:elradfmwMT:${learnerDir}`, "--banner", "hello"]);
    expect(readFileSync(path.join(learnerDir, "README.txt"), "utf8")).toBe("demo folder\n");
    expect(existsSync(path.join(publicDir, "README.txt"))).toBe(true);

    // It is the starter of lesson 1 that answers: no parts yet.
    expect(await greeting(port)).toBe("220 \r\n");

    const closed = new Promise<number | null>((resolve) => proc.once("close", resolve));
    proc.kill("SIGINT");
    expect(await closed).toBe(0);
    expect(output()).toContain("The server stopped.");
  });

  it("--solution serves the reference", async () => {
    const { proc, output } = await startServe(["2", "--solution", "--port", "0"], /ARGS /);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(output())?.[1]);
    expect(output()).toContain("The lesson 2 solution, solutions/02-two/src, is listening");
    expect(await greeting(port)).toBe("220 one,two\r\n");
    proc.kill("SIGINT");
    await new Promise((resolve) => proc.once("close", resolve));
  });

  it("refuses a bad port with one line", async () => {
    const run = await labProcess(fixture.root, ["serve", "1", "--port", "http"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('serve: --port "http": give a port number 0-65535 (0 picks a free one)');
  });
});
