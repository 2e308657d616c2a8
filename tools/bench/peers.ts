// The servers the bench runs, and how to start each one on loopback with a writable home:
//
//   ours       node --import tsx final/src/main.ts -i 127.0.0.1 -p 0 -d HOME -w --max-cons 0 --max-cons-per-ip 0
//              (console log at info, the default); variants: ours-nolog (logging.enabled =
//              false in a one-line config file) and ours-logfile (--log-file as well)
//   pyftpdlib  /usr/bin/python3 tools/bench/pyftpdlib-launcher.py (python -m pyftpdlib's
//              setup, anonymous elradfmwMT, plus max_cons 0 and a listen backlog of 1024)
//   vsftpd     /usr/sbin/vsftpd CONFIG (standalone, anonymous with upload, forks per session),
//              under tools/bench/subreaper.py so that orphaned session processes' CPU counts
//   ftp-srv    node --import tsx tools/bench/ftp-srv-launcher.ts (anonymous, pasv 61000-64999)
//
// Every command runs through `sh -c 'ulimit -n …; exec "$@"'` so that 1000 sessions fit
// (Node cannot raise its own RLIMIT_NOFILE; Python and vsftpd do not). The command lines are
// built by pure functions (test/bench/peers.test.ts); detectPeers() finds what is installed.

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const SERVER_IDS = ["ours", "pyftpdlib", "vsftpd", "ftp-srv"] as const;
export type ServerId = (typeof SERVER_IDS)[number];
export const VARIANT_IDS = ["ours-nolog", "ours-logfile", "ours-cluster"] as const;
export type VariantId = ServerId | (typeof VARIANT_IDS)[number];

export const LABELS: Record<VariantId, string> = {
  ours: "ours",
  pyftpdlib: "pyftpdlib",
  vsftpd: "vsftpd",
  "ftp-srv": "ftp-srv",
  "ours-nolog": "ours, no logging",
  "ours-logfile": "ours, console + --log-file",
  "ours-cluster": "ours, 2 workers (cluster)",
};

/** The Debian package that provides a peer (for --install-peers). */
export const DEBIAN_PACKAGES: Partial<Record<ServerId, string>> = { pyftpdlib: "python3-pyftpdlib", vsftpd: "vsftpd" };

/** The passive range given to ftp-srv: above Linux's ephemeral ports (32768-60999). */
export const FTP_SRV_PASV = { from: 61000, to: 64999 };

export interface LaunchPlan {
  id: VariantId;
  command: string;
  args: string[];
  cwd: string;
  /** vsftpd forks per session: measure the whole process tree. */
  forks: boolean;
  /**
   * The command runs under tools/bench/subreaper.py (vsftpd: orphaned session processes are
   * reaped there, so their CPU is counted); the wrapper's own memory is left out.
   */
  reaper: boolean;
  /** Config files to write before starting. */
  files: { path: string; content: string }[];
  /** "stdout": wait for `LISTENING host:port`; "probe": the port is fixed, wait for a greeting. */
  ready: { kind: "stdout" } | { kind: "probe"; port: number };
}

export interface PlanContext {
  repoRoot: string;
  /** The folder served as / (root-owned; uploads go to its `bench` subfolder). */
  home: string;
  /** Per-server scratch: config files, logs. */
  runDir: string;
  host: string;
  node: string;
  python: string;
  vsftpd: string;
  /** Only vsftpd needs a port chosen in advance. */
  port?: number;
  /** --cpu-prof for ours into this folder. */
  profileDir?: string;
  /** Ours compiled (npm run build's output): its main.js is here. Without it, tsx runs the source. */
  serverDir?: string;
}

export function oursPlan(ctx: PlanContext, variant: "ours" | "ours-nolog" | "ours-logfile" = "ours"): LaunchPlan {
  const profile = ctx.profileDir ? ["--cpu-prof", "--cpu-prof-dir", ctx.profileDir] : [];
  const args = [
    ...profile,
    ...(ctx.serverDir ? [path.join(ctx.serverDir, "main.js")] : ["--import", "tsx", "final/src/main.ts"]),
    "-i",
    ctx.host,
    "-p",
    "0",
    "-d",
    ctx.home,
    "-w",
    "--max-cons",
    "0",
    "--max-cons-per-ip",
    "0",
  ];
  const files: LaunchPlan["files"] = [];
  if (variant === "ours-nolog") {
    const ini = path.join(ctx.runDir, "ours-nolog.ini");
    files.push({ path: ini, content: "[logging]\nenabled = false\n" });
    args.push("-c", ini);
  }
  if (variant === "ours-logfile") args.push("--log-file", path.join(ctx.runDir, "ours-log.jsonl"));
  return { id: variant, command: ctx.node, args, cwd: ctx.repoRoot, forks: false, reaper: false, files, ready: { kind: "stdout" } };
}

