/**
 * The command line: --help, and every bad argument exits with code 2 and exactly one line
 * on stderr that names the problem (users-file errors name file:line).
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, type TempRoot } from "../harness/index.ts";
import { describeRun, runCli } from "./cli-helpers.ts";

describe("ftpd --help", () => {
  it("exits 0 and lists the pyftpdlib-style flags", async () => {
    const r = await runCli(["--help"]);
    expect(r.code, describeRun(r)).toBe(0);
    const flags = ["-i", "-p", "-w", "-d", "-n", "-r", "-u", "-P", "-D", "-V", "--users", "--banner", "--timeout", "--max-login-attempts", "--auth-failed-delay", "--permit-foreign-addresses", "--permit-privileged-ports"];
    const missing = flags.filter((f) => !new RegExp(`(^|[\\s,])${f.replace(/-/g, "\\-")}(?=[\\s,]|$)`, "m").test(r.stdout));
    expect(missing, `--help does not mention: ${missing.join(" ")}\n${describeRun(r)}`).toEqual([]);
    expect(r.stdout).not.toMatch(/LISTENING/);
  });
});

describe.concurrent("bad arguments: exit code 2 and one line on stderr naming the problem", () => {
  let dir: TempRoot;
  const files: Record<string, string> = {};
  beforeAll(() => {
    dir = makeTempRoot({ "home/readme.txt": "x" });
    const home = dir.path("home");
    const write = (name: string, text: string) => {
      fs.writeFileSync(dir.path(name), text);
      files[name] = dir.path(name);
    };
    write("fields.txt", `# comment\n\nanna s3cret elr\n`);
    write("perm.txt", `anna s3cret elr ${home}\nbob pw elrZ ${home}\n`);
    write("dup.txt", `anna s3cret elr ${home}\n# again:\nanna other elr ${home}\n`);
    write("nohome.txt", `anna s3cret elr ${home}\nbob pw elr ${dir.path("no-such-home")}\n`);
  });
  afterAll(() => dir.cleanup());

  /** Runs and checks exit code 2, one stderr line matching all `patterns`, no LISTENING. */
  async function expectUsageError(args: string[], ...patterns: RegExp[]): Promise<string> {
    const r = await runCli(args);
    const why = describeRun(r);
    const hung = /LISTENING/.test(r.stdout) ? "the server started instead of refusing the arguments" : "the process did not exit in time (and printed no LISTENING line)";
    expect(r.timedOut, `${hung}\n${why}`).toBe(false);
    expect(r.code, why).toBe(2);
    const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines, `stderr must be exactly one line\n${why}`).toHaveLength(1);
    for (const p of patterns) expect(lines[0], `the error line must match ${p}\n${why}`).toMatch(p);
    expect(r.stdout, why).not.toMatch(/LISTENING/);
    return lines[0]!;
  }

  it("an unknown flag", async () => {
    await expectUsageError(["-p", "0", "--no-such-flag"], /--no-such-flag/);
  });

  it("-p 70000 (out of range)", async () => {
    await expectUsageError(["-p", "70000"], /70000/, /-p|port/);
  });

  it("-p abc (not a number)", async () => {
    await expectUsageError(["-p", "abc"], /abc/, /-p|port/);
  });

  it("-r 5-1 (range backwards)", async () => {
    await expectUsageError(["-p", "0", "-r", "5-1"], /5-1/, /range|-r/);
  });

  it("-r x (not a range)", async () => {
    await expectUsageError(["-p", "0", "-r", "x"], /"x"|range/, /-r|range/);
  });

  it("-n not-an-ip", async () => {
    await expectUsageError(["-p", "0", "-n", "not-an-ip"], /not-an-ip/, /-n|address|IP/i);
  });

  it("-d /nonexistent", async () => {
    await expectUsageError(["-p", "0", "-d", "/nonexistent-ftp-lab-folder"], /\/nonexistent-ftp-lab-folder/);
  });

  it("-u without -P", async () => {
    await expectUsageError(["-p", "0", "-d", dir.dir, "-u", "anna"], /-P|password/);
  });

  it("a users file line with the wrong number of fields: file:line", async () => {
    await expectUsageError(["-p", "0", "--users", files["fields.txt"]!], new RegExp(`${files["fields.txt"]}:3\\b`), /field/);
  });

  it("a users file line with an unknown permission letter: file:line", async () => {
    await expectUsageError(["-p", "0", "--users", files["perm.txt"]!], new RegExp(`${files["perm.txt"]}:2\\b`), /Z/, /perm/i);
  });

  it("a users file with a duplicate user: file:line", async () => {
    await expectUsageError(["-p", "0", "--users", files["dup.txt"]!], new RegExp(`${files["dup.txt"]}:3\\b`), /anna/);
  });

  it("a users file with a missing home folder: file:line", async () => {
    await expectUsageError(["-p", "0", "--users", files["nohome.txt"]!], new RegExp(`${files["nohome.txt"]}:2\\b`), /no-such-home|home/);
  });

  it("a users file that does not exist", async () => {
    await expectUsageError(["-p", "0", "--users", dir.path("absent.txt")], /absent\.txt/);
  });
});
