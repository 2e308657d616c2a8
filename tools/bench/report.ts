// A run's result as a table for the terminal and as docs/benchmarks.md. Pure (from the
// RunResult alone), so a report can be made again from .bench/latest.json.

import { LIMIT_IDS, LIMIT_LABELS } from "./limits.ts";
import { LABELS, SERVER_IDS, type ServerId, type VariantId } from "./peers.ts";
import type { RunResult, TargetStatus } from "./result.ts";
import { rowMeta, sizeText, type RowMeta } from "./rows.ts";
import { median, type Summary } from "./stats.ts";

/** A number with sensible digits: 1234, 812, 81.2, 8.12, 0.812, 0.0081. */
export function num(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a >= 0.01) return v.toFixed(3);
  if (a === 0) return "0";
  return v.toPrecision(2);
}

/** "812 (790–830)"; one round: "812". */
export function cell(s: Summary | null | undefined): string {
  if (!s) return "";
  return s.n > 1 && s.min !== s.max ? `${num(s.median)} (${num(s.min)}–${num(s.max)})` : num(s.median);
}

/** A ratio: 1.25, 0.80, 0.043 (two decimals, or two digits below 0.1). */
export function ratio(v: number): string {
  return Math.abs(v) >= 0.1 || v === 0 ? v.toFixed(2) : v.toPrecision(2);
}

/** "1.25×" or "0.80× (0.71–0.93)". */
export function ratioCell(s: Summary | null | undefined): string {
  if (!s) return "";
  return s.n > 1 && s.min !== s.max ? `${ratio(s.median)}× (${ratio(s.min)}–${ratio(s.max)})` : `${ratio(s.median)}×`;
}

/** Columns padded to their widest cell; the first `leftColumns` left-aligned, the rest right. */
export function textTable(rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows
    .map((r) => r.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd())
    .join("\n");
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const esc = (c: string) => c.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const align = header.map((_, i) => (i < leftColumns ? "---" : "---:"));
  return [header, align, ...rows].map((r) => `| ${r.map(esc).join(" | ")} |`).join("\n");
}

function serverColumns(r: RunResult): ServerId[] {
  return SERVER_IDS.filter((s) => r.servers.includes(s));
}

function isMissing(r: RunResult, s: VariantId): boolean {
  return r.peers.some((p) => p.id === s && !p.available);
}

/** The cell for one server's row: the figure, or why there is none. */
function valueCell(r: RunResult, s: VariantId, row: string, short: boolean): string {
  if (isMissing(r, s)) return "missing";
  const v = r.summary.values[s]?.[row];
  const errors = r.summary.errors[s]?.[row] ?? [];
  const startErrors = r.summary.errors[s]?.start ?? [];
  const noted = r.roundRecords.some((x) => x.server === s && (x.cells as Record<string, { note?: string } | undefined>)[row]?.note);
  const base = `${cell(v)}${noted && v ? " *" : ""}`;
  if (errors.length > 0 || (!v && startErrors.length > 0)) {
    const first = (errors[0] ?? startErrors[0] ?? "").replace(/^round \d+: /, "");
    const what = /timeout/.test(first) ? "TIMEOUT" : "ERROR";
    const detail = short ? first.slice(0, 40) : first;
    return `${base ? `${base}, ` : ""}${what}${errors.length > 1 ? ` ×${errors.length}` : ""}: ${detail}`;
  }
  return base || "–";
}

function mainRows(r: RunResult): RowMeta[] {
  return rowMeta(r.params).filter((m) => serverColumns(r).some((s) => r.summary.values[s]?.[m.id] || (r.summary.errors[s]?.[m.id]?.length ?? 0) > 0));
}

function mainTable(r: RunResult, short: boolean): { header: string[]; rows: string[][] } {
  const servers = serverColumns(r);
  const peers = servers.filter((s) => s !== "ours");
  const header = ["row", "unit", ...servers.map((s) => LABELS[s]), ...(servers.includes("ours") ? peers.map((p) => `ours vs ${p}`) : [])];
  const rows = mainRows(r).map((m) => [
    m.label,
    m.unit,
    ...servers.map((s) => valueCell(r, s, m.id, short)),
    ...(servers.includes("ours") ? peers.map((p) => (m.informational ? "" : ratioCell(r.summary.advantages[p]?.[m.id]))) : []),
  ]);
  return { header, rows };
}

