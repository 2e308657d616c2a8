// The measurements, pyftpdlib's ftpbench rows plus ours, all against one running server, in
// this order (after the idle memory and a warm-up of 2 bursts of 100 sessions and 600 more, 10 at a time):
//
//   login_n                 N clients connect and log in at once (s); then memory with N idle
//   stor_idle / retr_idle   one big file up / down while the N idle sessions stay connected
//   quit_n                  the N sessions QUIT at once (s, until the server closes each)
//   stor_big / retr_big     one big file up / down (MiB/s)
//   noop                    NOOP round trips per second on one connection
//   list                    LIST of a folder with many entries (s, median of 3)
//   retr_n / stor_n         N logged-in sessions RETR (then STOR) a file at once (s)
//   sessions_max            M (1000) sessions connect + log in at once, then QUIT (s)
//
// and, derived: server CPU per GiB transferred, the client's CPU beside it, memory (RSS and
// PSS) idle, with N idle sessions, per idle session, and the peak during the N transfers.
// Every row has a timeout; a row that fails or times out gives a cell with the error, and the
// next rows still run.

import { rmSync } from "node:fs";
import path from "node:path";
import { sleep } from "../wire/wait.ts";
import { Control, describeErrors, GREETING_TIMEOUT_MS, openSessions, retrieve, store, Tracker } from "./ftp-client.ts";
import { clientCpuSeconds, cpuSeconds, memoryOf, MemorySampler, type Memory } from "./procfs.ts";
import type { RunningServer } from "./server-process.ts";
import type { Better } from "./stats.ts";

export const MEASURED_ROWS = [
  "stor_big",
  "retr_big",
  "noop",
  "list",
  "login_n",
  "stor_idle",
  "retr_idle",
  "quit_n",
  "retr_n",
  "stor_n",
  "sessions_max",
] as const;
export type MeasuredRow = (typeof MEASURED_ROWS)[number];

export const DERIVED_ROWS = [
  "cpu_stor",
  "cpu_retr",
  "client_cpu_stor",
  "client_cpu_retr",
  "mem_idle_rss",
  "mem_idle_pss",
  "mem_sessions_pss",
  "mem_per_session",
  "mem_peak_rss",
  "mem_peak_pss",
  "mem_peak_growth",
  "mem_max_sessions_pss",
] as const;
export type DerivedRow = (typeof DERIVED_ROWS)[number];
export type RowId = MeasuredRow | DerivedRow;

/** The rows the logging variants of ours run (the ones that log at info: sessions, transfers). */
export const LOGGING_ROWS: readonly MeasuredRow[] = ["login_n", "quit_n", "retr_n", "stor_n"];

export interface RowParams {
  clients: number;
  bigBytes: number;
  fileBytes: number;
  listEntries: number;
  noopSeconds: number;
  maxSessions: number;
}

export interface RowMeta {
  id: RowId;
  label: string;
  unit: string;
  better: Better;
  /** Shown for reading, not compared between servers (the client's own CPU). */
  informational?: boolean;
}

export function sizeText(bytes: number): string {
  const GiB = 1024 ** 3;
  const MiB = 1024 ** 2;
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  return `${+(bytes / 1024).toFixed(1)} KiB`;
}

