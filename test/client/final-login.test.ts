/**
 * Logging in from the command line (final server): the password from --password or
 * FTP_PASSWORD; exit code 2 when the session cannot start (wrong password, nobody listening,
 * no password and no terminal to ask on).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { explain, runClient } from "./helpers.ts";

describe("client login (final server)", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: RunningServer;
  const client = (args: string[]) => runClient(args, { cwd: work.dir });

  beforeAll(async () => {
    root = makeTempRoot({ "a.txt": "hello\n", "docs/readme.md": "# readme\n" });
    work = makeTempRoot();
    server = await startServer({ root: root.dir, args: ["--auth-failed-delay", "0", "--user", `anna:s3cret:elradfmwMT:${root.dir}`, "--quota", "50M"] });
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("exit code 2 when the session cannot start: wrong password, nobody listening, no password", async () => {
    const wrong = await client([`ftp://anna:nope@127.0.0.1:${server.port}/`, "ls"]);
    expect(wrong.code, explain(wrong)).toBe(2);
    expect(wrong.stderr).toMatch(/login as anna refused: 530/);
    const closed = await client(["ftp://127.0.0.1:1/", "ls"]);
    expect(closed.code, explain(closed)).toBe(2);
    expect(closed.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1/);
    const noPassword = await client([`ftp://anna@127.0.0.1:${server.port}/`, "ls"]);
    expect(noPassword.code, explain(noPassword)).toBe(2);
    expect(noPassword.stderr).toMatch(/no password for anna/);
  });

  it("the password can come from --password or FTP_PASSWORD", async () => {
    const flag = await client(["--password", "s3cret", `ftp://anna@127.0.0.1:${server.port}/`, "pwd"]);
    expect(flag.code, explain(flag)).toBe(0);
    const env = await runClient([`ftp://anna@127.0.0.1:${server.port}/`, "pwd"], { cwd: work.dir, env: { FTP_PASSWORD: "s3cret" } });
    expect(env.code, explain(env)).toBe(0);
    expect(env.stdout.trim()).toBe("/");
  });
});
