/**
 * [logging] from a config file: enabled = false (nothing logged anywhere), file (one JSON
 * object per line: logins, transfers with user/path/bytes/seconds/result, refused logins as
 * warnings, "connection refused" when a limit is hit), level = verbose (every command, PASS
 * masked), and console + file at the same time. Passwords never appear in clear text.
 */
import fs from "node:fs";
import { afterAll, describe, it } from "vitest";
import { stopAll } from "../harness/index.ts";
import { Ctl, ftpLogin, readJsonLog, retrieve, sleep, waitFor, withConfig, type LogEntry } from "./config-helpers.ts";

afterAll(stopAll);

const PASSWORD = "S3cr3t-Pa55-xq7";
const WRONG = "Wr0ng-Gu3ss-zk9";
const DATA = Buffer.alloc(1234, 0x61);
const FILES = { "users.txt": `anna ${PASSWORD} elradfmwMT home\n`, "home/data.bin": DATA };

/** Wait until the log file has an entry matching `pred`, and return it. */
function waitEntry(file: string, what: string, pred: (e: LogEntry) => boolean): Promise<LogEntry> {
  return waitFor(
    () => readJsonLog(file).find(pred),
    5000,
    () => `a log line with ${what} in ${file}; the file has:\n${fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "(no file)"}`,
  );
}

describe.concurrent("config: logging", () => {
  it("enabled = false: no log line on stderr and no log file, whatever happens", async ({ expect }) => {
    const ini = `[users]\nusers_file = users.txt\n[limits]\nauth_failed_delay = 0\n[logging]\nenabled = false\nconsole = true\nfile = ftpd.log\nlevel = debug\n`;
    await withConfig(ini, FILES, async ({ server, root, describe: info }) => {
      const bad = await Ctl.connect(server.port);
      await bad.expect("USER anna", 331, "USER");
      await bad.expect(`PASS ${WRONG}`, 530, "a wrong password");
      bad.destroy();
      const ftp = await ftpLogin(server, "anna", PASSWORD);
      expect((await retrieve(ftp, "data.bin")).final.code).toBe(226);
      await ftp.quit();
      await sleep(300);
      expect(server.stderr(), `logging.enabled = false, yet stderr got lines\n${info()}`).toBe("");
      expect(fs.existsSync(root.path("ftpd.log")), "logging.enabled = false, yet the log file was created").toBe(false);
    });
  });

  it("file: JSON lines for a login, a transfer (user, path, bytes, seconds, result), a refused login (warn) and a limit hit; no password", async ({
    expect,
  }) => {
    const ini = [
      "[server]",
      "max_connections = 1",
      "[users]",
      "users_file = users.txt",
      "[limits]",
      "auth_failed_delay = 0",
      "[logging]",
      "console = false",
      "file = logs/ftpd.log",
      "level = info",
    ].join("\n");
    await withConfig(ini, FILES, async ({ server, root }) => {
      const log = root.path("logs/ftpd.log"); // relative to the config file; the folder is created
      const ctl = await Ctl.connect(server.port);
      try {
        await ctl.expect("USER anna", 331, "USER");
        await ctl.expect(`PASS ${WRONG}`, 530, "a wrong password");
        const over = await Ctl.connect(server.port);
        over.check(over.greeting, 421, "max_connections = 1: a second session is refused");
        over.destroy();
        await ctl.expect("QUIT", 221, "QUIT frees the only slot");
      } finally {
        ctl.destroy();
      }
      const ftp = await ftpLogin(server, "anna", PASSWORD);
      try {
        expect((await retrieve(ftp, "data.bin")).final.code).toBe(226);
      } finally {
        await ftp.quit();
      }

      const login = await waitEntry(log, "msg=login, user=anna", (e) => e.msg === "login" && e.user === "anna");
      expect(login.level).toBe("info");
      const transfer = await waitEntry(log, "msg=transfer", (e) => e.msg === "transfer");
      expect(transfer).toMatchObject({ level: "info", user: "anna", path: "/data.bin", bytes: DATA.length, result: "ok" });
      expect(typeof transfer.seconds, "transfer.seconds is a number").toBe("number");
      const failed = await waitEntry(log, "msg=login failed", (e) => e.msg === "login failed");
      expect(failed).toMatchObject({ level: "warn", name: "anna" });
      const refused = await waitEntry(log, "msg=connection refused", (e) => e.msg === "connection refused");
      expect(refused).toMatchObject({ level: "warn", remote: "127.0.0.1" });
      expect(String(refused.reason)).toContain("Too many connections");

      const all = readJsonLog(log);
      for (const e of all) expect(typeof e.time, `every line has a time: ${JSON.stringify(e)}`).toBe("string");
      expect(all.filter((e) => e.msg === "command"), "level = info does not log commands").toEqual([]);
      const text = fs.readFileSync(log, "utf8");
      expect(text.includes(PASSWORD), "the good password is in the log file").toBe(false);
      expect(text.includes(WRONG), "the wrong password is in the log file").toBe(false);
      expect(server.stderr(), "console = false: nothing on stderr").toBe("");
    });
  });

  it("level = verbose with console and file at once: every command logged in both, PASS as ******", async ({ expect }) => {
    const ini = "[users]\nusers_file = users.txt\n[logging]\nconsole = true\nfile = ftpd.log\nlevel = verbose\n";
    await withConfig(ini, FILES, async ({ server, root }) => {
      const log = root.path("ftpd.log");
      const ftp = await ftpLogin(server, "anna", PASSWORD);
      await ftp.sendExpect("NOOP", 200, "NOOP");
      await ftp.quit();

      const pass = await waitEntry(log, 'msg=command, line="PASS ******"', (e) => e.msg === "command" && e.line === "PASS ******");
      expect(pass.level).toBe("verbose");
      await waitEntry(log, "msg=command, line=USER anna", (e) => e.msg === "command" && e.line === "USER anna");
      await waitEntry(log, "msg=command, line=NOOP", (e) => e.msg === "command" && e.line === "NOOP");
      await waitEntry(log, "msg=login", (e) => e.msg === "login" && e.user === "anna");

      const stderr = await waitFor(
        () => (/ INFO +disconnected/.test(server.stderr()) ? server.stderr() : undefined),
        5000,
        () => `the console lines on stderr; got:\n${server.stderr()}`,
      );
      expect(stderr, "console: a human line per command").toMatch(/^\S+ VERBOSE +command .*line="PASS \*\*\*\*\*\*"/m);
      expect(stderr).toMatch(/^\S+ VERBOSE +command .*line=NOOP/m);
      expect(stderr, "console: the login").toMatch(/^\S+ INFO +login .*user=anna/m);
      expect(stderr.includes("{"), "console lines are readable, not JSON").toBe(false);
      expect(stderr.includes(PASSWORD), "the password is on the console").toBe(false);
      expect(fs.readFileSync(log, "utf8").includes(PASSWORD), "the password is in the log file").toBe(false);
    });
  });
});
