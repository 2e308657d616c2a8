// `npm run reset N`: put lessons/NN-slug/src back as the course gave it to you (a fresh
// projection of final/src, as `npm run gen` writes it), deleting files you added there.
//
//   $ npm run reset 3
//   Reset lessons/03-masquerade/src? Your changes there are lost. [y/N] y
//   lessons/03-masquerade/src is the lesson 3 starter again (2 files restored, 1 removed).
//
// On a terminal it asks first; `--yes` skips the question; without a terminal (a script, CI)
// it refuses unless --yes is given, because nobody could have agreed to lose the work.

import path from "node:path";
import { projectCourse, writeCourse } from "../../curriculum/generate.ts";
import { findLesson, type Course } from "../course.ts";
import { plural, type Io } from "../io.ts";
import { LabError } from "../lab-error.ts";
import { updateLesson } from "../progress.ts";

export async function resetCommand(arg: string, options: { yes?: boolean }, course: Course, io: Io): Promise<number> {
  const lesson = findLesson(course, arg);
  const folder = `${lesson.dir}/src`;
  if (!options.yes) {
    if (!io.interactive) {
      throw new LabError(`not resetting ${folder} without asking, and there is no terminal to ask on: run \`npm run reset -- ${lesson.id} --yes\``);
    }
    const answer = await io.ask(`Reset ${folder}? Your changes there are lost. [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      io.out(`Nothing changed in ${folder}.`);
      return 1;
    }
  }

  let targets;
  try {
    targets = await projectCourse(path.join(course.root, "final", "src"), course.lessons);
  } catch (err) {
    throw new LabError(`cannot build the starter from final/src: ${(err as Error).message}`, 1);
  }
  const starter = targets.find((t) => t.dir === folder);
  if (!starter) throw new LabError(`the course has no starter folder ${folder}`, 1);
  const [report] = await writeCourse([starter], course.root, { force: true });
  const written = report?.written.length ?? 0;
  const removed = report?.removed.length ?? 0;

  // The old result says nothing about the fresh starter; the hints you read stay read.
  updateLesson(course.root, lesson.id, (entry) => ({ ...entry, status: "untried", lastRun: null, passed: 0, total: 0 }));
  const changes = written + removed === 0 ? "it had not changed" : `${plural(written, "file")} restored, ${removed} removed`;
  io.out(`${folder} is the lesson ${lesson.id} starter again (${changes}).`);
  return 0;
}
