/**
 * How the bench starts each server (command lines and vsftpd's config), its options, and the
 * small parsers it reads /proc and profiles with. No server is started here.
 */
import { describe, expect, it } from "vitest";
import { logIssues } from "../../tools/bench/run.ts";
import { parseOptions, parseSize, QUICK, UsageError } from "../../tools/bench/options.ts";
import { oursClusterPlan, oursPlan, plan, pyftpdlibPlan, shellLine, vsftpdConfig, withFileLimit, type PlanContext } from "../../tools/bench/peers.ts";
import { parseSmapsRollup, parseStat } from "../../tools/bench/procfs.ts";
import { summarizeProfile } from "../../tools/bench/profile.ts";
import { rowTimeoutMs, sizeText } from "../../tools/bench/rows.ts";

const ctx: PlanContext = {
  repoRoot: "/repo",
  home: "/tmp/b/home",
  runDir: "/tmp/b/run",
  host: "127.0.0.1",
  node: "/usr/bin/node",
  python: "/usr/bin/python3",
  vsftpd: "/usr/sbin/vsftpd",
};

describe("peer command lines", () => {
  it("ours: the documented command line, no session limit, port 0", () => {
    const p = oursPlan(ctx);
    expect(p.command).toBe("/usr/bin/node");
    expect(p.args).toEqual(["--import", "tsx", "final/src/main.ts", "-i", "127.0.0.1", "-p", "0", "-d", "/tmp/b/home", "-w", "--max-cons", "0", "--max-cons-per-ip", "0"]);
    expect(p.cwd).toBe("/repo");
    expect(p.ready).toEqual({ kind: "stdout" });
  });

  it("ours compiled (the default in a run): node runs main.js from the build folder, same flags", () => {
    const p = oursPlan({ ...ctx, serverDir: "/repo/dist/bench-server" });
    expect(p.args).toEqual(["/repo/dist/bench-server/main.js", "-i", "127.0.0.1", "-p", "0", "-d", "/tmp/b/home", "-w", "--max-cons", "0", "--max-cons-per-ip", "0"]);
  });

  it("ours without logging reads a one-line config; with a log file adds --log-file", () => {
    const nolog = oursPlan(ctx, "ours-nolog");
    expect(nolog.args.slice(-2)).toEqual(["-c", "/tmp/b/run/ours-nolog.ini"]);
    expect(nolog.files).toEqual([{ path: "/tmp/b/run/ours-nolog.ini", content: "[logging]\nenabled = false\n" }]);
    expect(oursPlan(ctx, "ours-logfile").args.slice(-2)).toEqual(["--log-file", "/tmp/b/run/ours-log.jsonl"]);
  });

  it("ours on both cores: the cluster launcher with 2 workers, the compiled main and the same flags, measured as a process tree", () => {
    const p = oursClusterPlan({ ...ctx, serverDir: "/repo/dist/bench-server" });
    expect(p.args).toEqual(["--import", "tsx", "tools/bench/cluster-launcher.ts", "2", "/repo/dist/bench-server/main.js", "-i", "127.0.0.1", "-p", "0", "-d", "/tmp/b/home", "-w", "--max-cons", "0", "--max-cons-per-ip", "0"]);
    expect(p.forks).toBe(true);
  });

  it("ours under --profile: node --cpu-prof before the loader", () => {
    expect(oursPlan({ ...ctx, profileDir: "/p" }).args.slice(0, 3)).toEqual(["--cpu-prof", "--cpu-prof-dir", "/p"]);
  });

  it("pyftpdlib: the launcher with host, port 0 and home", () => {
    expect(pyftpdlibPlan(ctx).args).toEqual(["/repo/tools/bench/pyftpdlib-launcher.py", "127.0.0.1", "0", "/tmp/b/home"]);
  });

  it("ftp-srv: the launcher with a passive range above the ephemeral ports", () => {
    expect(plan("ftp-srv", ctx).args).toEqual(["--import", "tsx", "tools/bench/ftp-srv-launcher.ts", "127.0.0.1", "/tmp/b/home", "61000", "64999"]);
  });

  it("vsftpd: a fixed port, probed; run under the subreaper; its config written first", () => {
    expect(() => plan("vsftpd", ctx)).toThrow(/port/);
    const p = plan("vsftpd", { ...ctx, port: 40021 });
    expect(p.command).toBe("/usr/bin/python3");
    expect(p.args).toEqual(["/repo/tools/bench/subreaper.py", "/usr/sbin/vsftpd", "/tmp/b/run/vsftpd.conf"]);
    expect(p).toMatchObject({ forks: true, reaper: true, ready: { kind: "probe", port: 40021 } });
    expect(p.files[0]!.content).toContain("listen_port=40021\n");
  });

  it("vsftpd's config: standalone in the foreground, anonymous upload, no session limits", () => {
    const lines = vsftpdConfig({ host: "127.0.0.1", port: 2121, home: "/h", emptyDir: "/e", logDir: "/l" }).split("\n");
    for (const l of [
      "listen=YES",
      "background=NO",
      "listen_address=127.0.0.1",
      "anonymous_enable=YES",
      "anon_root=/h",
      "write_enable=YES",
      "anon_upload_enable=YES",
      "max_clients=0",
      "max_per_ip=0",
      "seccomp_sandbox=NO",
      "secure_chroot_dir=/e",
      "xferlog_file=/l/xferlog",
    ]) {
      expect(lines).toContain(l);
    }
  });

  it("every server runs with a raised open-file limit, keeping its pid (exec)", () => {
    const w = withFileLimit("/usr/bin/node", ["a b"], 65536);
    expect(w.command).toBe("/bin/sh");
    expect(w.args[1]).toBe('ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"');
    expect(w.args.slice(2)).toEqual(["sh", "/usr/bin/node", "a b"]);
    expect(shellLine(w.command, w.args)).toBe(`/bin/sh -c 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"' sh /usr/bin/node 'a b'`);
  });
});

