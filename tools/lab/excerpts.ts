// Code quoted in the lesson READMEs (and docs/*.md) must be the real code. A quote is an
// HTML comment naming a marked block of final/src, followed by a fenced code block:
//
//   <!-- excerpt: final/src/data/passive.ts#port-range -->
//   ```ts
//   for (let i = 0; i < size; i++) yield range.from + ((start + i) % size);
//   ```
//
// `npm run gen` fills these fences and `gen --check` verifies them (tools/docs/excerpts.ts);
// verify reports the excerpts on a line of their own, with the very same reader and
// comparison, and without recording the diagrams that gen also checks.
//
//   checkExcerpts(root, lessons)
//   -> { checked: 18, problems: ["lessons/02-passive-ports/README.md:92: excerpt final/src/...: stale ..."] }

import { readFileSync } from "node:fs";
import path from "node:path";
import { excerpt } from "../curriculum/project.ts";
import { compareRegion, findRegions, infoFor, listDocs } from "../docs/excerpts.ts";
import type { Lesson } from "./course.ts";

export interface ExcerptCheck {
  checked: number;
  /** "file:line: problem", one per wrong excerpt. */
  problems: string[];
}

export async function checkExcerpts(root: string, lessons: readonly Lesson[]): Promise<ExcerptCheck> {
  const result: ExcerptCheck = { checked: 0, problems: [] };
  const lessonIds = lessons.map((l) => l.id);
  for (const file of await listDocs(root)) {
    let regions;
    try {
      regions = findRegions(readFileSync(path.join(root, file), "utf8"), file);
    } catch (err) {
      result.problems.push((err as Error).message);
      continue;
    }
    for (const region of regions) {
      if (region.kind !== "excerpt") continue;
      result.checked++;
      const problem = (text: string, line = region.line) => result.problems.push(`${file}:${line}: ${text}`);
      let body: string;
      try {
        const source = readFileSync(path.join(root, region.source!), "utf8");
        body = excerpt(source, region.block!, { file: region.source!, lessonIds, ...(region.stage !== undefined ? { stage: region.stage } : {}) });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        problem(`excerpt ${region.spec}: ${code === "ENOENT" ? `no such file ${region.source}` : (err as Error).message}`);
        continue;
      }
      const difference = compareRegion(region, { body, info: infoFor(region) });
      if (difference) problem(difference.problem, difference.line);
    }
  }
  return result;
}
