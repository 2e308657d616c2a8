/**
 * The primer's session by hand works on a fresh machine without nc: docs/ftp-primer.md offers
 * a `node -e` line (Node is what the course runs on), keeps nc as an option, and the node line
 * really is an `nc -C`: run as written (the port swapped for the test server's), it sends the
 * typed lines with CRLF ends and shows the replies, control and data connection alike.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, parsePasvLine, REPO_ROOT, startServer, type RunningServer } from "../harness/index.ts";

const primer = readFileSync(path.join(REPO_ROOT, "docs/ftp-primer.md"), "utf8");

/** The `node -e` commands of the primer's code blocks, without their "$ " prompt. */
function nodeLines(): string[] {
  return primer
    .split("\n")
    .map((l) => l.replace(/^\$\s+/, "").trim())
    .filter((l) => l.startsWith("node -e "));
}

/** Runs a shell line with `input` on stdin; resolves with stdout once it exits (bounded). */
function run(line: string, input: string, stdinOpenMs = 0): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", line], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString("latin1")));
    child.stderr.on("data", (c: Buffer) => (out += c.toString("latin1")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no exit in 20 s: ${line}\n${out}`));
    }, 20_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
    child.stdin.write(input);
    if (stdinOpenMs === 0) child.stdin.end();
    else setTimeout(() => child.stdin.end(), stdinOpenMs).unref();
  });
}

let server: RunningServer;
let root: ReturnType<typeof makeTempRoot>;
beforeAll(async () => {
  root = makeTempRoot({ "hello.txt": "hello\n" });
  server = await startServer({ root: root.dir, host: "127.0.0.1" });
});
afterAll(async () => {
  await server?.stop();
  root?.cleanup();
});

describe("docs/ftp-primer.md: a session by hand without nc", () => {
  it("offers a node -e line for the control connection, and keeps nc as an option", () => {
    expect(nodeLines().length, "a `node -e ...` command in a code block").toBeGreaterThan(0);
    expect(primer).toMatch(/nc -C 127\.0\.0\.1 2121/);
    expect(primer).toMatch(/npm run client -- --debug ftp:\/\/127\.0\.0\.1:2121\//);
  });

  it("the node line, as written, logs in, sends CRLF lines and shows the replies; the same line opens the data connection", async () => {
    const [line] = nodeLines();
    expect(line).toMatch(/ 127\.0\.0\.1 2121$/);
    const at = (port: number) => line!.replace(/ 2121$/, ` ${port}`);

    // Control connection: login and PWD, then PASV; QUIT ends it, and the line exits by itself.
    const control = await run(at(server.port), "USER anonymous\nPASS me@example.com\nPWD\nQUIT\n");
    expect(control.out).toMatch(/^220 /m);
    expect(control.out).toMatch(/^230 /m);
    expect(control.out).toMatch(/^257 "\/"/m);
    expect(control.out).toMatch(/^221 /m);
    expect(control.code).toBe(0);

    // The data connection by hand: PASV on one line, the same command on the announced port.
    const ctl = spawn("sh", ["-c", at(server.port)], { stdio: ["pipe", "pipe", "pipe"] });
    let text = "";
    ctl.stdout.on("data", (c: Buffer) => (text += c.toString("latin1")));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 200 && !re.test(text); i++) await new Promise((r) => setTimeout(r, 50));
      expect(text).toMatch(re);
    };
    try {
      await waitFor(/^220 /m);
      ctl.stdin.write("USER anonymous\nPASS me@example.com\nPASV\n");
      await waitFor(/^227 .*\)/m);
      const pasv = parsePasvLine(/^227 .*$/m.exec(text)![0]) as { host: string; port: number };
      const data = run(at(pasv.port), "");
      await new Promise((r) => setTimeout(r, 500));
      ctl.stdin.write("LIST\n");
      const listing = await data;
      expect(listing.out).toContain("hello.txt");
      await waitFor(/^226 /m);
      ctl.stdin.end("QUIT\n");
    } finally {
      setTimeout(() => ctl.kill("SIGKILL"), 5000).unref();
    }
  });
});