export function pyftpdlibPlan(ctx: PlanContext): LaunchPlan {
  return {
    id: "pyftpdlib",
    command: ctx.python,
    args: [path.join(ctx.repoRoot, "tools/bench/pyftpdlib-launcher.py"), ctx.host, "0", ctx.home],
    cwd: ctx.runDir,
    forks: false,
    reaper: false,
    files: [],
    ready: { kind: "stdout" },
  };
}

export function ftpSrvPlan(ctx: PlanContext): LaunchPlan {
  return {
    id: "ftp-srv",
    command: ctx.node,
    args: ["--import", "tsx", "tools/bench/ftp-srv-launcher.ts", ctx.host, ctx.home, String(FTP_SRV_PASV.from), String(FTP_SRV_PASV.to)],
    cwd: ctx.repoRoot,
    forks: false,
    reaper: false,
    files: [],
    ready: { kind: "stdout" },
  };
}

export interface VsftpdConfigInput {
  host: string;
  port: number;
  home: string;
  /** An empty root-owned folder, not writable by the ftp user (vsftpd's secure_chroot_dir). */
  emptyDir: string;
  logDir: string;
}

/**
 * Standalone vsftpd serving `home` to anonymous users with upload, no limits on sessions.
 * The anonymous root must not be writable by the ftp user (vsftpd 3 refuses a writable
 * chroot), so uploads go to home/bench, owned by ftp. seccomp and namespace isolation are
 * off because containers often refuse them.
 */
export function vsftpdConfig(c: VsftpdConfigInput): string {
  return [
    "listen=YES",
    "listen_ipv6=NO",
    `listen_address=${c.host}`,
    `listen_port=${c.port}`,
    "background=NO",
    "anonymous_enable=YES",
    "local_enable=NO",
    "no_anon_password=YES",
    `anon_root=${c.home}`,
    "write_enable=YES",
    "anon_upload_enable=YES",
    "anon_mkdir_write_enable=YES",
    "anon_other_write_enable=YES",
    "anon_world_readable_only=NO",
    "anon_umask=022",
    "pasv_enable=YES",
    "connect_from_port_20=NO",
    "max_clients=0",
    "max_per_ip=0",
    "idle_session_timeout=600",
    "data_connection_timeout=600",
    "seccomp_sandbox=NO",
    "isolate=NO",
    "isolate_network=NO",
    `secure_chroot_dir=${c.emptyDir}`,
    "xferlog_enable=YES",
    `vsftpd_log_file=${path.join(c.logDir, "vsftpd.log")}`,
    `xferlog_file=${path.join(c.logDir, "xferlog")}`,
    "",
  ].join("\n");
}

export function vsftpdPlan(ctx: PlanContext): LaunchPlan {
  if (ctx.port === undefined) throw new Error("vsftpd needs a port chosen in advance");
  const conf = path.join(ctx.runDir, "vsftpd.conf");
  const emptyDir = path.join(ctx.runDir, "vsftpd-empty");
  return {
    id: "vsftpd",
    command: ctx.python,
    args: [path.join(ctx.repoRoot, "tools/bench/subreaper.py"), ctx.vsftpd, conf],
    cwd: ctx.runDir,
    forks: true,
    reaper: true,
    files: [{ path: conf, content: vsftpdConfig({ host: ctx.host, port: ctx.port, home: ctx.home, emptyDir, logDir: ctx.runDir }) }],
    ready: { kind: "probe", port: ctx.port },
  };
}

/** Ours in two processes (node:cluster, tools/bench/cluster-launcher.ts), one per core here. */
export function oursClusterPlan(ctx: PlanContext): LaunchPlan {
  const one = oursPlan({ ...ctx, profileDir: undefined });
  const main = ctx.serverDir ? path.join(ctx.serverDir, "main.js") : "final/src/main.ts";
  const serverArgs = one.args.slice(one.args.indexOf(main) + 1);
  const args = ["--import", "tsx", "tools/bench/cluster-launcher.ts", "2", main, ...serverArgs];
  return { ...one, id: "ours-cluster", args, forks: true };
}

export function plan(id: VariantId, ctx: PlanContext): LaunchPlan {
  switch (id) {
    case "ours":
    case "ours-nolog":
    case "ours-logfile":
      return oursPlan(ctx, id);
    case "ours-cluster":
      return oursClusterPlan(ctx);
    case "pyftpdlib":
      return pyftpdlibPlan(ctx);
    case "vsftpd":
      return vsftpdPlan(ctx);
    case "ftp-srv":
      return ftpSrvPlan(ctx);
  }
}

/**
 * `sh -c` with a raised open-file limit, then exec: the server keeps the shell's pid (so the
 * bench's pid is the server's). The hard limit may be lower than asked; then take the hard one.
 */
