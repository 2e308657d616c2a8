// Prints one closing line, `N passed, N failed` (and `, N skipped`), after vitest's own
// summary: the plain form that CI systems and graders read, whatever the test runner.
// After it, when tests did not run because a tool is missing (test/harness/tools-available.ts),
// one line per missing tool and one install line for them all:
//
//   40 passed, 0 failed, 35 skipped
//   skipped because tools are missing: lftp (sudo apt-get install lftp): 23 tests (test/final/interop-lftp.test.ts, ...)
//   to run them: sudo apt-get install lftp curl

import type { Reporter, File, Task } from "vitest";
import { packagesOfMarkers, parseMissingMarker } from "./harness/tool-marker.ts";

interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  /** marker text -> files, test count; for skipped and for failed (CI) tests. */
  missing: { skipped: Map<string, Tally>; failed: Map<string, Tally> };
}

interface Tally {
  tests: number;
  files: Set<string>;
}

function markerOf(task: Task): string | null {
  for (let t: Task | undefined = task; t; t = t.suite) {
    const marker = parseMissingMarker(t.name);
    if (marker) return marker;
  }
  return null;
}

function tally(map: Map<string, Tally>, marker: string, file: string): void {
  const entry = map.get(marker) ?? { tests: 0, files: new Set<string>() };
  entry.tests++;
  entry.files.add(file);
  map.set(marker, entry);
}

function count(tasks: Task[], totals: Totals): void {
  for (const task of tasks) {
    if (task.type === "suite") {
      count(task.tasks, totals);
      continue;
    }
    const state = task.result?.state;
    if (state === "pass") totals.passed++;
    else if (state === "fail") totals.failed++;
    else totals.skipped++;
    const marker = state === "pass" ? null : markerOf(task);
    if (marker) tally(state === "fail" ? totals.missing.failed : totals.missing.skipped, marker, task.file.name);
  }
}

function missingLines(head: string, map: Map<string, Tally>): string[] {
  return [...map].map(([marker, { tests, files }]) => {
    const names = [...files].sort();
    const where = names.length <= 4 ? names.join(", ") : `${names.length} files`;
    return `${head}: ${marker}: ${tests} test${tests === 1 ? "" : "s"} (${where})`;
  });
}

export default class SummaryReporter implements Reporter {
  onFinished(files: File[] = [], errors: unknown[] = []): void {
    const totals: Totals = { passed: 0, failed: 0, skipped: 0, missing: { skipped: new Map(), failed: new Map() } };
    count(files, totals);
    // A file that failed to load (syntax error, failing hook) has no failing test of its own.
    const brokenFiles = files.filter((f) => f.result?.state === "fail" && f.tasks.length === 0).length;
    totals.failed += brokenFiles + errors.length;
    const skipped = totals.skipped ? `, ${totals.skipped} skipped` : "";
    const lines = [`${totals.passed} passed, ${totals.failed} failed${skipped}`];
    lines.push(...missingLines("skipped because tools are missing", totals.missing.skipped));
    lines.push(...missingLines("failed because tools are missing (CI is set: a missing tool fails)", totals.missing.failed));
    const markers = [...totals.missing.skipped.keys(), ...totals.missing.failed.keys()];
    if (markers.length) lines.push(`to run them (Debian/Ubuntu): sudo apt-get install ${packagesOfMarkers(markers).join(" ")}`);
    process.stdout.write(`\n${lines.join("\n")}\n`);
  }
}
