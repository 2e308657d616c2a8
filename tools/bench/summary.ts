// From the per-round cells to what the report shows: per server and row the median and
// min-max over rounds; ours against each peer as the median of per-round advantages; the
// machine limits and each throughput row as a fraction of them; the cost of logging; the
// targets. Pure: test/bench/report.test.ts feeds it made-up rounds.

import { LIMIT_IDS, type LimitId, type LimitResult } from "./limits.ts";
import { SERVER_IDS, type ServerId, type VariantId } from "./peers.ts";
import type { CoresLine, FractionLine, LoggingLine, RoundRecord, RunSummary } from "./result.ts";
import { LOGGING_ROWS, rowMeta, type RowParams } from "./rows.ts";
import { roundAdvantage, roundFraction, summarize, type Summary } from "./stats.ts";
import { evaluateTargets } from "./targets.ts";

export interface SummaryInput {
  params: RowParams;
  rounds: number;
  servers: VariantId[];
  roundRecords: RoundRecord[];
  limitRounds: Partial<Record<LimitId, LimitResult>>[];
  /** Servers asked for but not installed (reported as missing). */
  missing?: VariantId[];
}

/** values[round-1] of one server's row (null where it failed or did not run). */
export function roundValues(records: readonly RoundRecord[], server: VariantId, row: string, rounds: number): (number | null)[] {
  const out: (number | null)[] = Array.from({ length: rounds }, () => null);
  for (const r of records) {
    if (r.server !== server || r.round < 1 || r.round > rounds) continue;
    const v = (r.cells as Record<string, { value: number | null } | undefined>)[row]?.value;
    out[r.round - 1] = typeof v === "number" && Number.isFinite(v) ? v : null;
  }
  return out;
}

function limitValues(limitRounds: SummaryInput["limitRounds"], id: LimitId | "file-best"): (number | null)[] {
  return limitRounds.map((l) => {
    if (id === "file-best") {
      const a = l["file-stream"]?.mibps ?? null;
      const b = l["file-bigreads"]?.mibps ?? null;
      return a === null ? b : b === null ? a : Math.max(a, b);
    }
    return l[id]?.mibps ?? null;
  });
}

export function summarizeRun(input: SummaryInput): RunSummary {
  const { params, rounds, servers, roundRecords } = input;
  const rows = rowMeta(params);
  const values: RunSummary["values"] = {};
  const errors: RunSummary["errors"] = {};
  const series = (server: VariantId, row: string) => roundValues(roundRecords, server, row, rounds);

  for (const server of servers) {
    const v: Record<string, Summary | null> = {};
    for (const row of rows) v[row.id] = summarize(series(server, row.id));
    values[server] = v;
    const e: Record<string, string[]> = {};
    for (const r of roundRecords.filter((x) => x.server === server)) {
      if (r.startError) (e.start ??= []).push(`round ${r.round}: ${r.startError}`);
      for (const [row, cell] of Object.entries(r.cells)) {
        if (cell?.error) (e[row] ??= []).push(`round ${r.round}: ${cell.error}`);
      }
    }
    errors[server] = e;
  }

  const advantages: RunSummary["advantages"] = {};
  if (servers.includes("ours")) {
    for (const peer of SERVER_IDS.filter((s) => s !== "ours" && servers.includes(s))) {
      const a: Record<string, Summary | null> = {};
      for (const row of rows) {
        if (row.informational) continue;
        a[row.id] = roundAdvantage(series("ours", row.id), series(peer, row.id), row.better);
      }
      advantages[peer] = a;
    }
  }

  const limits: RunSummary["limits"] = {};
  for (const id of [...LIMIT_IDS, "file-best"] as const) limits[id] = summarize(limitValues(input.limitRounds, id));

  const fractionSpecs: Omit<FractionLine, "servers">[] = [
    { row: "stor_big", limit: "socket-file", label: "STOR ÷ socket → file" },
    { row: "stor_big", limit: "loopback-up", label: "STOR ÷ loopback TCP (client → server)" },
    { row: "retr_big", limit: "file-best", label: "RETR ÷ file → socket (best of the two)" },
    { row: "retr_big", limit: "file-stream", label: "RETR ÷ file → socket (createReadStream)" },
    { row: "retr_big", limit: "loopback-down", label: "RETR ÷ loopback TCP (server → client)" },
  ];
  const mainServers = SERVER_IDS.filter((s) => servers.includes(s)) as ServerId[];
  const fractions: FractionLine[] = fractionSpecs.map((spec) => {
    const perServer: FractionLine["servers"] = {};
    for (const s of mainServers) perServer[s] = roundFraction(series(s, spec.row), limitValues(input.limitRounds, spec.limit));
    return { ...spec, servers: perServer };
  });

  const logging: LoggingLine[] = [];
  if (servers.includes("ours-nolog") && servers.includes("ours")) {
    for (const row of LOGGING_ROWS) {
      const meta = rows.find((r) => r.id === row)!;
      const nolog = series("ours-nolog", row);
      logging.push({
        row,
        label: meta.label,
        nolog: summarize(nolog),
        console: summarize(series("ours", row)),
        logfile: servers.includes("ours-logfile") ? summarize(series("ours-logfile", row)) : null,
        // a time ratio: variant ÷ no logging ("higher" makes advantage() divide ours by peer)
        consoleCost: roundAdvantage(series("ours", row), nolog, "higher"),
        logfileCost: servers.includes("ours-logfile") ? roundAdvantage(series("ours-logfile", row), nolog, "higher") : null,
      });
    }
  }

  const cores: CoresLine[] = [];
  if (servers.includes("ours-cluster") && servers.includes("ours")) {
    for (const row of LOGGING_ROWS) {
      const meta = rows.find((r) => r.id === row)!;
      const one = series("ours", row);
      const two = series("ours-cluster", row);
      // a time ratio: one process ÷ two ("lower" makes advantage() divide the second by the first)
      cores.push({ row, label: meta.label, one: summarize(one), two: summarize(two), speedup: roundAdvantage(two, one, "lower") });
    }
  }

  const partial = { values, errors, advantages, limits, fractions, logging, cores };
  return { ...partial, targets: evaluateTargets(partial, params, servers, input.missing ?? []) };
}
