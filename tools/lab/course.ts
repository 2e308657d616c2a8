// The course as the lab commands see it: the lessons of the manifest, and where each lesson's
// folders and stage tests are, under one root folder (the repository, or a copy of it in tests).
//
//   findLesson(course, "3")       -> lesson 3 (also "03" or "03-masquerade")
//   stageTestFile(lesson 3)       -> "test/lessons/03-masquerade.test.ts"
//   stageFolder(lesson 3, "lessons")   -> "workspace"               (the learner's one server)
//   stageFolder(lesson 3, "solutions") -> "solutions/03-masquerade" (the reference)
//   stageFolder(lesson 3, "final")     -> "final"                   (the complete server)
//   resolveTarget(course, undefined)   -> "workspace"; "solutions/03-masquerade", "final" or any
//                                         folder with src/main.ts (--target DIR)

import { existsSync } from "node:fs";
import path from "node:path";
import { loadManifest, MANIFEST_PATH, REPO_ROOT, type Lesson } from "../curriculum/manifest.ts";
import { LabError } from "./lab-error.ts";

export type { Lesson };

export interface Course {
  /** Absolute path of the folder holding lessons/, solutions/, final/ and test/. */
  root: string;
  lessons: readonly Lesson[];
}

export type StageKind = "lessons" | "solutions" | "final";
export const STAGE_KINDS: readonly StageKind[] = ["lessons", "solutions", "final"];

/** Reads the manifest under `root` (the repository by default). */
export function loadCourse(root: string = REPO_ROOT): Course {
  const absolute = path.resolve(root);
  try {
    return { root: absolute, lessons: loadManifest(path.join(absolute, MANIFEST_PATH)) };
  } catch (err) {
    throw new LabError((err as Error).message.split("\n").join(" "));
  }
}

/** The lesson a command-line argument names: its number ("3", "03") or its slug. */
export function findLesson(course: Course, arg: string): Lesson {
  const text = arg.trim();
  const byNumber = /^\d+$/.test(text) ? course.lessons.find((l) => l.id === Number(text)) : undefined;
  const lesson = byNumber ?? course.lessons.find((l) => l.slug === text);
  if (lesson) return lesson;
  const first = course.lessons[0]?.id;
  const last = course.lessons[course.lessons.length - 1]?.id;
  throw new LabError(`no lesson ${JSON.stringify(arg)}: lessons are ${first}-${last} (\`npm run lesson\` lists them)`);
}

/** The lessons up to and including `lesson`, in order. */
export function lessonsThrough(course: Course, lesson: Lesson): Lesson[] {
  return course.lessons.filter((l) => l.id <= lesson.id);
}

export function stageTestFile(lesson: Lesson): string {
  return `test/lessons/${lesson.slug}.test.ts`;
}

/** The learner's server: workspace/src/main.ts (the kit, as `npm run gen` writes it, then the learner's). */
export const WORKSPACE = "workspace";

/**
 * The folder (relative to the root) whose src/main.ts is the server under test. "lessons" is
 * the learner's: there are no per-lesson starters any more, every lesson grades the workspace.
 */
export function stageFolder(lesson: Lesson, kind: StageKind): string {
  if (kind === "final") return "final";
  return kind === "lessons" ? WORKSPACE : lesson.solutionDir;
}

/**
 * What --target names, as a folder whose src/main.ts is the server: the workspace by default;
 * "final", "solutions/NN-slug" or any folder, relative to where the command was typed (or to
 * the course root). Relative to the root when inside it, else absolute. Throws when it has no
 * src/main.ts.
 */
export function resolveTarget(course: Course, target: string | undefined): string {
  const given = (target ?? WORKSPACE).trim().replace(/[\\/]+$/, "").replace(/\/src$/, "") || WORKSPACE;
  const candidates = path.isAbsolute(given) ? [given] : [path.resolve(course.root, given), path.resolve(process.env["INIT_CWD"] ?? process.cwd(), given)];
  const found = candidates.find((c) => existsSync(path.join(c, "src", "main.ts")));
  if (!found) {
    const hint =
      given === WORKSPACE
        ? " (`npm run gen` writes the kit there; `npm run reset` puts it back)"
        : /^solutions\//.test(given) && !existsSync(path.join(course.root, "solutions"))
          ? " (this course has no solutions/ folder: your teacher releases the references)"
          : "";
    throw new LabError(`--target ${given}: ${given}/src/main.ts does not exist${hint}`);
  }
  const relative = path.relative(course.root, found);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? found : relative.split(path.sep).join("/");
}

/** The reference of a lesson the learner can compare with, or null (the teacher releases it). */
export function referenceFolder(course: Course, lesson: Lesson): string | null {
  const folder = `${lesson.solutionDir}/src`;
  return existsSync(path.join(course.root, folder, "main.ts")) ? folder : null;
}

export function exists(course: Course, relative: string): boolean {
  return existsSync(path.join(course.root, relative));
}

/** Throws a one-line LabError when the stage's main.ts is missing. */
export function requireStage(course: Course, folder: string): void {
  if (existsSync(path.resolve(course.root, folder, "src", "main.ts"))) return;
  const why = folder === "final" ? "" : " (the stages are generated from final/src by `npm run gen`)";
  throw new LabError(`${folder}/src/main.ts does not exist${why}`);
}
