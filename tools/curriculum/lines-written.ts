// `npm run course:lines`: how much code each lesson has the learner write. For each lesson, the
// lines of code (not blank, not a comment) added from one reference to the next (the kit ->
// solution 0, solution N-1 -> solution N), by a real line diff of every file, as a markdown
// table. `npm run verify` prints it too.
//
//   | lesson | title                          | lines written | lines removed | files |
//   | ---:   | ---                            | ---:          | ---:          | ---:  |
//   | 0      | The protocol core: ...         | 640           | 12            | 14    |
//   | 1      | Local authorizer: ...          | 120           | 8             | 5     |
//   | total  |                                | 1480          | 70            |       |
//
// "lines removed" are lines of the earlier reference that the lesson rewrites or deletes (a
// changed line counts once in each column); "files" are the files the lesson adds or changes.

import path from "node:path";
import { pathToFileURL } from "node:url";
import type { FileMap } from "./file-tree.ts";
import { projectStages } from "./generate.ts";
import { diffCounts } from "./line-diff.ts";
import { loadManifest, MANIFEST_PATH, REPO_ROOT, type Lesson } from "./manifest.ts";

export interface LessonLines {
  lesson: Lesson;
  added: number;
  removed: number;
  /** Files the lesson adds or changes (code lines only). */
  files: number;
}

/** The code lines of a file: neither blank nor a comment (`//`, or inside `/* ... *\/`), trailing spaces trimmed. */
export function codeLines(text: string): string[] {
  const lines: string[] = [];
  let inBlock = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const trimmed = line.trim();
    if (inBlock) {
      if (trimmed.includes("*/")) {
        inBlock = false;
        const rest = trimmed.slice(trimmed.indexOf("*/") + 2).trim();
        if (rest !== "" && !rest.startsWith("//")) lines.push(line);
      }
      continue;
    }
    if (trimmed === "" || trimmed.startsWith("//")) continue;
    if (trimmed.startsWith("/*")) {
      const close = trimmed.indexOf("*/", 2);
      if (close < 0) inBlock = true;
      else if (trimmed.slice(close + 2).trim() !== "") lines.push(line);
      continue;
    }
    lines.push(line);
  }
  return lines;
}

const CODE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

/** Lines added and removed from one stage's files to the next's (code files only). */
export function stageDiff(before: FileMap, after: FileMap): { added: number; removed: number; files: number } {
  let added = 0;
  let removed = 0;
  let files = 0;
  for (const file of new Set([...before.keys(), ...after.keys()])) {
    if (!CODE.test(file)) continue;
    const a = before.has(file) ? codeLines(before.get(file)!.toString("utf8")) : [];
    const b = after.has(file) ? codeLines(after.get(file)!.toString("utf8")) : [];
    const counts = diffCounts(a, b);
    added += counts.added;
    removed += counts.removed;
    if (counts.added > 0 || (counts.removed > 0 && after.has(file))) files++;
  }
  return { added, removed, files };
}

/** Each lesson's lines, from the kit (for the first lesson) or the previous solution. */
export async function linesWritten(sourceDir: string, lessons: readonly Lesson[]): Promise<LessonLines[]> {
  const { kit, solutions } = await projectStages(sourceDir, lessons);
  const rows: LessonLines[] = [];
  let previous = kit;
  for (const lesson of lessons) {
    const current = solutions.get(lesson.id)!;
    rows.push({ lesson, ...stageDiff(previous, current) });
    previous = current;
  }
  return rows;
}

/** The markdown table, with a total row. */
export function linesTable(rows: readonly LessonLines[]): string[] {
  const table = [
    ["lesson", "title", "lines written", "lines removed", "files"],
    ...rows.map((r) => [String(r.lesson.id), clip(r.lesson.title, 60), String(r.added), String(r.removed), String(r.files)]),
    ["total", "", String(rows.reduce((s, r) => s + r.added, 0)), String(rows.reduce((s, r) => s + r.removed, 0)), ""],
  ];
  const widths = table[0]!.map((_, c) => Math.max(4, ...table.map((row) => row[c]!.length)));
  const right = [true, false, true, true, true];
  const cell = (text: string, c: number) => (right[c] ? text.padStart(widths[c]!) : text.padEnd(widths[c]!));
  const line = (row: readonly string[]) => `| ${row.map(cell).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => (right[c] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(table[0]!), rule, ...table.slice(1).map(line)];
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 3)}...`;
}

export async function main(root: string = REPO_ROOT, out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const lessons = loadManifest(path.join(root, MANIFEST_PATH));
  const rows = await linesWritten(path.join(root, "final", "src"), lessons);
  out("Lines of code each lesson has the learner write (not blank, not comments; kit -> solution 0, solution N-1 -> solution N):");
  out("");
  for (const l of linesTable(rows)) out(l);
  return 0;
}

// Run only as a script, so tests and verify can import it without side effects.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => (process.exitCode = code),
    (err: Error) => {
      console.error(`course:lines: ${err.message}`);
      process.exitCode = 1;
    },
  );
}
