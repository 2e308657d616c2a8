/**
 * Lesson 7 over a real NAT: the same cases as router-nat.test.ts, but the router is the Linux
 * kernel with iptables, as in a home router, and every machine is a network namespace:
 *
 *   wan 10.77.2.2 ──── 10.77.2.1 [router] 10.77.1.1 ──┬── lan 10.77.1.2 (the FTP server, -i 0.0.0.0)
 *   (a client on the internet)  DNAT in, MASQUERADE out └── lanclient 10.77.1.3 (a LAN client)
 *
 * The router forwards (DNAT) each server's control port and passive range to 10.77.1.2, hides the
 * LAN behind its WAN address for outgoing connections (MASQUERADE), and forwards nothing else
 * from the WAN (FORWARD policy DROP; only DNATed and established connections pass). The WAN
 * namespace has no route to 10.77.1.0/24, as the internet has none to your private addresses:
 * a client that trusts a private 227 address fails with "Network is unreachable" (on the real
 * internet it would rather hang until its connect timeout). Unlike `npm run router`, a kernel
 * NAT keeps the client's address: the server sees 10.77.2.2, not the router.
 *
 * The clients are curl in the namespaces (`--disable-epsv --no-ftp-skip-pasv-ip` makes curl
 * use PASV and trust the 227 address; its defaults use EPSV). Servers:
 *
 *   A :2121 60000-60009  no masquerade         case 1 (227 says 10,77,1,2), and EPSV
 *   B :2122 60010-60019  --nat-address 10.77.2.1   case 2 (through the router)
 *   C :2123 60020-60029  --masquerade-map 10.77.1.0/24=10.77.1.2 --nat-address 10.77.2.1   case 3
 *   D :2124 60030-60039  --nat-address 10.77.2.1, only the control port forwarded
 *
 * Needs Linux, root, `ip` (iproute2), iptables (nft or legacy) and curl; it creates its own
 * namespaces (ftplab-*-<random>) and deletes them in afterAll (and at exit), touching nothing
 * else. Where it cannot run it is skipped with the reason (not root, no namespaces); as root,
 * a missing ip, iptables or curl skips it outside CI and fails it in CI (tools-available.ts). FTP_LAB_NO_NETNS=1 skips it too;
 * FTP_LAB_IPTABLES=iptables-legacy (or iptables-nft) picks the variant (default: the first of
 * iptables, iptables-nft, iptables-legacy that can add a NAT rule in a namespace).
 *
 * Run: npx vitest run test/router/real-nat.test.ts   (as root; CI runs as root)
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HarnessError, REPO_ROOT, makeTempRoot, parseListeningLine, shellQuote, targetEntry, type TempRoot } from "../harness/index.ts";
import { indent, lastLines, payload, sha256, targetName } from "../lessons/stage-helpers.ts";
import { missingToolError, requireTools, type ToolGate } from "../harness/tools-available.ts";

const LAN_NET = "10.77.1.0/24";
const ROUTER_LAN = "10.77.1.1";
const SERVER = "10.77.1.2";
const LAN_CLIENT = "10.77.1.3";
const PUBLIC = "10.77.2.1";
const WAN_CLIENT = "10.77.2.2";

const suffix = randomBytes(3).toString("hex");
const NS = { lan: `ftplab-lan-${suffix}`, lanclient: `ftplab-lc-${suffix}`, router: `ftplab-rtr-${suffix}`, wan: `ftplab-wan-${suffix}` };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  command: string;
}

function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<Run> {
  const command = [cmd, ...args].map(shellQuote).join(" ");
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, env: noProxyEnv() }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === -1 ? `\n${err.message}` : ""), command });
    });
  });
}

/** Proxy variables would send curl elsewhere: the test talks to its namespaces only. */
function noProxyEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)));
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new HarnessError(`setup step failed (exit ${r.code}): ${r.command}\n${indent(r.stderr || r.stdout)}`);
  return r.stdout;
}

// ---- can it run here? -------------------------------------------------------------------------

