// `npm run bench -- [options]`: what to run and how big. --quick picks small sizes and one
// round (about a minute); any size given explicitly wins over the preset.

import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { SERVER_IDS, VARIANT_IDS, type VariantId } from "./peers.ts";
import { MEASURED_ROWS, type MeasuredRow, type RowParams } from "./rows.ts";

export interface BenchOptions {
  params: RowParams;
  rounds: number;
  quick: boolean;
  /** Servers in round order (missing ones are reported, not dropped). */
  servers: VariantId[];
  rows: MeasuredRow[];
  /** Also write the JSON here (besides OUT_DIR/latest.json). */
  json?: string;
  outDir: string;
  /** Markdown report (docs/benchmarks.md), or null for none. */
  docs: string | null;
  installPeers: boolean;
  profileDir?: string;
  /** Run ours from its TypeScript source through tsx instead of compiled (npm run build). */
  fromSource: boolean;
  timeoutScale: number;
  /** The machine limits each round (off: no fractions). */
  limits: boolean;
  /** Do not run: report again from this JSON result (e.g. docs after a report change). */
  fromJson?: string;
}

export class UsageError extends Error {}

/** "512M", "10MiB", "1G", "64k", "1048576" → bytes (binary units). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`not a size: ${text} (e.g. 512M, 10M, 1G)`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  const bytes = Math.round(Number(m[1]) * unit);
  if (bytes <= 0) throw new InvalidArgumentError(`size must be positive: ${text}`);
  return bytes;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`not a whole number: ${text}`);
  return n;
}

function list<T extends string>(allowed: readonly T[], what: string) {
  return (text: string): T[] => {
    const items = text.split(",").map((s) => s.trim()).filter(Boolean);
    for (const i of items) if (!allowed.includes(i as T)) throw new InvalidArgumentError(`unknown ${what} ${i} (one of ${allowed.join(", ")})`);
    return items as T[];
  };
}

export const FULL = { clients: 200, rounds: 3, big: 512 * 1024 ** 2, file: 10 * 1024 ** 2, list: 10_000, noop: 2, maxSessions: 1000 };
export const QUICK = { clients: 20, rounds: 1, big: 64 * 1024 ** 2, file: 1024 ** 2, list: 2_000, noop: 0.5, maxSessions: 0 };

export function parseOptions(argv: readonly string[]): BenchOptions | "help" {
  const all: VariantId[] = [...SERVER_IDS, ...VARIANT_IDS];
  const program = new Command("npm run bench --")
    .description("Benchmark ftp-lab's server against pyftpdlib, vsftpd and ftp-srv on loopback.")
    .option("--quick", "small sizes, one round (about a minute)")
    .option("--clients <n>", `concurrent clients N (default ${FULL.clients}; --quick ${QUICK.clients})`, positiveInt)
    .option("--rounds <n>", `rounds, servers interleaved (default ${FULL.rounds}; --quick ${QUICK.rounds})`, positiveInt)
    .option("--big <size>", `the one big file (default 512M; --quick 64M)`, parseSize)
    .option("--file <size>", `the file of the N concurrent transfers (default 10M; --quick 1M)`, parseSize)
    .option("--list <n>", `entries in the LIST folder (default ${FULL.list}; --quick ${QUICK.list})`, positiveInt)
    .option("--noop-seconds <s>", "how long the NOOP row runs (default 2; --quick 0.5)", Number)
    .option("--max-sessions <n>", `the many-sessions row, M sessions (default ${FULL.maxSessions}; --quick: 0, skipped)`, positiveInt)
    .option("--servers <list>", `servers to run, in order (default: ${all.join(",")})`, list(all, "server"))
    .option("--no-logging-variants", "skip ours' variants: ours-nolog and ours-logfile (the logging-cost rows), ours-cluster (both cores)")
    .option("--rows <list>", `measured rows to run (default all: ${MEASURED_ROWS.join(",")})`, list(MEASURED_ROWS, "row"))
    .option("--no-limits", "skip the machine-limit measurements")
    .option("--json <file>", "also write the JSON result here")
    .option("--out-dir <dir>", "where latest.json goes", ".bench")
    .option("--docs <file>", "the markdown report to regenerate", "docs/benchmarks.md")
    .option("--no-docs", "do not write the markdown report")
    .option("--from-source", "run ours from final/src through tsx (the course's way) instead of compiled, as an operator runs it")
    .option("--install-peers", "apt-get install the missing Debian peers (pyftpdlib, vsftpd; needs root)")
    .option("--profile <dir>", "run ours (and its logging variants) with node --cpu-prof into DIR/<server>-r<round> and summarise the profiles")
    .option("--from-json <file>", "run nothing: print and write the reports again from a saved JSON result")
    .addOption(new Option("--timeout-scale <x>", "multiply every row's timeout").argParser(Number).default(1))
    .exitOverride()
    .configureOutput({ writeOut: (t) => process.stdout.write(t), writeErr: () => {} })
    .allowExcessArguments(false);
  try {
    program.parse([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.help") return "help";
      throw new UsageError(err.message.replace(/^error: /, ""));
    }
    throw err;
  }
  const o = program.opts<{
    quick?: boolean;
    clients?: number;
    rounds?: number;
    big?: number;
    file?: number;
    list?: number;
    noopSeconds?: number;
    maxSessions?: number;
    servers?: VariantId[];
    loggingVariants: boolean;
    rows?: MeasuredRow[];
    limits: boolean;
    json?: string;
    outDir: string;
    docs: string | false;
    installPeers?: boolean;
    fromSource?: boolean;
    profile?: string;
    timeoutScale: number;
    fromJson?: string;
  }>();
  const preset = o.quick ? QUICK : FULL;
  if (o.noopSeconds !== undefined && !(o.noopSeconds > 0)) throw new UsageError("--noop-seconds must be positive");
  if (!(o.timeoutScale > 0)) throw new UsageError("--timeout-scale must be positive");
  const clients = o.clients ?? preset.clients;
  if (clients < 1) throw new UsageError("--clients must be at least 1");
  let servers = o.servers ?? all;
  if (!o.loggingVariants) servers = servers.filter((s) => !(VARIANT_IDS as readonly string[]).includes(s));
  return {
    params: {
      clients,
      bigBytes: o.big ?? preset.big,
      fileBytes: o.file ?? preset.file,
      listEntries: o.list ?? preset.list,
      noopSeconds: o.noopSeconds ?? preset.noop,
      maxSessions: o.maxSessions ?? preset.maxSessions,
    },
    rounds: Math.max(1, o.rounds ?? preset.rounds),
    quick: !!o.quick,
    servers,
    rows: o.rows ?? [...MEASURED_ROWS],
    ...(o.json ? { json: o.json } : {}),
    outDir: o.outDir,
    docs: o.docs === false ? null : o.docs,
    installPeers: !!o.installPeers,
    fromSource: !!o.fromSource,
    ...(o.profile ? { profileDir: o.profile } : {}),
    timeoutScale: o.timeoutScale,
    limits: o.limits,
    ...(o.fromJson ? { fromJson: o.fromJson } : {}),
  };
}
