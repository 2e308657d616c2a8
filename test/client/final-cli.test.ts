/**
 * The client's command line against the final server: the ways to give commands (words after
 * the URL, -c, stdin, the URL's folder) and exit codes (0, 1 a command failed, 2 usage error).
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { explain, runClient } from "./helpers.ts";

describe("client command line and exit codes (final server)", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: RunningServer;
  let url: string;
  const client = (args: string[], input?: string) => runClient([...args], { cwd: work.dir, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    root = makeTempRoot({ "a.txt": "hello\n", "docs/readme.md": "# readme\n" });
    work = makeTempRoot();
    server = await startServer({ root: root.dir, args: ["--auth-failed-delay", "0", "--user", `anna:s3cret:elradfmwMT:${root.dir}`, "--quota", "50M"] });
    url = `ftp://anna:s3cret@127.0.0.1:${server.port}/`;
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("commands as words after the URL, in one word, with -c, from stdin, and the URL's folder", async () => {
    const words = await client([url, "cd", "docs", ";", "pwd"]);
    expect(words.stdout.trim(), explain(words)).toBe("/docs");
    const stdin = await client([url], "cd docs\n# a comment\npwd\n");
    expect(stdin.code, explain(stdin)).toBe(0);
    expect(stdin.stdout.trim()).toBe("/docs");
    // One word holding several commands, and a URL that names the folder to start in.
    const folder = await client([`${url}docs/`, "pwd; cd ..; pwd"]);
    expect(folder.stdout.trim().split("\n"), explain(folder)).toEqual(["/docs", "/"]);
  });

  it("exit code 1 when a command fails (the rest does not run), and the server's reply says why", async () => {
    const run = await client([url, "get missing.txt; get a.txt"]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.stderr).toMatch(/get missing\.txt: 550 /);
    expect(fs.existsSync(work.path("a.txt"))).toBe(false);
    expect(fs.existsSync(work.path("missing.txt.part"))).toBe(false);
  });

  it("exit code 2 for usage errors: an unknown command, options after the URL", async () => {
    const unknown = await client([url, "fetch", "a.txt"]);
    expect(unknown.code, explain(unknown)).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "fetch"/);
    const late = await client([url, "--debug", "ls"]);
    expect(late.code, explain(late)).toBe(2);
    expect(late.stderr).toMatch(/options go before the URL \(--debug came after it\)/);
  });

});