async function whyNot(): Promise<{ reason: string; tools?: ToolGate } | { iptables: string }> {
  if (process.env.FTP_LAB_NO_NETNS) return { reason: "FTP_LAB_NO_NETNS is set" };
  if (process.platform !== "linux") return { reason: "network namespaces are Linux only" };
  if (process.getuid?.() !== 0) return { reason: "not root (namespaces and iptables need root; CI runs as root)" };
  // As root (CI runs as root), a missing tool is tools-available.ts's case: skipped outside CI, a failure in CI.
  const tools = requireTools("ip", "iptables", "curl");
  if (tools.missing.length) return { reason: tools.reason, tools };
  const probe = `ftplab-probe-${suffix}`;
  const added = await run("ip", ["netns", "add", probe]);
  if (added.code !== 0) return { reason: `network namespaces not permitted here: ${added.stderr.trim()}` };
  try {
    const tried: string[] = [];
    const choices = process.env.FTP_LAB_IPTABLES ? [process.env.FTP_LAB_IPTABLES] : ["iptables", "iptables-nft", "iptables-legacy"];
    for (const iptables of choices) {
      const r = await run("ip", ["netns", "exec", probe, iptables, "-t", "nat", "-A", "POSTROUTING", "-o", "lo", "-j", "MASQUERADE"]);
      if (r.code === 0) return { iptables };
      tried.push(`${iptables}: ${(r.stderr.trim().split("\n")[0] ?? "").slice(0, 120) || `exit ${r.code}`}`);
    }
    return { reason: `no iptables that works inside a namespace (apt-get install iptables): ${tried.join("; ")}` };
  } finally {
    await run("ip", ["netns", "del", probe]);
  }
}

const probe = await whyNot();
const skipReason = "reason" in probe ? probe.reason : null;
const IPTABLES = "iptables" in probe ? probe.iptables : "iptables";
const toolGate = "tools" in probe ? (probe.tools ?? null) : null;
if (skipReason) console.log(`real-nat: ${toolGate?.fail ? "cannot run" : "skipped"}: ${skipReason}`);

// ---- the network ------------------------------------------------------------------------------

interface Server {
  name: string;
  port: number;
  range: [number, number];
  args: string[];
  /** DNAT the passive range too (false: only the control port). */
  forwardRange: boolean;
  root?: TempRoot;
  proc?: ChildProcess;
  out: string;
  command?: string;
}

const FILE = payload(100_000, 11);
const servers: Record<"plain" | "nat" | "map" | "unforwarded", Server> = {
  plain: { name: "A", port: 2121, range: [60000, 60009], args: [], forwardRange: true, out: "" },
  nat: { name: "B", port: 2122, range: [60010, 60019], args: ["-w", "--nat-address", PUBLIC], forwardRange: true, out: "" },
  map: { name: "C", port: 2123, range: [60020, 60029], args: ["--masquerade-map", `${LAN_NET}=${SERVER}`, "--nat-address", PUBLIC], forwardRange: true, out: "" },
  unforwarded: { name: "D", port: 2124, range: [60030, 60039], args: ["--nat-address", PUBLIC], forwardRange: false, out: "" },
};

/** The router's iptables rules, as a home router has them (printed in failure messages). */
function routerRules(): string[][] {
  const dnat = Object.values(servers).flatMap((s) => [
    ["-t", "nat", "-A", "PREROUTING", "-i", "wan0", "-p", "tcp", "--dport", String(s.port), "-j", "DNAT", "--to-destination", SERVER],
    ...(s.forwardRange ? [["-t", "nat", "-A", "PREROUTING", "-i", "wan0", "-p", "tcp", "--dport", `${s.range[0]}:${s.range[1]}`, "-j", "DNAT", "--to-destination", SERVER]] : []),
  ]);
  return [
    ...dnat,
    ["-t", "nat", "-A", "POSTROUTING", "-o", "wan0", "-j", "MASQUERADE"],
    ["-P", "FORWARD", "DROP"],
    ["-A", "FORWARD", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
    ["-A", "FORWARD", "-i", "br0", "-o", "br0", "-j", "ACCEPT"],
    ["-A", "FORWARD", "-i", "br0", "-o", "wan0", "-j", "ACCEPT"],
    ["-A", "FORWARD", "-i", "wan0", "-o", "br0", "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT"],
  ];
}

const ipn = (ns: string, ...args: string[]) => must("ip", ["-n", ns, ...args]);
const inNs = (ns: string, cmd: string, ...args: string[]) => must("ip", ["netns", "exec", ns, cmd, ...args]);

const created: string[] = [];
const timings: string[] = [];
let setupError: Error | undefined;
let configDir: string | undefined;

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings.push(`${label} ${Math.round(performance.now() - t0)} ms`);
  }
}

