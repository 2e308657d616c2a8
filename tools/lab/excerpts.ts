// Code quoted in a lesson README must be the real code. A quote is an HTML comment naming a
// marked block of final/src, followed by a fenced code block with that block's excerpt:
//
//   <!-- excerpt: final/src/data/passive.ts#passive-range -->
//   ```ts
//   for (const port of candidatePorts(options.range)) { ... }
//   ```
//
// checkExcerpts() compares every such fence with excerpt() of the named block (the block as
// it stands in its own lesson's solution, dedented: see tools/curriculum/project.ts).
//
//   -> { checked: 12, problems: [{ file: "lessons/02-passive-ports/README.md", line: 40,
//        problem: "excerpt final/src/data/passive.ts#passive-range is stale: line 3 ..." }] }

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { excerpt } from "../curriculum/project.ts";
import type { Lesson } from "./course.ts";

export interface ExcerptProblem {
  file: string;
  line: number;
  problem: string;
}

export interface ExcerptCheck {
  checked: number;
  problems: ExcerptProblem[];
}

const QUOTE = /^\s*<!--\s*excerpt:\s*(\S+?)#([A-Za-z0-9_-]+)\s*-->\s*$/;
const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

export interface Quote {
  /** 1-based line of the comment. */
  line: number;
  source: string;
  block: string;
  /** The fenced code under the comment, or null when there is none. */
  code: string | null;
}

/** Every excerpt comment of a Markdown text, with the code fence that follows it. */
export function findQuotes(markdown: string): Quote[] {
  const lines = markdown.replace(/\r\n/g, "\n").split("\n");
  const quotes: Quote[] = [];
  for (let i = 0; i < lines.length; i++) {
    const quote = QUOTE.exec(lines[i]!);
    if (!quote) continue;
    const commentLine = i + 1;
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() === "") j++;
    const open = FENCE.exec(lines[j] ?? "");
    let code: string | null = null;
    if (open) {
      const [, indentation, fence] = open as unknown as [string, string, string];
      const body: string[] = [];
      let k = j + 1;
      for (; k < lines.length; k++) {
        const close = FENCE.exec(lines[k]!);
        if (close && close[2]![0] === fence[0] && close[2]!.length >= fence.length && close[3]!.trim() === "") break;
        // A fence indented inside a list item: its lines carry that indentation too.
        body.push(lines[k]!.startsWith(indentation) ? lines[k]!.slice(indentation.length) : lines[k]!.trimStart());
      }
      if (k < lines.length) code = body.join("\n");
      i = k;
    }
    quotes.push({ line: commentLine, source: quote[1]!, block: quote[2]!, code });
  }
  return quotes;
}

export function checkExcerpts(root: string, lessons: readonly Lesson[]): ExcerptCheck {
  const result: ExcerptCheck = { checked: 0, problems: [] };
  const lessonIds = lessons.map((l) => l.id);
  for (const lesson of lessons) {
    const file = `${lesson.dir}/README.md`;
    const absolute = path.join(root, file);
    if (!existsSync(absolute)) continue;
    for (const quote of findQuotes(readFileSync(absolute, "utf8"))) {
      result.checked++;
      const problem = checkQuote(root, quote, lessonIds);
      if (problem) result.problems.push({ file, line: quote.line, problem });
    }
  }
  return result;
}

function checkQuote(root: string, quote: Quote, lessonIds: readonly number[]): string | null {
  const name = `${quote.source}#${quote.block}`;
  if (!quote.source.startsWith("final/src/")) return `excerpt ${name}: quote blocks of final/src only`;
  const sourceFile = path.join(root, quote.source);
  if (!existsSync(sourceFile)) return `excerpt ${name}: ${quote.source} does not exist`;
  if (quote.code === null) return `excerpt ${name}: no fenced code block follows the comment`;
  let expected: string;
  try {
    expected = excerpt(readFileSync(sourceFile, "utf8"), quote.block, { file: quote.source, lessonIds });
  } catch (err) {
    return `excerpt ${name}: ${(err as Error).message}`;
  }
  const want = expected.split("\n");
  if (quote.code.trim() === "") return `excerpt ${name}: the code block is empty (it should hold the block's ${want.length} lines)`;
  const have = quote.code.split("\n");
  for (let i = 0; i < Math.max(want.length, have.length); i++) {
    if (want[i] !== have[i]) {
      const show = (s: string | undefined) => (s === undefined ? "(end of excerpt)" : JSON.stringify(s));
      return `excerpt ${name} is stale: code line ${i + 1} should be ${show(want[i])}, the README has ${show(have[i])}`;
    }
  }
  return null;
}
