// Starting and stopping one server for one round. Each runs in its own process group (so
// stopping it stops vsftpd's session processes too), with stderr (its log) in a file and
// stdout read until `LISTENING host:port` (or, for vsftpd, the fixed port answering 220).
// stop(): SIGTERM to the group, SIGKILL to the group and every remaining descendant after a
// grace period. Nothing is left running, even when a row timed out mid-transfer.

import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { lineSplitter, parseListeningLine } from "../wire/server-process.ts";
import { sleep } from "../wire/wait.ts";
import { withFileLimit, type LaunchPlan } from "./peers.ts";
import { processTree } from "./procfs.ts";

export interface RunningServer {
  plan: LaunchPlan;
  pid: number;
  host: string;
  port: number;
  logFile: string;
  /** From spawn to ready (LISTENING or the first greeting), ms. */
  startupMs: number;
  /** The processes whose CPU counts: the server alone, or its whole tree if it forks. */
  cpuPids(): number[];
  /** The processes whose memory counts (the tree without a subreaper wrapper). */
  memoryPids(): number[];
  /** Non-null once the server has exited (by itself or stopped). */
  exit(): string | null;
  stop(): Promise<void>;
}

/** A free TCP port on `host` (for servers that cannot take port 0). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 6): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join(" | ");
  } catch {
    return "";
  }
}

/** Connects until the server greets (220) or the time is up. */
async function probe(host: string, port: number, deadline: number, exited: () => string | null): Promise<void> {
  while (Date.now() < deadline) {
    if (exited()) return;
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port });
      const done = (v: boolean) => {
        s.destroy();
        resolve(v);
      };
      s.setTimeout(1000, () => done(false));
      s.once("error", () => done(false));
      s.once("data", (d) => done(d.toString("latin1").startsWith("220")));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error("did not answer in time");
}

export async function startServer(
  plan: LaunchPlan,
  options: { host: string; nofile: number; logFile: string; timeoutMs: number },
): Promise<RunningServer> {
  for (const f of plan.files) {
    mkdirSync(path.dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content);
  }
  const { command, args } = withFileLimit(plan.command, plan.args, options.nofile);
  const errFd = openSync(options.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: plan.cwd, detached: true, stdio: ["ignore", "pipe", errFd] });
  } finally {
    closeSync(errFd);
  }
  let exitText: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exitText = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
    child.once("error", (err) => {
      exitText = `could not start: ${err.message}`;
      resolve();
    });
  });
  const pid = child.pid ?? -1;

  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (pid <= 0) return;
    const tree = exitText ? [] : processTree(pid);
    killGroup("SIGTERM");
    // ours writes its --cpu-prof profile on the way out: give it time.
    const graceMs = plan.args.includes("--cpu-prof") ? 15_000 : 5_000;
    await Promise.race([exited, sleep(graceMs)]);
    killGroup("SIGKILL");
    for (const p of tree) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    await Promise.race([exited, sleep(2000)]);
    child.stdout?.destroy();
  };

  let stdoutText = "";
  const spawnedAt = Date.now();
  const deadline = spawnedAt + options.timeoutMs;
  try {
    let host = options.host;
    let port: number;
    if (plan.ready.kind === "probe") {
      child.stdout?.resume();
      port = plan.ready.port;
      await probe(host, port, deadline, () => exitText);
    } else {
      const found = await new Promise<{ host: string; port: number } | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), options.timeoutMs);
        const lines = lineSplitter();
        child.stdout?.setEncoding("utf8");
        child.stdout?.on("data", (chunk: string) => {
          if (stdoutText.length < 4096) stdoutText += chunk;
          const found = lines(chunk).map(parseListeningLine).find((l) => l !== null);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        });
        void exited.then(() => {
          clearTimeout(timer);
          resolve(null);
        });
      });
      if (!found) throw new Error(exitText ?? "no LISTENING line in time");
      host = found.host;
      port = found.port;
    }
    if (exitText) throw new Error(exitText);
    return {
      plan,
      pid,
      host,
      port,
      logFile: options.logFile,
      startupMs: Date.now() - spawnedAt,
      cpuPids: () => (exitText ? [] : plan.forks ? processTree(pid) : [pid]),
      memoryPids: () => (exitText ? [] : plan.forks ? processTree(pid).filter((p) => !plan.reaper || p !== pid) : [pid]),
      exit: () => exitText,
      stop,
    };
  } catch (err) {
    await stop();
    const why = (err as Error).message;
    const log = tail(options.logFile);
    throw new Error(`${plan.id} did not start: ${why}${log ? `; its log: ${log}` : ""}${stdoutText ? `; stdout: ${stdoutText.trim().slice(0, 300)}` : ""}`);
  }
}