export function withFileLimit(command: string, args: readonly string[], nofile: number): { command: string; args: string[] } {
  const script = `ulimit -n ${nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`;
  return { command: "/bin/sh", args: ["-c", script, "sh", command, ...args] };
}

/** A command line as one would type it (for the report). */
export function shellLine(command: string, args: readonly string[]): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  return [command, ...args].map(quote).join(" ");
}

export interface PeerStatus {
  id: ServerId;
  available: boolean;
  version?: string;
  /** Why it cannot run (missing: …). */
  reason?: string;
}

export interface Toolchain {
  node: string;
  python: string;
  vsftpd: string;
}

async function output(command: string, args: string[]): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 15_000 });
    return `${stdout}${stderr}`.trim();
  } catch {
    return null;
  }
}

/** The first python that can import pyftpdlib (Debian's, not a pyenv shim without it). */
async function findPython(): Promise<{ python: string; version: string | null }> {
  for (const python of ["/usr/bin/python3", "python3"]) {
    const v = await output(python, ["-c", "import pyftpdlib; print(pyftpdlib.__ver__)"]);
    if (v !== null) return { python, version: v };
  }
  return { python: "/usr/bin/python3", version: null };
}

function findVsftpd(): string | null {
  for (const dir of ["/usr/sbin", "/usr/local/sbin", "/sbin", ...(process.env.PATH ?? "").split(":")]) {
    const p = path.join(dir, "vsftpd");
    if (dir && existsSync(p)) return p;
  }
  return null;
}

export async function detectPeers(repoRoot: string): Promise<{ peers: Record<ServerId, PeerStatus>; tools: Toolchain }> {
  const { python, version: pyVersion } = await findPython();
  const vsftpd = findVsftpd();
  const peers = {} as Record<ServerId, PeerStatus>;

  const ourVersion = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")).version as string;
  const commit = await output("git", ["-C", repoRoot, "rev-parse", "--short", "HEAD"]);
  const dirty = await output("git", ["-C", repoRoot, "status", "--porcelain", "--", "final/src"]);
  peers.ours = existsSync(path.join(repoRoot, "final/src/main.ts"))
    ? { id: "ours", available: true, version: `${ourVersion}${commit ? ` @ ${commit}${dirty ? " + uncommitted final/src changes" : ""}` : ""}` }
    : { id: "ours", available: false, reason: "final/src/main.ts not found" };

  peers.pyftpdlib = pyVersion
    ? { id: "pyftpdlib", available: true, version: pyVersion }
    : { id: "pyftpdlib", available: false, reason: "no python3 can import pyftpdlib (apt-get install python3-pyftpdlib, or --install-peers)" };

  if (!vsftpd) peers.vsftpd = { id: "vsftpd", available: false, reason: "vsftpd not installed (apt-get install vsftpd, or --install-peers)" };
  else if (process.getuid?.() !== 0) peers.vsftpd = { id: "vsftpd", available: false, reason: "vsftpd runs standalone only as root" };
  else if ((await output("id", ["ftp"])) === null) peers.vsftpd = { id: "vsftpd", available: false, reason: "no `ftp` user for anonymous sessions" };
  else {
    const v = await output("/bin/sh", ["-c", `"${vsftpd}" -v 0>&1`]);
    peers.vsftpd = { id: "vsftpd", available: true, version: v?.replace(/^vsftpd: version /, "") ?? "?" };
  }

  try {
    const req = createRequire(path.join(repoRoot, "package.json"));
    const pkg = JSON.parse(readFileSync(req.resolve("ftp-srv/package.json"), "utf8")) as { version: string };
    peers["ftp-srv"] = { id: "ftp-srv", available: true, version: pkg.version };
  } catch {
    peers["ftp-srv"] = { id: "ftp-srv", available: false, reason: "node_modules/ftp-srv missing (npm ci)" };
  }
  return { peers, tools: { node: process.execPath, python, vsftpd: vsftpd ?? "vsftpd" } };
}

/** apt-get install for the missing Debian peers; returns what it did, one line each. */
export async function installPeers(peers: Record<ServerId, PeerStatus>): Promise<string[]> {
  const wanted = SERVER_IDS.filter((id) => !peers[id].available && DEBIAN_PACKAGES[id]).map((id) => DEBIAN_PACKAGES[id]!);
  if (wanted.length === 0) return ["--install-peers: nothing to install"];
  if (process.getuid?.() !== 0) return [`--install-peers: needs root for apt-get install ${wanted.join(" ")}`];
  try {
    await run("apt-get", ["install", "-y", ...wanted], { timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    return [`--install-peers: installed ${wanted.join(" ")}`];
  } catch (err) {
    return [`--install-peers: apt-get install ${wanted.join(" ")} failed: ${String((err as Error).message).split("\n")[0]}`];
  }
}
