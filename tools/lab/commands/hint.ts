// `npm run hint N`: the next hint for lesson N that you have not read yet (from
// lessons/NN-slug/hints.md), counted in .lab/progress.json. `--all` shows again the ones
// you have read.
//
//   $ npm run hint 2
//   Hint 1 of 3 for lesson 2: Where a passive port comes from
//
//   (the hint)
//
//   2 more hints: run `npm run hint 2` again when you want the next one.
//
// `npm run hint N k` shows hint k (and counts the hints up to it as read). `--reference` shows
// the reference code instead (handout-reference.ts): the lesson's blocks, or those hint k names;
// in the student's repository it says the teacher releases it.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { findLesson, type Course, type Lesson } from "../course.ts";
import { parseHints, type Hint } from "../hints.ts";
import { plural, type Io } from "../io.ts";
import { LabError } from "../lab-error.ts";
import { lessonProgress, readProgress, updateLesson } from "../progress.ts";
import { referenceLines, withoutReferences } from "../handout-reference.ts";

export interface HintOptions {
  all?: boolean;
  /** The hint to show ("2": the second), instead of the next one. */
  which?: string;
  reference?: boolean;
}

export async function hintCommand(arg: string, options: HintOptions, course: Course, io: Io): Promise<number> {
  const lesson = findLesson(course, arg);
  if (options.reference && options.which === undefined && !existsSync(path.join(course.root, lesson.dir, "hints.md"))) {
    // The reference does not need hints: without a hints file it shows the lesson's blocks.
    for (const line of await referenceLines(course, lesson, [], undefined)) io.out(line);
    return 0;
  }
  const hints = readHints(course, lesson);
  const used = Math.min(lessonProgress(readProgress(course.root), lesson.id).hintsUsed, hints.length);
  let which: number | undefined;
  if (options.which !== undefined) {
    which = Number(options.which);
    if (!/^\d+$/.test(options.which) || which < 1 || which > hints.length) throw new LabError(`lesson ${lesson.id} has hints 1-${hints.length}, not ${JSON.stringify(options.which)}`);
  }

  if (options.reference) {
    for (const line of await referenceLines(course, lesson, hints, which)) io.out(line);
    return 0;
  }

  if (which !== undefined) {
    show(io, lesson, hints[which - 1]!, which - 1, hints.length);
    if (which > used) updateLesson(course.root, lesson.id, (entry) => ({ ...entry, hintsUsed: which! }));
    io.out(remaining(lesson, hints.length - Math.max(used, which)));
    return 0;
  }

  if (options.all) {
    if (used === 0) {
      io.out(`You have not read any hint for lesson ${lesson.id} yet: \`npm run hint ${lesson.id}\` shows the first.`);
      return 0;
    }
    hints.slice(0, used).forEach((hint, i) => show(io, lesson, hint, i, hints.length));
    io.out(remaining(lesson, hints.length - used));
    return 0;
  }

  if (used >= hints.length) {
    io.out(`You have read all ${plural(hints.length, "hint")} for lesson ${lesson.id}. \`npm run hint -- ${lesson.id} --all\` shows them again.`);
    io.out(`Still stuck? \`npm run hint -- ${lesson.id} --reference\` shows the reference code where the course has it (compare after you pass).`);
    return 0;
  }
  show(io, lesson, hints[used]!, used, hints.length);
  updateLesson(course.root, lesson.id, (entry) => ({ ...entry, hintsUsed: used + 1 }));
  io.out(remaining(lesson, hints.length - used - 1));
  return 0;
}

function readHints(course: Course, lesson: Lesson): Hint[] {
  const file = `${lesson.dir}/hints.md`;
  const absolute = path.join(course.root, file);
  if (!existsSync(absolute)) throw new LabError(`lesson ${lesson.id} has no hints yet (${file} does not exist)`);
  const hints = parseHints(readFileSync(absolute, "utf8"));
  if (hints.length === 0) throw new LabError(`${file} has no hints (each hint starts with a "## " heading)`);
  return hints;
}

function show(io: Io, lesson: Lesson, hint: Hint, index: number, total: number): void {
  io.out(`Hint ${index + 1} of ${total} for lesson ${lesson.id}: ${hint.title}`);
  io.out("");
  io.out(withoutReferences(hint.body));
  io.out("");
}

function remaining(lesson: Lesson, left: number): string {
  if (left === 0) return `That was the last hint for lesson ${lesson.id}.`;
  return `${plural(left, "more hint")}: run \`npm run hint ${lesson.id}\` again when you want the next one.`;
}
