// `npm run catch-up N` (N >= 1): start lesson N from the reference of lesson N-1 instead of
// your own server. Your workspace/src is saved first, and one command gets it back.
//
//   $ npm run catch-up 2
//   Saved your workspace/src (14 files) in saved/workspace-20261121-104402-before-catch-up-2/src.
//   To get it back: npm run catch-up -- --restore saved/workspace-20261121-104402-before-catch-up-2
//   workspace/src is now the reference of lesson 1 (solutions/01-local-authorizer/src, 15 files).
//   Next: lesson 2, Passive ports ...: `npm run lesson 2` (its text: lessons/02-passive-ports/README.md)
//
//   npm run catch-up -- 2 --from DIR          the reference your teacher released, in DIR (or DIR/src)
//   npm run catch-up -- --restore FOLDER      put a saved workspace back (the current one is saved first)
//
// It refuses, changing nothing, when the reference is not there (a student repository has no
// solutions/: the teacher releases each reference).

import path from "node:path";
import { findLesson, WORKSPACE, type Course } from "../course.ts";
import type { Io } from "../io.ts";
import { LabError } from "../lab-error.ts";
import { updateLesson } from "../progress.ts";
import { replaceWorkspace, saveWorkspace, sourceFolder } from "../saved-work.ts";

export interface CatchUpOptions {
  /** A folder holding the reference (its src/, or the src folder itself). */
  from?: string;
  /** A saved folder to put back into workspace/src. */
  restore?: string;
  /** For tests: the time in the saved folder's name. */
  now?: Date;
}

export async function catchUpCommand(arg: string | undefined, options: CatchUpOptions, course: Course, io: Io): Promise<number> {
  const cwd = process.env["INIT_CWD"] ?? process.cwd();
  const shown = (absolute: string) => {
    const relative = path.relative(course.root, absolute).split(path.sep).join("/");
    return relative === "" || relative.startsWith("..") ? absolute : relative;
  };
  const locate = (dir: string) => {
    const candidates = path.isAbsolute(dir) ? [dir] : [path.resolve(cwd, dir), path.resolve(course.root, dir)];
    for (const candidate of candidates) {
      const src = sourceFolder(candidate);
      if (src) return src;
    }
    return null;
  };

  if (options.restore !== undefined) {
    if (arg !== undefined || options.from !== undefined) throw new LabError("--restore puts a saved workspace back: give it alone (`npm run catch-up -- --restore saved/workspace-...`)");
    const from = locate(options.restore);
    if (!from) throw new LabError(`--restore ${options.restore}: no saved server there (no src/main.ts); your saved workspaces are in saved/`);
    const saved = await saveWorkspace(course.root, "before-restore", options.now);
    if (saved) {
      io.out(`Saved your current ${WORKSPACE}/src (${saved.files} files) in ${saved.folder}/src.`);
      io.out(`To get it back: npm run catch-up -- --restore ${saved.folder}`);
    }
    const result = await replaceWorkspace(course.root, from);
    io.out(`${WORKSPACE}/src is ${shown(from)} again (${result.files} files).`);
    return 0;
  }

  if (arg === undefined) throw new LabError("which lesson do you want to start? `npm run catch-up N` puts the reference of lesson N-1 in workspace/src");
  const lesson = findLesson(course, arg);
  const previous = course.lessons.find((l) => l.id === lesson.id - 1);
  if (!previous) {
    throw new LabError(`lesson ${lesson.id} is the first: it starts from the kit, not from an earlier lesson (\`npm run reset\` puts the kit back in workspace/src)`);
  }

  let from: string | null;
  if (options.from !== undefined) {
    from = locate(options.from);
    if (!from) throw new LabError(`--from ${options.from}: no server there (neither ${options.from}/src/main.ts nor ${options.from}/main.ts); nothing changed`);
  } else {
    from = sourceFolder(path.join(course.root, previous.solutionDir));
    if (!from) {
      throw new LabError(
        `the reference of lesson ${previous.id} is not here (${previous.solutionDir}/src does not exist); nothing changed. ` +
          `Your teacher releases it: put it in a folder and run \`npm run catch-up -- ${lesson.id} --from <that folder>\``,
        1,
      );
    }
  }

  const saved = await saveWorkspace(course.root, `before-catch-up-${lesson.id}`, options.now);
  if (saved) {
    io.out(`Saved your ${WORKSPACE}/src (${saved.files} files) in ${saved.folder}/src.`);
    io.out(`To get it back: npm run catch-up -- --restore ${saved.folder}`);
  } else {
    io.out(`(${WORKSPACE}/src was empty: nothing to save.)`);
  }
  const result = await replaceWorkspace(course.root, from);
  io.out(`${WORKSPACE}/src is now the reference of lesson ${previous.id} (${shown(from)}, ${result.files} files).`);
  // Results of lesson N on: they were about the server that is gone.
  for (const l of course.lessons) {
    if (l.id >= lesson.id) updateLesson(course.root, l.id, (entry) => (entry.status === "untried" ? entry : { ...entry, status: "untried", lastRun: null, passed: 0, total: 0 }));
  }
  io.out(`Next: lesson ${lesson.id}, ${lesson.title}: \`npm run lesson ${lesson.id}\` (its text: ${lesson.dir}/README.md)`);
  return 0;
}
