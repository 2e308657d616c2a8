/**
 * The client against the course's final server, from the command line: ls, get, put, mkdir,
 * rename, rm, rmdir byte for byte; mget/mput with wildcards.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { bytes, explain, runClient, sha256 } from "./helpers.ts";

const DATA = bytes(0xc11e, 700_000);

describe("client against the final server: files", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: RunningServer;
  let url: string;
  const client = (args: string[], input?: string) => runClient([...args], { cwd: work.dir, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    root = makeTempRoot({ "a.txt": "hello\n", "data.bin": DATA, "docs/readme.md": "# readme\n", "docs/notes.md": "notes\n", "docs/skip.txt": "x", "my file.txt": "spaces\n" });
    work = makeTempRoot({ "local.bin": bytes(7, 300_000), "one.log": "1\n", "two.log": "22\n", "other.txt": "no\n" });
    server = await startServer({ root: root.dir, args: ["--auth-failed-delay", "0", "--user", `anna:s3cret:elradfmwMT:${root.dir}`, "--quota", "50M"] });
    url = `ftp://anna:s3cret@127.0.0.1:${server.port}/`;
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("get, mkdir, put, rename and ls in one run, byte for byte, each transfer checked with HASH", async () => {
    const run = await client(["-c", 'get data.bin; get "my file.txt"; mkdir up; put local.bin up/local.bin; rename up/local.bin up/renamed.bin; ls up', url]);
    expect(run.code, explain(run, server)).toBe(0);
    expect(sha256(work.read("data.bin"))).toBe(sha256(DATA));
    expect(work.read("my file.txt").toString()).toBe("spaces\n");
    expect(sha256(root.read("up/renamed.bin"))).toBe(sha256(work.read("local.bin")));
    expect(fs.existsSync(root.path("up/local.bin"))).toBe(false);
    expect(run.stdout).toMatch(/257 "\/up"/);
    expect(run.stdout).toMatch(/get data\.bin: 683\.6 KB in [\d.]+ s.*; verified: SHA-256 [0-9a-f]{16}… matches the server's/);
    expect(run.stdout).toMatch(/put up\/local\.bin: .*verified: SHA-256/);
    expect(run.stdout).toMatch(/^-rw\S+\s.*\srenamed\.bin$/m);
    expect(fs.readdirSync(work.dir).filter((n) => n.endsWith(".part"))).toEqual([]);
  });

  it("rm and rmdir remove what put and mkdir made", async () => {
    fs.mkdirSync(root.path("gone"), { recursive: true });
    fs.writeFileSync(root.path("gone/x.txt"), "x");
    const run = await client([url, "rm", "gone/x.txt", ";", "rmdir", "gone"]);
    expect(run.code, explain(run, server)).toBe(0);
    expect(fs.existsSync(root.path("gone"))).toBe(false);
  });

  it("mget and mput take wildcards (a folder part in mget, only files, no dot files)", async () => {
    const run = await client([url, "mget docs/*.md; mput *.log"]);
    expect(run.code, explain(run, server)).toBe(0);
    expect(work.read("readme.md").toString()).toBe("# readme\n");
    expect(work.read("notes.md").toString()).toBe("notes\n");
    expect(fs.existsSync(work.path("skip.txt"))).toBe(false);
    expect(root.read("one.log").toString()).toBe("1\n");
    expect(root.read("two.log").toString()).toBe("22\n");
    expect(fs.existsSync(root.path("other.txt"))).toBe(false);
    const none = await client([url, "mget", "*.nothing"]);
    expect(none.code, explain(none)).toBe(1);
    expect(none.stderr).toMatch(/no files on the server match \*\.nothing/);
  });
});