export function rowMeta(p: RowParams): RowMeta[] {
  const big = sizeText(p.bigBytes);
  const file = sizeText(p.fileBytes);
  const n = p.clients;
  return [
    { id: "stor_big", label: `STOR one ${big} file`, unit: "MiB/s", better: "higher" },
    { id: "retr_big", label: `RETR one ${big} file`, unit: "MiB/s", better: "higher" },
    { id: "login_n", label: `${n} concurrent clients: connect + login`, unit: "s", better: "lower" },
    { id: "stor_idle", label: `STOR one ${big} file, ${n} idle clients`, unit: "MiB/s", better: "higher" },
    { id: "retr_idle", label: `RETR one ${big} file, ${n} idle clients`, unit: "MiB/s", better: "higher" },
    { id: "retr_n", label: `${n} concurrent RETR of a ${file} file`, unit: "s", better: "lower" },
    { id: "stor_n", label: `${n} concurrent STOR of a ${file} file`, unit: "s", better: "lower" },
    { id: "quit_n", label: `${n} concurrent QUIT`, unit: "s", better: "lower" },
    { id: "list", label: `LIST of a ${p.listEntries.toLocaleString("en-US")}-entry folder`, unit: "s", better: "lower" },
    { id: "noop", label: "NOOP round trips, one connection", unit: "1/s", better: "higher" },
    { id: "sessions_max", label: `${p.maxSessions} concurrent sessions: connect + login + QUIT`, unit: "s", better: "lower" },
    { id: "cpu_stor", label: "server CPU per GiB uploaded (STOR rows)", unit: "s/GiB", better: "lower" },
    { id: "cpu_retr", label: "server CPU per GiB downloaded (RETR rows)", unit: "s/GiB", better: "lower" },
    { id: "client_cpu_stor", label: "bench client CPU per GiB uploaded", unit: "s/GiB", better: "lower", informational: true },
    { id: "client_cpu_retr", label: "bench client CPU per GiB downloaded", unit: "s/GiB", better: "lower", informational: true },
    { id: "mem_idle_rss", label: "memory idle (RSS)", unit: "MiB", better: "lower" },
    { id: "mem_idle_pss", label: "memory idle (PSS)", unit: "MiB", better: "lower" },
    { id: "mem_sessions_pss", label: `memory with ${n} idle sessions (PSS)`, unit: "MiB", better: "lower" },
    { id: "mem_per_session", label: "PSS growth per idle session", unit: "KiB", better: "lower" },
    { id: "mem_peak_rss", label: `peak RSS, ${n} concurrent transfers`, unit: "MiB", better: "lower" },
    { id: "mem_peak_pss", label: `peak PSS, ${n} concurrent transfers`, unit: "MiB", better: "lower" },
    { id: "mem_peak_growth", label: `peak PSS over idle, ${n} concurrent transfers`, unit: "MiB", better: "lower" },
    { id: "mem_max_sessions_pss", label: `memory with ${p.maxSessions} sessions (PSS)`, unit: "MiB", better: "lower" },
  ];
}

export interface Cell {
  value: number | null;
  error?: string;
  /** Wall seconds of the row, server and client CPU seconds during it. */
  seconds?: number;
  serverCpu?: number;
  clientCpu?: number;
  /** Bytes moved (transfer rows). */
  bytes?: number;
  /** Something to know about a figure that is not an error (e.g. clients had to reconnect). */
  note?: string;
}

export type Cells = Partial<Record<RowId, Cell>>;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const now = () => Number(process.hrtime.bigint()) / 1e9;
/** Sessions of each of the two warm-up bursts; then waves of a few sessions, for the JIT. */
const WARM_UP_SESSIONS = 100;
const WARM_UP_WAVES = 60;
const WARM_UP_WAVE_SESSIONS = 10;

/** Where the rows find their files: in the served home, and the name of the upload folder. */
export interface RowFiles {
  home: string;
  /** A file of bigBytes and one of fileBytes in the home, a folder with listEntries entries. */
  big: string;
  file: string;
  listDir: string;
  /** The writable folder (relative to the home) uploads go to. */
  uploads: string;
  /** Distinguishes this server and round in upload names. */
  tag: string;
}

export interface MeasureOptions {
  params: RowParams;
  files: RowFiles;
  rows: ReadonlySet<MeasuredRow>;
  /** Multiplies every row's timeout. */
  timeoutScale: number;
  /** Progress lines. */
  note: (line: string) => void;
}

/** Timeout of a row moving `bytes` (at no less than 10 MiB/s) or opening `sessions`. */
export function rowTimeoutMs(bytes: number, sessions: number, scale: number): number {
  return Math.round((20 + bytes / (10 * MiB) + sessions * 0.1) * 1000 * scale);
}

class RowFailure extends Error {}

