// The shape of a run: what .bench/latest.json holds. The raw per-round cells are kept so that
// a report (or another summary) can be made again from the JSON alone.

import type { LimitId, LimitResult } from "./limits.ts";
import type { MachineInfo } from "./machine.ts";
import type { ServerId, VariantId } from "./peers.ts";
import type { Cells, RowParams } from "./rows.ts";
import type { Summary } from "./stats.ts";

export interface PeerRecord {
  id: VariantId;
  available: boolean;
  version?: string;
  reason?: string;
  /** The command line of its first start (with this run's temp paths). */
  command?: string;
}

export interface RoundRecord {
  round: number;
  server: VariantId;
  /** Set when the server did not start; then there are no cells. */
  startError?: string;
  cells: Cells;
  /** The 1-minute load average when this server's measurement started (other work on the box). */
  load?: number;
  /** Lines of the server's log that look like errors or warnings (count and the first few). */
  logIssues?: { count: number; first: string[] };
}

export interface ProfileEntry {
  functionName: string;
  location: string;
  selfMs: number;
  selfPercent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Samples in the first this many ms (the server's start-up) were left out. */
  skippedMs?: number;
  top: ProfileEntry[];
}

export interface RunResult {
  schema: "ftp-lab-bench/1";
  startedAt: string;
  durationSeconds: number;
  quick: boolean;
  rounds: number;
  params: RowParams;
  /** The servers in the order each round ran them. */
  servers: VariantId[];
  machine: MachineInfo;
  peers: PeerRecord[];
  notes: string[];
  limitRounds: Partial<Record<LimitId, LimitResult>>[];
  roundRecords: RoundRecord[];
  summary: RunSummary;
  profiles?: ProfileSummary[];
}

export interface FractionLine {
  row: "stor_big" | "retr_big";
  limit: LimitId | "file-best";
  label: string;
  servers: Partial<Record<VariantId, Summary | null>>;
}

export interface LoggingLine {
  row: string;
  label: string;
  nolog: Summary | null;
  console: Summary | null;
  logfile: Summary | null;
  /** Per-round time ratios to the no-logging run (1.05 = 5 % slower). */
  consoleCost: Summary | null;
  logfileCost: Summary | null;
}

/** Ours in one process against ours in two (node:cluster): the concurrent rows. */
export interface CoresLine {
  row: string;
  label: string;
  one: Summary | null;
  two: Summary | null;
  /** Per-round time ratios, one process ÷ two (1.6 = 1.6 times as fast with both cores). */
  speedup: Summary | null;
}

export type TargetStatus = "pass" | "fail" | "close" | "n/a";

export interface TargetLine {
  id: string;
  text: string;
  status: TargetStatus;
  figure: string;
}

export interface RunSummary {
  values: Partial<Record<VariantId, Record<string, Summary | null>>>;
  /** Per row, the distinct errors each server gave (with their rounds). */
  errors: Partial<Record<VariantId, Record<string, string[]>>>;
  /** Ours vs each peer: median of per-round advantages (>1: ours better). */
  advantages: Partial<Record<ServerId, Record<string, Summary | null>>>;
  limits: Partial<Record<LimitId | "file-best", Summary | null>>;
  fractions: FractionLine[];
  logging: LoggingLine[];
  /** Absent in results saved before the cluster variant existed. */
  cores?: CoresLine[];
  targets: TargetLine[];
}