describe("options", () => {
  it("defaults: N = 200, 3 rounds, every server and variant, the docs file", () => {
    const o = parseOptions([]);
    if (o === "help") throw new Error("help");
    expect(o.params).toMatchObject({ clients: 200, bigBytes: 512 * 2 ** 20, fileBytes: 10 * 2 ** 20, listEntries: 10_000, maxSessions: 1000 });
    expect(o.rounds).toBe(3);
    expect(o.servers).toEqual(["ours", "pyftpdlib", "vsftpd", "ftp-srv", "ours-nolog", "ours-logfile", "ours-cluster"]);
    expect(o.docs).toBe("docs/benchmarks.md");
  });

  it("--quick presets, and explicit flags win over them", () => {
    const o = parseOptions(["--quick", "--clients", "50", "--no-docs", "--no-logging-variants"]);
    if (o === "help") throw new Error("help");
    expect(o.params.clients).toBe(50);
    expect(o.params.bigBytes).toBe(QUICK.big);
    expect(o.params.maxSessions).toBe(0);
    expect(o.rounds).toBe(1);
    expect(o.docs).toBeNull();
    expect(o.servers).toEqual(["ours", "pyftpdlib", "vsftpd", "ftp-srv"]);
  });

  it("sizes in binary units; bad values are usage errors", () => {
    expect(parseSize("512M")).toBe(512 * 2 ** 20);
    expect(parseSize("1GiB")).toBe(2 ** 30);
    expect(parseSize("64k")).toBe(65536);
    expect(() => parseSize("lots")).toThrow();
    expect(() => parseOptions(["--servers", "ours,proftpd"])).toThrow(/unknown server proftpd/);
    expect(() => parseOptions(["--clients", "0"])).toThrow(UsageError);
  });

  it("row timeouts grow with bytes and sessions", () => {
    expect(rowTimeoutMs(0, 0, 1)).toBe(20_000);
    expect(rowTimeoutMs(100 * 2 ** 20, 200, 1)).toBe(50_000);
    expect(rowTimeoutMs(0, 0, 2)).toBe(40_000);
    expect(sizeText(512 * 2 ** 20)).toBe("512 MiB");
    expect(sizeText(2 ** 30)).toBe("1 GiB");
  });
});

describe("/proc, logs and profiles", () => {
  it("reads utime, stime and the reaped children's times from /proc/PID/stat, odd names too", () => {
    const fields = ["S", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"].join(" ");
    expect(parseStat(`42 (a (weird) name) ${fields} 20 0 99`)).toEqual({ pid: 42, ppid: 1, utime: 11, stime: 12, cutime: 13, cstime: 14 });
    expect(parseStat("garbage")).toBeNull();
    const self = parseStat(`${process.pid} (node) S 1 ${"0 ".repeat(9)}7 8 9 10`);
    expect(self).toMatchObject({ utime: 7, stime: 8, cutime: 9, cstime: 10 });
  });

  it("reads Rss and Pss from smaps_rollup", () => {
    const text = "55d0-7ff [rollup]\nRss:               88704 kB\nPss:               45620 kB\nPss_Dirty:  1 kB\n";
    expect(parseSmapsRollup(text)).toEqual({ rssKiB: 88704, pssKiB: 45620 });
    expect(parseSmapsRollup("nothing")).toBeNull();
  });

  it("finds error and warning lines in each server's log format", () => {
    const log = [
      "2026-11-21T11:48:38.845Z INFO    connected session=1",
      "2026-11-21T11:48:38.846Z ERROR   transfer failed",
      "[I 2026-11-21 11:48:45] FTP session opened",
      "[E 2026-11-21 11:48:45] Traceback (most recent call last):",
      '{"name":"ftp-srv","level":50,"msg":"x"}',
      '{"name":"ftp-srv","level":30,"msg":"Listening"}',
    ].join("\n");
    expect(logIssues(log).count).toBe(3);
  });

  it("charges each sample's time to its function and leaves idle out", () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 } },
        { id: 2, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
        { id: 3, callFrame: { functionName: "onLine", url: "file:///repo/final/src/session.ts", lineNumber: 9 } },
        { id: 4, callFrame: { functionName: "write", url: "node:net", lineNumber: 1 } },
      ],
      samples: [3, 3, 4, 2, 3],
      timeDeltas: [0, 1000, 1000, 1000, 5000],
    };
    const s = summarizeProfile(profile, "/repo", "x.cpuprofile");
    expect(s.totalMs).toBe(3);
    expect(s.top[0]).toEqual({ functionName: "onLine", location: "final/src/session.ts:10", selfMs: 2, selfPercent: 66.7 });
    expect(s.top[1]).toMatchObject({ functionName: "write", location: "node:net" });
    // leaving the first 2.5 ms out (the start-up) drops the intervals that ended by then
    const late = summarizeProfile(profile, "/repo", "x.cpuprofile", 25, 2.5);
    expect(late).toMatchObject({ totalMs: 1, skippedMs: 3 });
    expect(late.top.map((e) => e.functionName)).toEqual(["write"]);
  });
});