/** Waits for `work` at most `ms`; then aborts the trackers (so its sockets close) and throws. */
async function bounded<T>(work: Promise<T>, ms: number, trackers: Tracker[], what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${what}: timeout after ${Math.round(ms / 1000)} s`);
      for (const t of trackers) t.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const reconnectNote = (retries: number) =>
  retries > 0 ? `${retries} connections got no greeting within ${GREETING_TIMEOUT_MS / 1000} s and were made again (listen backlog overflow)` : undefined;

export async function measureServer(server: RunningServer, o: MeasureOptions): Promise<Cells> {
  const { params: p, files: f } = o;
  const cells: Cells = {};
  const { host, port } = server;
  const serverCpu = () => cpuSeconds(server.cpuPids());
  const memory = () => memoryOf(server.memoryPids());
  const sampler = () => new MemorySampler(() => server.memoryPids(), server.plan.forks ? 300 : 150);
  const uploadPath = (name: string) => `${f.uploads}/${f.tag}-${name}`;
  const removeUpload = (name: string) => rmSync(path.join(f.home, uploadPath(name)), { force: true });

  /** Runs one row with a timeout; `extra` trackers are aborted too if it times out. */
  async function row(
    id: MeasuredRow,
    timeoutMs: number,
    fn: (tracker: Tracker) => Promise<{ value: number; bytes?: number; note?: string | undefined }>,
    extra: Tracker[] = [],
  ): Promise<Cell> {
    const tracker = new Tracker();
    const cpu0 = serverCpu();
    const client0 = process.cpuUsage();
    const t0 = now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new Error(`timeout after ${Math.round(timeoutMs / 1000)} s`);
        tracker.abort(err);
        for (const t of extra) t.abort(err);
        setTimeout(() => reject(err), 2000); // the row's own promise should settle first
      }, timeoutMs);
    });
    timedOut.catch(() => {});
    let cell: Cell;
    try {
      const r = await Promise.race([fn(tracker), timedOut]);
      cell = { value: r.value, ...(r.bytes !== undefined ? { bytes: r.bytes } : {}), ...(r.note ? { note: r.note } : {}) };
    } catch (err) {
      const e = tracker.reason ?? (err as Error);
      cell = { value: null, error: e.message };
    } finally {
      clearTimeout(timer);
    }
    cell.seconds = now() - t0;
    cell.serverCpu = serverCpu() - cpu0;
    cell.clientCpu = clientCpuSeconds(client0);
    if (server.exit()) cell.error = `${cell.error ? `${cell.error}; ` : ""}server ${server.exit()}`;
    cells[id] = cell;
    o.note(`  ${id.padEnd(12)} ${cell.value === null ? `ERROR ${cell.error}` : +cell.value.toPrecision(4)}`);
    return cell;
  }

  async function session(tracker: Tracker): Promise<Control> {
    const c = await Control.connect(host, port, tracker);
    await c.login();
    return c;
  }

  /** A transfer row on a fresh session: rate in MiB/s. */
  async function transfer(kind: "stor" | "retr", tracker: Tracker, name: string): Promise<{ value: number; bytes: number }> {
    const c = await session(tracker);
    const t0 = now();
    let bytes = p.bigBytes;
    if (kind === "stor") await store(c, uploadPath(name), p.bigBytes, tracker);
    else {
      bytes = await retrieve(c, f.big, tracker);
      if (bytes !== p.bigBytes) throw new RowFailure(`short transfer: ${bytes} of ${p.bigBytes} bytes`);
    }
    const seconds = now() - t0;
    await c.quit().catch(() => c.destroy());
    return { value: bytes / MiB / seconds, bytes };
  }

  const idle0 = memory();
  cells.mem_idle_rss = { value: idle0.rssKiB / 1024 };
  cells.mem_idle_pss = { value: idle0.pssKiB / 1024 };
  const bigTimeout = rowTimeoutMs(p.bigBytes, 1, o.timeoutScale);

  // A warm-up, the same for every server: WARM_UP_SESSIONS sessions at once touch the common
  // paths (login, NOOP, PASV, LIST, QUIT), twice; then 600 more sessions, 10 at a time, log in,
  // NOOP and QUIT (10 at a time: vsftpd's small listen backlog makes a burst of 100 wait for
  // SYN retries, 30 s a burst here). The rows then measure a
  // server in its steady state, as one that has been running for a while is: lazy loading
  // done, and a JIT (Node's, for ours and ftp-srv) has compiled the paths every session takes.
  // Measured on ours: a single warm-up session left the login path interpreted during the
  // 200-login burst; after 2 bursts of 100 the server still spent 70-100 ms of CPU per 200
  // logins, falling to 35-45 ms (pyftpdlib's figure) only after about 1,500 sessions.
  {
    const t = new Tracker();
    const warmOne = async (list: boolean) => {
      const c = await session(t);
      await c.cmd("NOOP", [200]);
      if (list) await retrieve(c, f.uploads, t, "LIST");
      await c.quit();
    };
    const warmUp = async () => {
      const burst = Math.min(p.clients, WARM_UP_SESSIONS);
      for (let pass = 0; pass < 2; pass++) await Promise.all(Array.from({ length: burst }, () => warmOne(true)));
      for (let wave = 0; wave < WARM_UP_WAVES; wave++) await Promise.all(Array.from({ length: WARM_UP_WAVE_SESSIONS }, () => warmOne(false)));
    };
    await bounded(warmUp(), 3 * rowTimeoutMs(0, Math.min(p.clients, WARM_UP_SESSIONS), o.timeoutScale), [t], "warm-up").catch(() => {
      /* the rows will say what is wrong */
    });
    t.abort(new Error("warm-up over"));
  }

  // N idle sessions: connect + login at once, memory, one transfer beside them, QUIT at once.
  const idleRows = (["login_n", "stor_idle", "retr_idle", "quit_n"] as const).filter((r) => o.rows.has(r));
  if (idleRows.length > 0) {
    const idleTracker = new Tracker();
    let idle: Control[] = [];
    await sleep(300);
    const before = memory();
    const peak = sampler().start();
    const loginCell = await row(
      "login_n",
      rowTimeoutMs(0, p.clients, o.timeoutScale),
      async () => {
        const t0 = now();
        const { sessions, errors, retries } = await openSessions(host, port, p.clients, idleTracker);
        const seconds = now() - t0;
        idle = sessions;
        if (errors.length > 0) throw new RowFailure(describeErrors(errors, p.clients));
        return { value: seconds, note: reconnectNote(retries) };
      },
      [idleTracker],
    );
    peak.stop();
    if (!o.rows.has("login_n")) delete cells.login_n;
    if (idle.length > 0) {
      await sleep(1000);
      const withSessions = memory();
      cells.mem_sessions_pss = { value: withSessions.pssKiB / 1024 };
      cells.mem_per_session = { value: (withSessions.pssKiB - before.pssKiB) / idle.length };
      if (loginCell.error) cells.mem_per_session.error = `${idle.length} sessions only`;
    }
    if (o.rows.has("stor_idle")) {
      await row("stor_idle", bigTimeout, (t) => transfer("stor", t, "idle"));
      removeUpload("idle");
    }
    if (o.rows.has("retr_idle")) await row("retr_idle", bigTimeout, (t) => transfer("retr", t, ""));
    if (o.rows.has("quit_n")) {
      await row(
        "quit_n",
        rowTimeoutMs(0, p.clients, o.timeoutScale),
        async () => {
          if (idle.length === 0) throw new RowFailure("no sessions to quit");
          const t0 = now();
          const settled = await Promise.allSettled(idle.map((c) => c.quit()));
          const seconds = now() - t0;
          const errors = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as Error] : []));
          if (errors.length > 0) throw new RowFailure(describeErrors(errors, idle.length));
          if (idle.length < p.clients) throw new RowFailure(`only ${idle.length} of ${p.clients} sessions were open`);
          return { value: seconds };
        },
        [idleTracker],
      );
    }
    idleTracker.abort(new Error("row over"));
  }

  if (o.rows.has("stor_big")) {
    await row("stor_big", bigTimeout, (t) => transfer("stor", t, "big"));
    removeUpload("big");
  }
  if (o.rows.has("retr_big")) await row("retr_big", bigTimeout, (t) => transfer("retr", t, ""));

  if (o.rows.has("noop")) {
    await row("noop", rowTimeoutMs(0, 1, o.timeoutScale) + p.noopSeconds * 1000, async (t) => {
      const c = await session(t);
      let count = 0;
      const t0 = now();
      const end = t0 + p.noopSeconds;
      let elapsed = 0;
      // Check the clock every 64 round trips: the loop is what is measured.
      while (elapsed === 0 || now() < end) {
        for (let i = 0; i < 64; i++) {
          c.send("NOOP");
          const r = await c.next();
          if (r.code !== 200) throw new RowFailure(`NOOP: ${r.code} ${r.text}`);
        }
        count += 64;
        elapsed = now() - t0;
      }
      elapsed = now() - t0;
      await c.quit().catch(() => c.destroy());
      return { value: count / elapsed };
    });
  }

  if (o.rows.has("list")) {
    await row("list", rowTimeoutMs(0, 1, o.timeoutScale) * 2, async (t) => {
      const c = await session(t);
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = now();
        const bytes = await retrieve(c, f.listDir, t, "LIST");
        times.push(now() - t0);
        if (bytes < p.listEntries * 10) throw new RowFailure(`LIST gave only ${bytes} bytes for ${p.listEntries} entries`);
      }
      await c.quit().catch(() => c.destroy());
      times.sort((a, b) => a - b);
      return { value: times[1]! };
    });
  }

  // N concurrent transfers on N logged-in sessions; the memory peak is taken across both.
  if (o.rows.has("retr_n") || o.rows.has("stor_n")) {
    const busyTracker = new Tracker();
    let sessions: Control[] = [];
    let setupError: string | null = null;
    let setupNote: string | undefined;
    try {
      const opened = await bounded(openSessions(host, port, p.clients, busyTracker), rowTimeoutMs(0, p.clients, o.timeoutScale), [busyTracker], "logging in");
      sessions = opened.sessions;
      setupNote = reconnectNote(opened.retries)?.replace(/^/, "before the clock started: ");
      if (opened.errors.length > 0) setupError = `setup: ${describeErrors(opened.errors, p.clients)}`;
    } catch (err) {
      setupError = `setup: ${(err as Error).message}`;
    }
    const peak: MemorySampler = sampler().start();
    const timeout = rowTimeoutMs(p.clients * p.fileBytes, p.clients, o.timeoutScale);
    const concurrent = async (kind: "retr" | "stor") => {
      if (sessions.length === 0) throw new RowFailure(setupError ?? "no sessions");
      const t0 = now();
      const settled = await Promise.allSettled(
        sessions.map(async (c, i) => {
          if (kind === "stor") {
            await store(c, uploadPath(`n${i}`), p.fileBytes, busyTracker);
            return p.fileBytes;
          }
          const bytes = await retrieve(c, f.file, busyTracker);
          if (bytes !== p.fileBytes) throw new RowFailure(`short transfer: ${bytes} of ${p.fileBytes} bytes`);
          return bytes;
        }),
      );
      const seconds = now() - t0;
      const errors = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as Error] : []));
      if (errors.length > 0) throw new RowFailure(describeErrors(errors, sessions.length));
      if (setupError) throw new RowFailure(setupError);
      return { value: seconds, bytes: sessions.length * p.fileBytes, note: setupNote };
    };
    if (o.rows.has("retr_n")) await row("retr_n", timeout, () => concurrent("retr"), [busyTracker]);
    if (o.rows.has("stor_n")) await row("stor_n", timeout, () => concurrent("stor"), [busyTracker]);
    const top: Memory = peak.stop();
    cells.mem_peak_rss = { value: top.rssKiB / 1024 };
    cells.mem_peak_pss = { value: top.pssKiB / 1024 };
    cells.mem_peak_growth = { value: (top.pssKiB - idle0.pssKiB) / 1024 };
    await bounded(Promise.allSettled(sessions.map((c) => c.quit())), rowTimeoutMs(0, p.clients, o.timeoutScale), [busyTracker], "quit").catch(() => {});
    busyTracker.abort(new Error("row over"));
    for (let i = 0; i < sessions.length; i++) removeUpload(`n${i}`);
  }

  if (o.rows.has("sessions_max") && p.maxSessions > 0) {
    const tracker = new Tracker();
    await row(
      "sessions_max",
      rowTimeoutMs(0, p.maxSessions, o.timeoutScale),
      async () => {
        const t0 = now();
        const { sessions, errors, retries } = await openSessions(host, port, p.maxSessions, tracker);
        cells.mem_max_sessions_pss = { value: memory().pssKiB / 1024 };
        const settled = await Promise.allSettled(sessions.map((c) => c.quit()));
        const seconds = now() - t0;
        const quitErrors = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as Error] : []));
        const all = [...errors, ...quitErrors];
        if (all.length > 0) throw new RowFailure(describeErrors(all, p.maxSessions));
        return { value: seconds, note: reconnectNote(retries) };
      },
      [tracker],
    );
    tracker.abort(new Error("row over"));
  }

  deriveCpu(cells);
  return cells;
}

/** Server (and client) CPU seconds per GiB over the STOR rows and over the RETR rows. */
export function deriveCpu(cells: Cells): void {
  const per = (ids: MeasuredRow[], key: "serverCpu" | "clientCpu"): number | null => {
    let cpu = 0;
    let bytes = 0;
    for (const id of ids) {
      const c = cells[id];
      if (!c || c.value === null || !c.bytes || c[key] === undefined) continue;
      cpu += c[key]!;
      bytes += c.bytes;
    }
    return bytes > 0 ? cpu / (bytes / GiB) : null;
  };
  const set = (id: DerivedRow, v: number | null) => {
    if (v !== null) cells[id] = { value: v };
  };
  set("cpu_stor", per(["stor_big", "stor_idle", "stor_n"], "serverCpu"));
  set("cpu_retr", per(["retr_big", "retr_idle", "retr_n"], "serverCpu"));
  set("client_cpu_stor", per(["stor_big", "stor_idle", "stor_n"], "clientCpu"));
  set("client_cpu_retr", per(["retr_big", "retr_idle", "retr_n"], "clientCpu"));
}