function limitsTable(r: RunResult): string[][] {
  return LIMIT_IDS.map((id) => [LIMIT_LABELS[id], "MiB/s", cell(r.summary.limits[id]) || "–"]);
}

function fractionTable(r: RunResult): { header: string[]; rows: string[][] } {
  const servers = serverColumns(r);
  return {
    header: ["throughput ÷ machine limit", ...servers.map((s) => LABELS[s])],
    rows: r.summary.fractions.map((f) => [f.label, ...servers.map((s) => (isMissing(r, s) ? "missing" : cell(f.servers[s]) || "–"))]),
  };
}

function loggingTable(r: RunResult): { header: string[]; rows: string[][] } {
  const pct = (s: Summary | null) => (s ? `${s.median >= 1 ? "+" : ""}${((s.median - 1) * 100).toFixed(1)} % (${((s.min - 1) * 100).toFixed(0)}…${((s.max - 1) * 100).toFixed(0)})` : "–");
  return {
    header: ["row (s)", "no logging", "console (default)", "console + file", "console cost", "file cost"],
    rows: r.summary.logging.map((l) => [l.label, cell(l.nolog) || "–", cell(l.console) || "–", cell(l.logfile) || "–", pct(l.consoleCost), pct(l.logfileCost)]),
  };
}

