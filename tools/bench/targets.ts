// The performance targets for our server (the list), judged on a run's summary.
// Comparisons use the median of per-round advantages (ours vs the peer in the same round):
// "pass" at >= 1; "close" when the median misses but at least one round reached 1 (within
// this box's noise); "fail" otherwise; "n/a" when a figure is missing (peer not installed,
// row not run), with the reason.

import { SERVER_IDS, type ServerId, type VariantId } from "./peers.ts";
import type { RunSummary, TargetLine, TargetStatus } from "./result.ts";
import type { RowParams } from "./rows.ts";
import type { Summary } from "./stats.ts";

const x = (s: Summary) => `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

function judge(s: Summary | null | undefined, goal = 1): TargetStatus {
  if (!s) return "n/a";
  if (s.median >= goal) return "pass";
  return s.max >= goal ? "close" : "fail";
}

export function evaluateTargets(
  s: Omit<RunSummary, "targets">,
  params: RowParams,
  servers: readonly VariantId[],
  missing: readonly VariantId[] = [],
): TargetLine[] {
  const out: TargetLine[] = [];
  const has = (id: VariantId) => servers.includes(id);
  const vsPeer = (id: string, text: string, row: string, peer: ServerId) => {
    const a = s.advantages[peer]?.[row];
    out.push({
      id,
      text,
      status: judge(a),
      figure: missing.includes(peer)
        ? `${peer} missing`
        : !has(peer)
          ? `${peer} not run (--servers)`
          : a
            ? `ours is ${x(a)} ${peer}`
            : "no figure (errors: see the table)",
    });
  };
  const vsBestPeer = (id: string, text: string, row: string) => {
    const peers = SERVER_IDS.filter((p) => p !== "ours" && has(p));
    const figures = peers.map((p) => ({ p, a: s.advantages[p]?.[row] ?? null }));
    const known = figures.filter((f): f is { p: ServerId; a: Summary } => f.a !== null);
    const worst = known.sort((a, b) => a.a.median - b.a.median)[0];
    const absent = figures.filter((f) => f.a === null).map((f) => f.p);
    out.push({
      id,
      text,
      // A peer without a figure failed its row or did not run: it is listed, not compared.
      status: worst ? judge(worst.a) : "n/a",
      figure: [
        ...known.map((f) => `${f.p} ${f.a.median.toFixed(2)}×`),
        ...absent.map((p) => `${p}: ${missing.includes(p) ? "missing" : "no figure"}`),
      ].join(", ") || "no peers ran",
    });
  };
  const ours = (row: string) => s.values.ours?.[row] ?? null;

  vsPeer("stor-vs-vsftpd", "STOR throughput >= vsftpd's", "stor_big", "vsftpd");
  vsPeer("retr-vs-pyftpdlib", "RETR throughput >= pyftpdlib's", "retr_big", "pyftpdlib");
  const frac = s.fractions.find((f) => f.row === "retr_big" && f.limit === "file-best")?.servers.ours ?? null;
  out.push({
    id: "retr-vs-limit",
    text: "RETR >= 0.8 of the file → socket limit",
    status: judge(frac, 0.8),
    figure: frac ? `${frac.median.toFixed(2)} (${frac.min.toFixed(2)}–${frac.max.toFixed(2)}) of the limit` : "no figure",
  });
  vsPeer("login-vs-pyftpdlib", `${params.clients} concurrent connect + login no slower than pyftpdlib`, "login_n", "pyftpdlib");
  vsBestPeer("retr-n-vs-best", `${params.clients} concurrent RETR no slower than the best peer`, "retr_n");
  vsBestPeer("stor-n-vs-best", `${params.clients} concurrent STOR no slower than the best peer`, "stor_n");
  vsPeer("list-vs-pyftpdlib", `LIST of ${params.listEntries} entries no slower than pyftpdlib`, "list", "pyftpdlib");
  vsPeer("noop-vs-pyftpdlib", "NOOP rate >= pyftpdlib's", "noop", "pyftpdlib");

  const perSession = ours("mem_per_session");
  out.push({
    id: "mem-per-session",
    text: "memory per idle session <= 16 KiB",
    status: perSession ? (perSession.median <= 16 ? "pass" : perSession.min <= 16 ? "close" : "fail") : "n/a",
    figure: perSession ? `${perSession.median.toFixed(1)} KiB (${perSession.min.toFixed(1)}–${perSession.max.toFixed(1)})` : "no figure",
  });
  const peak = ours("mem_peak_growth");
  out.push({
    id: "mem-peak",
    text: `peak growth under ${params.clients} concurrent transfers <= 32 MiB over idle`,
    status: peak ? (peak.median <= 32 ? "pass" : peak.min <= 32 ? "close" : "fail") : "n/a",
    figure: peak ? `${peak.median.toFixed(1)} MiB (${peak.min.toFixed(1)}–${peak.max.toFixed(1)})` : "no figure",
  });

  // Logging costs "nothing measurable": the median cost is under 5 %, or some round was not
  // slower at all (the cost is inside the noise).
  if (s.logging.length === 0) {
    out.push({ id: "logging", text: "logging at info level costs nothing measurable", status: "n/a", figure: "logging variants did not run" });
  } else {
    const costs = s.logging.flatMap((l) => [
      { what: `console ${l.row}`, c: l.consoleCost },
      { what: `file ${l.row}`, c: l.logfileCost },
    ]);
    const measurable = costs.filter((c) => c.c && c.c.median > 1.05 && c.c.min > 1);
    const unknown = costs.every((c) => !c.c);
    out.push({
      id: "logging",
      text: "logging at info level costs nothing measurable",
      status: unknown ? "n/a" : measurable.length === 0 ? "pass" : "fail",
      figure: unknown
        ? "no figure"
        : measurable.length === 0
          ? `largest median cost ${Math.max(...costs.map((c) => ((c.c?.median ?? 1) - 1) * 100)).toFixed(1)} %`
          : measurable.map((m) => `${m.what} +${((m.c!.median - 1) * 100).toFixed(0)} %`).join(", "),
    });
  }

  const max = ours("sessions_max");
  const maxErrors = s.errors.ours?.sessions_max ?? [];
  out.push({
    id: "sessions-1000",
    text: "1000 concurrent sessions complete without errors",
    status: params.maxSessions < 1000 ? "n/a" : maxErrors.length > 0 ? "fail" : max ? "pass" : "n/a",
    figure:
      params.maxSessions < 1000
        ? `not run (--max-sessions ${params.maxSessions})`
        : maxErrors.length > 0
          ? maxErrors[0]!
          : max
            ? `${params.maxSessions} sessions in ${max.median.toFixed(2)} s, no errors in ${max.n} rounds`
            : "no figure",
  });
  return out;
}
