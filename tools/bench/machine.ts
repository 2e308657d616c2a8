// The machine a run was measured on, for the report: CPU, cores, kernel, memory, the open-file
// limit, and the versions of everything that ran (Node, Python, the peers).

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { promisify } from "node:util";
import type { PeerStatus, ServerId, Toolchain } from "./peers.ts";

const run = promisify(execFile);

export interface MachineInfo {
  date: string;
  cpuModel: string;
  cores: number;
  kernel: string;
  os: string;
  memoryGiB: number;
  /** Hard RLIMIT_NOFILE: the most sessions a server can hold (1 fd each, 2 while transferring). */
  nofileHard: string;
  node: string;
  python: string;
  versions: Partial<Record<ServerId, string>>;
}

async function text(command: string, args: string[]): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 10_000 });
    return `${stdout}${stderr}`.trim();
  } catch {
    return null;
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (m) return m[1]!;
  } catch {
    /* not Linux */
  }
  return `${os.type()} ${os.release()}`;
}

export async function describeMachine(tools: Toolchain, peers: Record<ServerId, PeerStatus>): Promise<MachineInfo> {
  const cpus = os.cpus();
  const versions: Partial<Record<ServerId, string>> = {};
  for (const [id, p] of Object.entries(peers) as [ServerId, PeerStatus][]) if (p.version) versions[id] = p.version;
  return {
    date: new Date().toISOString(),
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    kernel: os.release(),
    os: osName(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    nofileHard: (await text("/bin/sh", ["-c", "ulimit -Hn"])) ?? "?",
    node: process.version,
    python: (await text(tools.python, ["--version"]))?.replace(/^Python /, "") ?? "not found",
    versions,
  };
}
