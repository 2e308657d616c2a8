// `npm run reset`: put the kit back in workspace/src (a fresh projection of final/src, as
// `npm run gen` writes it), after saving your work there, as catch-up does.
//
//   $ npm run reset
//   Saved your workspace/src (14 files) in saved/workspace-20261121-104402-before-reset/src.
//   To get it back: npm run catch-up -- --restore saved/workspace-20261121-104402-before-reset
//   workspace/src is the kit again (3 files restored, 1 removed): start with `npm run lesson 0`.
//
// Nothing is lost, so it does not ask. Every lesson's last result is forgotten (it was about
// the server that is gone); the hints you read stay read.

import path from "node:path";
import { projectCourse, WORKSPACE_SRC, writeCourse } from "../../curriculum/generate.ts";
import type { Course } from "../course.ts";
import { plural, type Io } from "../io.ts";
import { LabError } from "../lab-error.ts";
import { updateLesson } from "../progress.ts";
import { saveWorkspace } from "../saved-work.ts";

export async function resetCommand(options: { now?: Date }, course: Course, io: Io): Promise<number> {
  let targets;
  try {
    targets = await projectCourse(path.join(course.root, "final", "src"), course.lessons);
  } catch (err) {
    throw new LabError(`cannot build the kit from final/src: ${(err as Error).message}`, 1);
  }
  const kit = targets.find((t) => t.dir === WORKSPACE_SRC);
  if (!kit) throw new LabError("the course has no lessons, so no kit", 1);

  const saved = await saveWorkspace(course.root, "before-reset", options.now);
  if (saved) {
    io.out(`Saved your ${WORKSPACE_SRC} (${saved.files} files) in ${saved.folder}/src.`);
    io.out(`To get it back: npm run catch-up -- --restore ${saved.folder}`);
  }
  const [report] = await writeCourse([kit], course.root, { force: true });
  const written = report?.written.length ?? 0;
  const removed = report?.removed.length ?? 0;

  for (const lesson of course.lessons) {
    updateLesson(course.root, lesson.id, (entry) => ({ ...entry, status: "untried", lastRun: null, passed: 0, total: 0 }));
  }
  const changes = written + removed === 0 ? "it had not changed" : `${plural(written, "file")} restored, ${removed} removed`;
  const first = course.lessons[0];
  io.out(`${WORKSPACE_SRC} is the kit again (${changes})${first ? `: start with \`npm run lesson ${first.id}\`` : ""}.`);
  return 0;
}