function coresTable(r: RunResult): { header: string[]; rows: string[][] } {
  const times = (s: Summary | null) => (s ? `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : "–");
  return {
    header: ["row (s)", "one process", "2 workers", "speed-up"],
    rows: (r.summary.cores ?? []).map((c) => [c.label, cell(c.one) || "–", cell(c.two) || "–", times(c.speedup)]),
  };
}

/** Server and client CPU seconds during each row (median over rounds): is the client the bottleneck? */
function cpuTable(r: RunResult): { header: string[]; rows: string[][] } {
  const servers = serverColumns(r);
  const rows: string[][] = [];
  for (const m of rowMeta(r.params)) {
    const line = [m.label];
    let any = false;
    for (const s of servers) {
      const cells = r.roundRecords.filter((x) => x.server === s).map((x) => x.cells[m.id]).filter((c) => c?.serverCpu !== undefined);
      if (cells.length === 0) {
        line.push("–");
        continue;
      }
      any = true;
      const sv = median(cells.map((c) => c!.serverCpu!));
      const cv = median(cells.map((c) => c!.clientCpu ?? 0));
      const wall = median(cells.map((c) => c!.seconds ?? 0));
      line.push(`${num(sv)} / ${num(cv)} / ${num(wall)}`);
    }
    if (any) rows.push(line);
  }
  return { header: ["row: CPU s server / client / wall s", ...servers.map((s) => LABELS[s])], rows };
}

const STATUS: Record<TargetStatus, string> = { pass: "pass", fail: "FAIL", close: "close (within noise)", "n/a": "n/a" };

function targetRows(r: RunResult): string[][] {
  return r.summary.targets.map((t) => [t.text, STATUS[t.status], t.figure]);
}

function problems(r: RunResult): string[] {
  const out: string[] = [];
  for (const p of r.peers) if (!p.available) out.push(`${p.id}: missing: ${p.reason ?? "not found"}`);
  for (const s of r.servers) {
    for (const [row, errs] of Object.entries(r.summary.errors[s] ?? {})) for (const e of errs) out.push(`${LABELS[s]} ${row}: ${e}`);
  }
  for (const rec of r.roundRecords) {
    for (const [row, c] of Object.entries(rec.cells)) if (c?.note) out.push(`* ${LABELS[rec.server]} ${row} round ${rec.round}: ${c.note}`);
  }
  for (const rec of r.roundRecords) {
    if (rec.logIssues && rec.logIssues.count > 0) {
      out.push(`${LABELS[rec.server]} round ${rec.round}: ${rec.logIssues.count} error/warning lines in its log, first: ${rec.logIssues.first[0] ?? ""}`);
    }
  }
  return out;
}

function headline(r: RunResult): string {
  const p = r.params;
  return [
    `N = ${p.clients} clients`,
    `${r.rounds} round${r.rounds === 1 ? "" : "s"}${r.quick ? " (--quick)" : ""}`,
    `big file ${sizeText(p.bigBytes)}`,
    `concurrent files ${sizeText(p.fileBytes)}`,
    `LIST ${p.listEntries} entries`,
    p.maxSessions > 0 ? `${p.maxSessions} sessions` : "many-sessions row skipped",
  ].join(", ");
}

/** "0.4–28.9 (median 12.0)": the 1-minute load average as each server started. */
export function loadText(r: RunResult): string {
  const loads = r.roundRecords.map((x) => x.load).filter((l): l is number => typeof l === "number");
  if (loads.length === 0) return "not recorded";
  return `${num(Math.min(...loads))}–${num(Math.max(...loads))} (median ${num(median(loads))}) on ${r.machine.cores} cores`;
}

function machineLine(r: RunResult): string {
  const m = r.machine;
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel} (${m.os}), Node ${m.node}, Python ${m.python}; load average ${loadText(r)}`;
}

export function textReport(r: RunResult): string {
  const out: string[] = [];
  out.push(`ftp-lab bench, ${r.startedAt.slice(0, 16).replace("T", " ")} UTC, ${Math.round(r.durationSeconds)} s: ${headline(r)}`);
  out.push(machineLine(r));
  out.push("median (min–max) over rounds; \"ours vs X\": how many times better ours is, per round, median (below 1: ours loses)");
  out.push("");
  const main = mainTable(r, true);
  out.push(textTable([main.header, ...main.rows], 1));
  if (r.limitRounds.length > 0) {
    out.push("", "Machine limits (same run)");
    out.push(textTable(limitsTable(r), 1));
    const f = fractionTable(r);
    out.push("", textTable([f.header, ...f.rows], 1));
  }
  if (r.summary.logging.length > 0) {
    const l = loggingTable(r);
    out.push("", "Logging cost (ours; time per row, cost = per-round ratio to no logging)");
    out.push(textTable([l.header, ...l.rows], 1));
  }
  if ((r.summary.cores ?? []).length > 0) {
    const k = coresTable(r);
    out.push("", "Both cores (ours in one process vs two node:cluster workers; speed-up = per-round time ratio)");
    out.push(textTable([k.header, ...k.rows], 1));
  }
  const c = cpuTable(r);
  out.push("", textTable([c.header, ...c.rows], 1));
  out.push("", "Targets");
  out.push(textTable([["target", "status", "figure"], ...targetRows(r)], 3));
  const issues = problems(r);
  if (issues.length > 0) out.push("", "Problems", ...issues.map((i) => `  ${i}`));
  for (const p of r.profiles ?? []) {
    out.push("", `Profile ${p.file} (${p.totalMs} ms busy${p.skippedMs ? `, start-up's ${p.skippedMs} ms left out` : ""})`);
    for (const e of p.top.slice(0, 15)) out.push(`  ${e.selfPercent.toFixed(1).padStart(5)} %  ${e.functionName}  ${e.location}`);
  }
  for (const n of r.notes) out.push(n);
  return `${out.join("\n")}\n`;
}

export function markdownReport(r: RunResult): string {
  const m = r.machine;
  const out: string[] = [];
  out.push("# Benchmarks");
  out.push("");
  out.push(
    "Generated by `npm run bench` from its latest run (do not edit by hand: run it again). The bench starts our final server, " +
      "pyftpdlib, vsftpd and ftp-srv one after another on loopback, in rounds (each server fresh every round), and measures " +
      "the rows of pyftpdlib's `ftpbench` plus LIST, NOOP, CPU and memory. `npm run bench -- --quick` is the one-minute version; " +
      "`npm run bench -- --help` lists the options.",
  );
  out.push("");
  out.push(`**Run:** ${r.startedAt.slice(0, 19).replace("T", " ")} UTC, ${Math.round(r.durationSeconds)} s; ${headline(r)}.`);
  out.push("");
  out.push("## Machine");
  out.push("");
  out.push(
    markdownTable(
      ["", ""],
      [
        ["CPU", `${m.cpuModel}, ${m.cores} cores`],
        ["memory", `${m.memoryGiB} GiB`],
        ["kernel", `Linux ${m.kernel}`],
        ["system", m.os],
        ["open files (hard limit)", m.nofileHard],
        ["load average (1 min) as each server started", loadText(r)],
        ["Node", m.node],
        ["Python", m.python],
        ...r.peers.filter((p) => (SERVER_IDS as readonly string[]).includes(p.id)).map((p) => [LABELS[p.id], p.available ? (p.version ?? "?") : `missing: ${p.reason ?? ""}`]),
      ],
      2,
    ),
  );
  out.push("");
  out.push("## Results");
  out.push("");
  out.push(
    "Median over rounds, with (min–max). **ours vs X** is how many times better ours is than X, computed per round (ours and X " +
      "measured minutes apart) and then the median (min–max) of those: our rate ÷ theirs, or their time (memory) ÷ ours. " +
      "Below 1, ours loses.",
  );
  out.push("");
  const main = mainTable(r, false);
  out.push(markdownTable(main.header, main.rows, 2));
  if (r.limitRounds.length > 0) {
    out.push("");
    out.push("## Machine limits");
    out.push("");
    out.push(
      "Measured in every round of the same run, between two processes over loopback, with the bench's own client code on " +
        "one end: what this box can move, and what the client can take. Each server's single-file throughput as a fraction of them:",
    );
    out.push("");
    out.push(markdownTable(["limit", "unit", "median (min–max)"], limitsTable(r), 2));
    out.push("");
    const f = fractionTable(r);
    out.push(markdownTable(f.header, f.rows));
  }
  if (r.summary.logging.length > 0) {
    out.push("");
    out.push("## Logging cost");
    out.push("");
    out.push(
      "Ours three ways: no logging (`[logging] enabled = false`), the default (console at info, to a file here), and " +
        "console plus `--log-file` (JSON lines). The cost is the per-round time ratio to no logging.",
    );
    out.push("");
    const l = loggingTable(r);
    out.push(markdownTable(l.header, l.rows));
  }
  if ((r.summary.cores ?? []).length > 0) {
    out.push("");
    out.push("## Both cores");
    out.push("");
    out.push(
      "Ours is one Node process: one core runs every session. `tools/bench/cluster-launcher.ts` runs it as two " +
        "`node:cluster` workers: the primary hands each control connection to a worker in turn, and each worker opens its " +
        "own passive ports (`listen` with `exclusive: true`), so a session's data connections reach the worker that owns it. " +
        "It is a measurement, not a server feature: bans, per-address limits and quota counts live in each worker's memory " +
        "and would need to be shared first. On this 2-core machine the bench client shares the cores too.",
    );
    out.push("");
    const k = coresTable(r);
    out.push(markdownTable(k.header, k.rows));
  }
  out.push("");
  out.push("## CPU: server and client");
  out.push("");
  out.push(
    "Seconds of CPU during each row (median over rounds): the server's (its whole process tree for vsftpd, reaped children " +
      "included), the bench client's (all of its threads), and the row's wall time. A client near one core would mean the " +
      "client, not the server, set the pace.",
  );
  out.push("");
  const c = cpuTable(r);
  out.push(markdownTable(c.header, c.rows));
  out.push("");
  out.push("## Targets");
  out.push("");
  out.push(
    "`pass`: the median per-round figure meets the target; `close`: it misses, but at least one round met it; `FAIL`: no round did.",
  );
  out.push("");
  out.push(markdownTable(["target", "status", "figure"], targetRows(r), 3));
  const issues = problems(r);
  if (issues.length > 0) {
    out.push("");
    out.push("## Problems seen");
    out.push("");
    for (const i of issues) out.push(`- ${i.replace(/\s+/g, " ").replace(/^\* /, "\\* ")}`);
  }
  out.push("");
  out.push("## How each server was run");
  out.push("");
  for (const p of r.peers) {
    out.push(`- **${LABELS[p.id]}**: ${p.available ? `\`${p.command ?? "?"}\`` : `missing: ${p.reason ?? ""}`}`);
  }
  out.push("");
  out.push("## Method");
  out.push("");
  for (const line of METHOD) out.push(`- ${line}`);
  if ((r.profiles ?? []).length > 0) {
    out.push("");
    out.push("## Profile of ours");
    for (const p of r.profiles ?? []) {
      out.push("");
      out.push(`\`${p.file}\`: ${p.totalMs} ms of CPU, idle${p.skippedMs ? ` and the first ${p.skippedMs} ms (start-up)` : ""} excluded.`);
      out.push("");
      out.push(markdownTable(["self %", "self ms", "function", "where"], p.top.map((e) => [e.selfPercent.toFixed(1), String(e.selfMs), e.functionName, e.location]), 0));
    }
  }
  out.push("");
  return out.join("\n");
}

