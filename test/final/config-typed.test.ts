/**
 * A flag that sets a setting, given twice on the command line: an error naming the flag and
 * the fix (exit code 2, one line), as a key written twice in ftpd.ini is. Commander would
 * silently keep the last value, so `--masquerade-map LAN --masquerade-map VPN` served the
 * VPN rule only. --user stays repeatable (each one adds a user).
 *
 * And the server's plain settings, defaults included, come from the settings table alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultValues } from "../../final/src/config/effective.ts";
import { serverSettings } from "../../final/src/options.ts";
import { makeTempRoot, type TempRoot } from "../harness/index.ts";
import { describeRun, runCli } from "./cli-helpers.ts";

describe("a setting's flag given twice", () => {
  let dir: TempRoot;
  beforeAll(() => {
    dir = makeTempRoot({ "home/readme.txt": "x" });
  });
  afterAll(() => dir.cleanup());

  async function expectRefused(args: string[], ...patterns: RegExp[]): Promise<void> {
    const r = await runCli(["-i", "127.0.0.1", "-p", "0", "-d", dir.path("home"), ...args], { stopWhenListening: true });
    const why = describeRun(r);
    expect(r.stdout, `the server started instead of refusing the repeated flag\n${why}`).not.toMatch(/LISTENING/);
    expect(r.code, why).toBe(2);
    const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines, `stderr must be exactly one line\n${why}`).toHaveLength(1);
    for (const p of patterns) expect(lines[0], `the error line must match ${p}\n${why}`).toMatch(p);
  }

  it("--masquerade-map twice: refused, naming the flag and how to give several networks", async () => {
    await expectRefused(
      ["--masquerade-map", "192.168.0.0/16=192.168.1.10", "--masquerade-map", "10.0.0.0/8=10.0.0.2"],
      /--masquerade-map/,
      /twice/,
      /fix: /,
      /,/,
    );
  });

  it("-n (a short flag) twice: refused, naming the flag as given", async () => {
    await expectRefused(["-n", "203.0.113.7", "--nat-address", "203.0.113.8"], /--nat-address|-n/, /twice/, /fix: /);
  });

  it("-c twice: refused (the first file would be ignored)", async () => {
    await expectRefused(["-c", dir.path("a.ini"), "-c", dir.path("b.ini")], /-c|--config/, /twice/);
  });

  it("--user twice still adds two users (it is meant to repeat)", async () => {
    const r = await runCli(["-i", "127.0.0.1", "-p", "0", "--user", `anna:pw:elr:${dir.path("home")}`, "--user", `bob:pw:elr:${dir.path("home")}`], { stopWhenListening: true });
    expect(r.stdout, describeRun(r)).toMatch(/LISTENING/);
    expect(r.stderr, describeRun(r)).toBe("");
  });

  it("-p given once with --print-config: the effective settings, unchanged", async () => {
    const r = await runCli(["-p", "2200", "--masquerade-map", "10.0.0.0/8=10.0.0.2", "--print-config"]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toMatch(/^server\.port = 2200 +# command line -p;/m);
    expect(r.stdout).toMatch(/^passive\.masquerade_map = 10\.0\.0\.0\/8=10\.0\.0\.2 +# command line --masquerade-map;/m);
  });
});

describe("the server's settings come from the one settings table", () => {
  it("its defaults are the table's, as the second defaults table (withDefaults) had them", () => {
    expect(serverSettings(defaultValues())).toEqual({
      host: "127.0.0.1",
      port: 2121,
      banner: "ftp-lab FTP server ready.",
      loginMessage: "Login successful.",
      quitMessage: "Goodbye.",
      maxConnections: 512,
      maxConnectionsPerIp: 32,
      passiveRange: undefined,
      masqueradeAddress: undefined,
      masqueradeMap: undefined,
      readLimit: 0,
      writeLimit: 0,
      idleTimeoutSec: 300,
      dataTimeoutSec: 300,
      passiveAcceptTimeoutSec: 30,
      authFailedDelayMs: 2000,
      maxLoginAttempts: 3,
      banAfter: 10,
      banSeconds: 600,
      permitForeignAddresses: false,
      permitPrivilegedPorts: false,
      refuseHardLinks: false,
      atomicUploads: false,
      tlsControlRequired: false,
      tlsDataRequired: false,
      maxLineLength: 4096,
    });
  });
});
