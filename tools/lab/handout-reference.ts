// `npm run hint N [k] -- --reference`: the reference code of a lesson, where the course has it.
//
//   - In the full course (final/src is here): the excerpts named by `<!-- reference:
//     final/src/FILE#BLOCK -->` lines of hints.md (those of hint k, else of hint k's part, else
//     of the whole file), or, when hints.md names none, every `//> N name` block of lesson N as
//     it stands in solution N.
//   - With only solutions/NN-slug/src (a teacher released them): where they are, and which files
//     the lesson changed since the previous solution.
//   - In the student handout (no final/, no solutions/): one line, the reference is not in this
//     repository; your teacher releases it.
//
// Hints never hold reference code themselves (test/lab/hint.test.ts checks it): a hint points
// at it with a reference line, which the hint command does not show.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { listFiles } from "../curriculum/file-tree.ts";
import { excerpt } from "../curriculum/project.ts";
import type { Course, Lesson } from "./course.ts";
import { FINAL_SRC, lessonBlocks } from "./handout-kit.ts";
import type { Hint } from "./hints.ts";

/** `<!-- reference: final/src/auth/users.ts#check-password -->` */
export const REFERENCE_LINE = /^\s*<!--\s*reference:\s*(\S+?)#([a-z0-9][a-z0-9-]*)\s*-->\s*$/;

export const NOT_HERE = "the reference is not in this repository; your teacher releases it";

export interface Reference {
  file: string;
  block: string;
}

export function referencesIn(body: string): Reference[] {
  const refs: Reference[] = [];
  for (const line of body.split("\n")) {
    const m = REFERENCE_LINE.exec(line);
    if (m) refs.push({ file: m[1]!, block: m[2]! });
  }
  return refs;
}

/** A hint's body as the learner reads it: reference lines left out. */
export function withoutReferences(body: string): string {
  return body
    .split("\n")
    .filter((l) => !REFERENCE_LINE.test(l))
    .join("\n")
    .trim();
}

/** "Part 2, the approach: ..." or "Step 2, ..." -> "2"; "" when the hint is in no part or step. */
export function partOf(hint: Hint): string {
  return /^(?:Part|Step) (\d+),/.exec(hint.title)?.[1] ?? "";
}

/** The reference lines that answer `hint N k` (k from 1), or the whole lesson's without k. */
function chosenReferences(hints: readonly Hint[], which: number | undefined): Reference[] {
  if (which === undefined) return hints.flatMap((h) => referencesIn(h.body));
  const hint = hints[which - 1];
  if (!hint) return [];
  const own = referencesIn(hint.body);
  if (own.length > 0 || partOf(hint) === "") return own;
  return hints.filter((h) => partOf(h) === partOf(hint)).flatMap((h) => referencesIn(h.body));
}

/** The lines `hint --reference` prints. */
export async function referenceLines(course: Course, lesson: Lesson, hints: readonly Hint[], which: number | undefined): Promise<string[]> {
  const has = (relative: string) => existsSync(path.join(course.root, relative));
  if (has(FINAL_SRC)) {
    const lessonIds = course.lessons.map((l) => l.id);
    const refs = chosenReferences(hints, which);
    const shown = refs.length > 0 ? "named by its hints" : "every block of the lesson, as in its solution";
    const lines = [`The reference of lesson ${lesson.id}${which !== undefined && refs.length > 0 ? ` for hint ${which}` : ""} (${shown}). Compare after you pass; do not copy it.`, ""];
    if (refs.length > 0) {
      for (const ref of refs) {
        let code: string;
        try {
          code = excerpt(readFileSync(path.join(course.root, ref.file), "utf8"), ref.block, { file: ref.file, lessonIds });
        } catch (err) {
          code = `(cannot show it: ${(err as Error).message})`;
        }
        lines.push(`--- ${ref.file}#${ref.block}`, code, "");
      }
      return lines;
    }
    const blocks = (await lessonBlocks(course)).filter((b) => b.lesson === lesson.id);
    if (blocks.length === 0) return [`Lesson ${lesson.id} has no marked blocks in ${FINAL_SRC}.`];
    for (const b of blocks) lines.push(`--- ${FINAL_SRC}/${b.file}#${b.name}`, b.code, "");
    return lines;
  }
  const solution = `${lesson.solutionDir}/src`;
  if (has(solution)) {
    const previous = course.lessons.filter((l) => l.id < lesson.id).pop();
    const mine = await listFiles(path.join(course.root, solution));
    const before = previous && has(`${previous.solutionDir}/src`) ? `${previous.solutionDir}/src` : null;
    const changed = before
      ? mine.filter((f) => {
          const other = path.join(course.root, before, f);
          return !existsSync(other) || !readFileSync(other).equals(readFileSync(path.join(course.root, solution, f)));
        })
      : mine;
    return [
      `The reference of lesson ${lesson.id} is the whole server after that lesson: ${solution}.`,
      `${before ? `Files it changed since ${before}` : "Its files"}: ${changed.join(", ") || "(none)"}`,
    ];
  }
  return [`Lesson ${lesson.id}: ${NOT_HERE}.`];
}
