// What a server process costs, read from /proc (Linux only):
//
//   CPU    utime+stime of every live process in the server's tree, plus cutime+cstime (the
//          children it has already reaped), so vsftpd's per-session processes are counted
//          whether they are still running or already gone. Clock ticks → seconds.
//   memory Rss and Pss from /proc/PID/smaps_rollup, summed over the tree. For a forking server
//          (vsftpd) the RSS sum counts shared pages once per process; PSS splits them fairly,
//          so PSS is the figure to compare.
//
// A single-process server (ours, pyftpdlib, ftp-srv) is measured as its own pid only; the tree
// walk (a scan of /proc) is done only for forking servers.

import { readdirSync, readFileSync } from "node:fs";

/** sysconf(_SC_CLK_TCK): 100 on every Linux this runs on. */
export const CLOCK_TICKS = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  /** Clock ticks. */
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** Parses /proc/PID/stat; the command name (field 2) may hold spaces and parentheses. */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After ")": state(3) ppid(4) pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime cutime cstime
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  const stat = { pid, ppid: field(4), utime: field(14), stime: field(15), cutime: field(16), cstime: field(17) };
  return Object.values(stat).every(Number.isFinite) ? stat : null;
}

export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return null;
  }
}

/** pid and every descendant of it, found by scanning /proc for parent links. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    const list = children.get(stat.ppid);
    if (list) list.push(stat.pid);
    else children.set(stat.ppid, [stat.pid]);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    out.push(pid);
    for (const child of children.get(pid) ?? []) todo.push(child);
  }
  return out;
}

/** CPU seconds of these processes, children they reaped included. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const s = readStat(pid);
    if (s) ticks += s.utime + s.stime + s.cutime + s.cstime;
  }
  return ticks / CLOCK_TICKS;
}

export interface Memory {
  rssKiB: number;
  pssKiB: number;
  processes: number;
}

/** Rss and Pss (kB) from the text of /proc/PID/smaps_rollup. */
export function parseSmapsRollup(text: string): { rssKiB: number; pssKiB: number } | null {
  const rss = /^Rss:\s+(\d+) kB/m.exec(text);
  const pss = /^Pss:\s+(\d+) kB/m.exec(text);
  if (!rss || !pss) return null;
  return { rssKiB: Number(rss[1]), pssKiB: Number(pss[1]) };
}

export function memoryOf(pids: readonly number[]): Memory {
  const total: Memory = { rssKiB: 0, pssKiB: 0, processes: 0 };
  for (const pid of pids) {
    let m: { rssKiB: number; pssKiB: number } | null = null;
    try {
      m = parseSmapsRollup(readFileSync(`/proc/${pid}/smaps_rollup`, "latin1"));
    } catch {
      continue; // exited between the listing and the read
    }
    if (!m) continue;
    total.rssKiB += m.rssKiB;
    total.pssKiB += m.pssKiB;
    total.processes++;
  }
  return total;
}

/** Samples a server's memory on a timer and keeps the peaks (and the most processes seen). */
export class MemorySampler {
  private timer: NodeJS.Timeout | null = null;
  peak: Memory = { rssKiB: 0, pssKiB: 0, processes: 0 };
  samples = 0;

  constructor(
    private readonly pids: () => number[],
    private readonly intervalMs: number,
  ) {}

  sample(): void {
    const m = memoryOf(this.pids());
    this.samples++;
    this.peak = {
      rssKiB: Math.max(this.peak.rssKiB, m.rssKiB),
      pssKiB: Math.max(this.peak.pssKiB, m.pssKiB),
      processes: Math.max(this.peak.processes, m.processes),
    };
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): Memory {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.peak;
  }
}

/** Seconds of CPU this (client) process used since `since` (from process.cpuUsage()). */
export function clientCpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}
