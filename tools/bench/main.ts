// `npm run bench`: ftp-lab's server against pyftpdlib, vsftpd and ftp-srv on loopback.
//
//   npm run bench                      N = 200, 3 rounds, 512 MiB big file (about 10 minutes)
//   npm run bench -- --quick           N = 20, 1 round, small files (about a minute)
//   npm run bench -- --clients 1000 --servers ours --rows login_n,quit_n
//   npm run bench -- --servers ours --rows retr_n --profile .bench/profile
//   npm run bench -- --from-json .bench/latest.json   the reports again, nothing run
//   npm run bench -- --help
//
// Prints a table on stdout (progress on stderr), writes .bench/latest.json (and --json FILE)
// and regenerates docs/benchmarks.md (--no-docs: not). Modules: options (flags), peers (how
// each server starts), server-process (start/stop), ftp-client (the load client), rows (the
// measurements), procfs (CPU and memory), limits (the machine's), stats/summary/targets
// (figures), report (table, markdown), run (the rounds).

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseOptions, UsageError } from "./options.ts";
import { markdownReport, textReport } from "./report.ts";
import type { RunResult } from "./result.ts";
import { runBench, stopAll } from "./run.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === "commander.invalidArgument") {
      process.stderr.write(`bench: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
  if (options === "help") return 0;
  if (process.platform !== "linux") {
    process.stderr.write("bench: needs Linux (/proc for CPU and memory)\n");
    return 2;
  }
  const interrupted = async () => {
    process.stderr.write("\nbench: interrupted, stopping servers\n");
    await stopAll();
    process.exit(130);
  };
  process.once("SIGINT", () => void interrupted());
  process.once("SIGTERM", () => void interrupted());

  const result: RunResult = options.fromJson
    ? (JSON.parse(readFileSync(path.resolve(options.fromJson), "utf8")) as RunResult)
    : await runBench(options, repoRoot, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(textReport(result));
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const outDir = path.resolve(repoRoot, options.outDir);
  mkdirSync(outDir, { recursive: true });
  const written = [path.join(outDir, "latest.json")];
  writeFileSync(written[0]!, json);
  if (options.json) {
    const file = path.resolve(options.json);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, json);
    written.push(file);
  }
  if (options.docs) {
    const file = path.resolve(repoRoot, options.docs);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, markdownReport(result));
    written.push(file);
  }
  process.stderr.write(`wrote ${written.map((f) => path.relative(process.cwd(), f) || f).join(", ")}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