async function buildNetwork(): Promise<void> {
  for (const ns of Object.values(NS)) {
    await must("ip", ["netns", "add", ns]);
    created.push(ns);
    await ipn(ns, "link", "set", "lo", "up");
  }
  // veth pairs made inside the router's namespace, the far end moved straight into its host:
  // nothing ever appears in this machine's own namespace.
  await ipn(NS.router, "link", "add", "br0", "type", "bridge");
  await ipn(NS.router, "link", "add", "lan0", "type", "veth", "peer", "name", "eth0", "netns", NS.lan);
  await ipn(NS.router, "link", "add", "lan1", "type", "veth", "peer", "name", "eth0", "netns", NS.lanclient);
  await ipn(NS.router, "link", "add", "wan0", "type", "veth", "peer", "name", "eth0", "netns", NS.wan);
  await ipn(NS.router, "link", "set", "lan0", "master", "br0");
  await ipn(NS.router, "link", "set", "lan1", "master", "br0");
  await ipn(NS.router, "addr", "add", `${ROUTER_LAN}/24`, "dev", "br0");
  await ipn(NS.router, "addr", "add", `${PUBLIC}/24`, "dev", "wan0");
  for (const dev of ["br0", "lan0", "lan1", "wan0"]) await ipn(NS.router, "link", "set", dev, "up");
  for (const [ns, addr] of [
    [NS.lan, SERVER],
    [NS.lanclient, LAN_CLIENT],
    [NS.wan, WAN_CLIENT],
  ] as const) {
    await ipn(ns, "addr", "add", `${addr}/24`, "dev", "eth0");
    await ipn(ns, "link", "set", "eth0", "up");
  }
  // LAN hosts go out through the router; the WAN client has no route to the LAN (private addresses are not routed on the internet).
  await ipn(NS.lan, "route", "add", "default", "via", ROUTER_LAN);
  await ipn(NS.lanclient, "route", "add", "default", "via", ROUTER_LAN);
  await inNs(NS.router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
  for (const rule of routerRules()) await inNs(NS.router, IPTABLES, ...rule);
}

function startServerIn(s: Server, config: string): Promise<void> {
  s.root = makeTempRoot({ "readme.txt": "behind a real router\n", "big.bin": FILE });
  const argv = ["netns", "exec", NS.lan, process.execPath, "--import", "tsx", targetEntry(), "-i", "0.0.0.0", "-p", String(s.port), "-d", s.root.dir, "--range", `${s.range[0]}-${s.range[1]}`, "--config", config, ...s.args];
  s.command = ["ip", ...argv].map(shellQuote).join(" ");
  const proc = spawn("ip", argv, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  s.proc = proc;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new HarnessError(`server ${s.name} did not print LISTENING within 25 s\n  command: ${s.command}\n${indent(s.out)}`)), 25_000);
    const onData = (c: Buffer) => {
      s.out += c.toString();
      if (s.out.split("\n").some((l) => parseListeningLine(l.replace(/\r$/, "")))) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", (c: Buffer) => (s.out += c.toString()));
    proc.once("close", (code) => {
      clearTimeout(timer);
      reject(new HarnessError(`server ${s.name} exited (${code}) before LISTENING\n  command: ${s.command}\n${indent(s.out)}`));
    });
  });
}