export const METHOD = [
  "Every server runs on 127.0.0.1 with a writable temporary home under the system temp folder, anonymous login, passive mode; " +
    "through `sh -c 'ulimit -n …; exec …'` so that many sessions fit. Each round starts each server fresh, in the order ours, " +
    "pyftpdlib, vsftpd, ftp-srv (then ours without logging and with a log file), after measuring the machine limits. " +
    "Ours runs compiled (`npm run build`, then `node dist/…/main.js`), as an operator runs it; `--from-source` runs it through tsx.",
  "Before the rows, every server gets the same warm-up: 100 sessions at once log in, NOOP, LIST and QUIT, twice; then 600 more sessions, 10 at a time, log in, NOOP and QUIT. The rows then " +
    "measure a server in its steady state (for ours and ftp-srv: after Node's JIT compiled the paths every session takes); " +
    "idle memory is read before the warm-up. Before each server starts, the bench writes and deletes a file as big as the " +
    "big upload, so that every server uploads into page-cache memory just freed (on a virtual machine, memory the guest " +
    "never touched costs several times more to fill, and the first server of a round paid for it).",
  "The load client is one Node process with raw sockets: downloads are counted into one shared 1 MiB buffer (no allocation " +
    "per read), uploads write one immutable 1 MiB chunk repeatedly with backpressure. Its CPU is reported beside the server's.",
  "Throughput rows time one transfer from PASV to the 226 reply. Concurrent rows start all N at once and time until the " +
    "last one ends; the N sessions of the RETR/STOR rows are logged in before the clock starts. LIST is the median of three " +
    "listings on one session; NOOP counts round trips on one connection.",
  "CPU is read from /proc/PID/stat (utime+stime, plus cutime+cstime for reaped children). Memory is RSS and PSS from " +
    "/proc/PID/smaps_rollup, summed over vsftpd's processes; idle is just after start, per-session growth is the PSS with " +
    "N idle sessions minus the PSS just before they connected, divided by N; the peak is sampled during the N concurrent " +
    "transfers and compared with idle.",
  "A client that gets no greeting within 2 s of its TCP handshake connects again (up to 5 times): when a connect storm " +
    "overflows a small listen backlog (vsftpd's is 32), SYN cookies complete the handshake for the client while the server " +
    "keeps no trace of it, and the client would wait forever. Such cells are marked * and the reconnects are listed.",
  "The logging-cost rows run ours twice more per round, after the peers: with logging off and with a JSON log file too; " +
    "then ours as two cluster workers (the both-cores rows).",
  "Every row has a timeout; a row that errs or times out says so in its cell, and the rest of the round goes on. Servers " +
    "run in their own process group and are killed with it.",
];