function stopServer(s: Server): Promise<void> {
  const proc = s.proc;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => proc.kill("SIGKILL"), 2000);
    proc.once("close", () => {
      clearTimeout(killer);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

function deleteNamespacesSync(): void {
  for (const ns of created.splice(0)) {
    // Anything still running inside (a server that would not stop) goes first.
    const pids = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout?.split(/\s+/).filter(Boolean) ?? [];
    for (const pid of pids) spawnSync("kill", ["-9", pid]);
    spawnSync("ip", ["netns", "del", ns]);
  }
}

// If the test process ends without afterAll (a crash), don't leave namespaces behind.
process.once("exit", () => {
  for (const s of Object.values(servers)) s.proc?.kill("SIGKILL");
  deleteNamespacesSync();
});

function about(s?: Server): string {
  const rules = routerRules().map((r) => `${IPTABLES} ${r.join(" ")}`);
  return [
    ...(s ? [`  server ${s.name}: ${s.command}`, `  server output:\n${indent(lastLines(s.out))}`] : []),
    `  router rules (in ${NS.router}):\n${indent(rules.join("\n"))}`,
    `  timings: ${timings.join(", ")}`,
  ].join("\n");
}

async function curlIn(ns: string, args: string[]): Promise<Run> {
  return run("ip", ["netns", "exec", ns, "curl", "-sS", "--noproxy", "*", "--max-time", "10", ...args], 15_000);
}

const trusting = ["--disable-epsv", "--no-ftp-skip-pasv-ip", "-v"];

function ready(s: Server): void {
  if (setupError) throw setupError;
  if (!s.proc) throw new Error("the setup did not finish (see beforeAll)");
}

function expectCurl(r: Run, s: Server, ok: boolean, what: string): void {
  if ((r.code === 0) !== ok) {
    throw new HarnessError(`${what}: ${r.command} ${r.code === 0 ? "worked" : `failed (exit ${r.code})`}, expected it to ${ok ? "work" : "fail"}.\n  curl stderr:\n${indent(lastLines(r.stderr, 25))}\n${about(s)}`);
  }
}

const tuple = (addr: string) => addr.replace(/\./g, ",");

beforeAll(async () => {
  if (skipReason) return;
  try {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-nat-"));
    const config = path.join(configDir, "ftpd.ini");
    fs.writeFileSync(config, "[limits]\npassive_timeout = 3\n");
    await timed("network", buildNetwork);
    await timed("servers", () => Promise.all(Object.values(servers).map((s) => startServerIn(s, config))));
  } catch (err) {
    setupError = err instanceof Error ? err : new Error(String(err));
    setupError.message = `[target: ${targetName()}] the real-NAT setup failed:\n${setupError.message}\n${about()}`;
  }
}, 45_000);

afterAll(async () => {
  await Promise.all(Object.values(servers).map(stopServer));
  deleteNamespacesSync();
  for (const s of Object.values(servers)) s.root?.cleanup();
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  if (!skipReason) console.log(`real-nat (${IPTABLES}): ${timings.join(", ")}`);
});

if (toolGate?.fail) {
  describe(`lesson 7 over a real NAT (network namespaces)${toolGate.marker}`, () => {
    it(`needs ${toolGate.missing.join(" and ")}`, () => {
      throw missingToolError(toolGate);
    });
  });
}

describe.skipIf(skipReason !== null)(`lesson 7 over a real NAT (network namespaces, ${IPTABLES})${skipReason ? ` (skipped: ${skipReason})${toolGate?.skip ? toolGate.marker : ""}` : ""}`, () => {
  describe.concurrent("case 1: no --nat-address (server A)", () => {
    const s = servers.plain;
    const url = `ftp://${PUBLIC}:${s.port}/`;

    it(`a WAN client that trusts the 227 address is told 10,77,1,2 and cannot reach it`, async () => {
      ready(s);
      const r = await curlIn(NS.wan, [...trusting, url]);
      expectCurl(r, s, false, "the 227 address is the server's private one");
      expect(r.stderr).toContain(`227 Entering Passive Mode (${tuple(SERVER)},`);
      expect(r.stderr).toMatch(new RegExp(`Trying ${SERVER.replace(/\./g, "\\.")}:600\\d\\d\\.\\.\\.\\n.*Network is unreachable`));
    });

    it("curl with its defaults (EPSV: no address in the reply) lists through the router; so does PASV when curl ignores the 227 address", async () => {
      ready(s);
      const epsv = await curlIn(NS.wan, ["-v", url]);
      expectCurl(epsv, s, true, "EPSV through the router");
      expect(epsv.stderr).toMatch(/229 Entering Extended Passive Mode \(\|\|\|600\d\d\|\)/);
      expect(epsv.stdout).toContain("readme.txt");
      const skip = await curlIn(NS.wan, ["--disable-epsv", "-v", url]);
      expectCurl(skip, s, true, "PASV with curl's default --ftp-skip-pasv-ip");
      expect(skip.stdout).toContain("readme.txt");
      // A kernel NAT keeps the client's address: the server saw the WAN client itself.
      expect(s.out).toContain(`remote=${WAN_CLIENT}`);
    });
  });

  describe.concurrent(`case 2: --nat-address ${PUBLIC} with the range forwarded (server B)`, () => {
    const s = servers.nat;
    const url = `ftp://${PUBLIC}:${s.port}/`;

    it(`227 carries ${tuple(PUBLIC)}: list, download and upload through the router`, async () => {
      ready(s);
      const list = await curlIn(NS.wan, [...trusting, url]);
      expectCurl(list, s, true, "PASV with the public address");
      expect(list.stderr).toContain(`227 Entering Passive Mode (${tuple(PUBLIC)},`);
      expect(list.stdout).toContain("big.bin");
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-nat-dl-"));
      try {
        const got = path.join(dir, "big.bin");
        expectCurl(await curlIn(NS.wan, [...trusting, "-o", got, `${url}big.bin`]), s, true, "RETR through the router");
        expect(sha256(fs.readFileSync(got))).toBe(sha256(FILE));
        const up = path.join(dir, "up.bin");
        fs.writeFileSync(up, payload(80_000, 5));
        expectCurl(await curlIn(NS.wan, [...trusting, "-T", up, `${url}up.bin`]), s, true, "STOR through the router");
        expect(sha256(fs.readFileSync(s.root!.path("up.bin")))).toBe(sha256(fs.readFileSync(up)));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe.concurrent(`case 3: --masquerade-map ${LAN_NET}=${SERVER} --nat-address ${PUBLIC} (server C)`, () => {
    const s = servers.map;

    it(`a LAN client (${LAN_CLIENT}) connecting to ${SERVER} is told ${tuple(SERVER)} and lists`, async () => {
      ready(s);
      const r = await curlIn(NS.lanclient, [...trusting, `ftp://${SERVER}:${s.port}/`]);
      expectCurl(r, s, true, "LAN client, LAN address");
      expect(r.stderr).toContain(`227 Entering Passive Mode (${tuple(SERVER)},`);
      expect(r.stdout).toContain("readme.txt");
    });

    it(`a WAN client (${WAN_CLIENT}) through the router is told ${tuple(PUBLIC)} and lists`, async () => {
      ready(s);
      const r = await curlIn(NS.wan, [...trusting, `ftp://${PUBLIC}:${s.port}/`]);
      expectCurl(r, s, true, "WAN client, public address");
      expect(r.stderr).toContain(`227 Entering Passive Mode (${tuple(PUBLIC)},`);
      expect(r.stdout).toContain("readme.txt");
    });
  });

  describe.concurrent("the passive range not forwarded (server D)", () => {
    const s = servers.unforwarded;

    it(`227 carries ${tuple(PUBLIC)} and a port in the range, but the router has no rule for it: the data connection fails`, async () => {
      ready(s);
      const r = await curlIn(NS.wan, [...trusting, `ftp://${PUBLIC}:${s.port}/`]);
      expectCurl(r, s, false, "the range is not forwarded");
      expect(r.stderr).toContain(`227 Entering Passive Mode (${tuple(PUBLIC)},`);
      expect(r.stderr).toMatch(new RegExp(`connect to ${PUBLIC.replace(/\./g, "\\.")} port 600[34]\\d failed: Connection refused`));
    });
  });
});
