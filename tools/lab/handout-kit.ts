// What the course hands a learner, and what it keeps back, read from final/src's markers:
//
//   await kitFiles(course)       -> the kit: starter 0 (the unmarked code and the first lesson's
//                                   stubs), as `npm run gen` writes it into workspace/src
//   await lessonBlocks(course)   -> every `//> N name` block, as it stands in solution N
//                                   ({ lesson: 1, file: "auth/authorizer.ts", name: "check-password",
//                                      code: "..." }); the reference code a handout must not hold
//   codeLines(block.code)        -> its non-trivial lines (no blanks, comments, lone brackets)
//
// Both come from the generator's own projection (tools/curriculum), so they match what gen
// writes. Both need final/src: they are for maintainers (pin, handout, the tests), never for a
// learner's copy of the course.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { listFiles, type FileMap } from "../curriculum/file-tree.ts";
import { projectCourse } from "../curriculum/generate.ts";
import { parseMarkers, type Block, type Node } from "../curriculum/markers.ts";
import { excerpt } from "../curriculum/project.ts";
import type { Course } from "./course.ts";

export const FINAL_SRC = "final/src";

/** The kit: the first lesson's starter, projected from final/src (what gen writes into workspace/src). */
export async function kitFiles(course: Course): Promise<FileMap> {
  const first = course.lessons[0];
  if (!first) throw new Error("the manifest has no lesson");
  const targets = await projectCourse(path.join(course.root, FINAL_SRC), course.lessons);
  // The generator writes the kit into workspace/src (one workspace) or, before that, into the
  // first lesson's starter folder; either way it is starter 0.
  const kit = targets.find((t) => t.dir === "workspace/src") ?? targets.find((t) => t.dir === `${first.dir}/src`);
  if (!kit) throw new Error(`the generator wrote no starter for lesson ${first.id}`);
  return kit.files;
}

/** A solution's files, projected from final/src (the same as solutions/NN-slug/src). */
export async function solutionFiles(course: Course, lessonId: number): Promise<FileMap> {
  const lesson = course.lessons.find((l) => l.id === lessonId);
  if (!lesson) throw new Error(`no lesson ${lessonId}`);
  const targets = await projectCourse(path.join(course.root, FINAL_SRC), course.lessons);
  const solution = targets.find((t) => t.dir === `${lesson.solutionDir}/src`);
  if (!solution) throw new Error(`the generator wrote no solution for lesson ${lessonId}`);
  return solution.files;
}

export interface LessonBlock {
  lesson: number;
  /** Relative to final/src: "auth/authorizer.ts". */
  file: string;
  name: string;
  /** The block's code as it stands in its lesson's solution, dedented (what an excerpt shows). */
  code: string;
}

function collect(nodes: readonly Node[], out: Block[]): void {
  for (const node of nodes) {
    if (node.kind !== "block") continue;
    out.push(node);
    collect(node.code, out);
  }
}

/** Every lesson's block (`//> N name`, N a lesson of the manifest), in file order. */
export async function lessonBlocks(course: Course): Promise<LessonBlock[]> {
  const dir = path.join(course.root, FINAL_SRC);
  const lessonIds = course.lessons.map((l) => l.id);
  const blocks: LessonBlock[] = [];
  for (const file of await listFiles(dir)) {
    if (!/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(file)) continue;
    const text = await readFile(path.join(dir, file), "utf8");
    const marked = parseMarkers(text, { file: `${FINAL_SRC}/${file}`, lessonIds });
    const all: Block[] = [];
    collect(marked.nodes, all);
    for (const block of all) {
      if (typeof block.from !== "number") continue;
      blocks.push({ lesson: block.from, file, name: block.name, code: excerpt(text, block.name, { file: `${FINAL_SRC}/${file}`, lessonIds }) });
    }
  }
  return blocks;
}

/** The lines of code that say something: no blank lines, comments, lone brackets or `} else {`. */
export function codeLines(code: string): string[] {
  return code
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^(\/\/|\/\*|\*)/.test(l) && !/^[\s{}()[\];,]*$/.test(l) && !/^}?\s*(else|try|finally)\s*{?$/.test(l) && l.length >= 12 && !COMMON.some((re) => re.test(l)));
}

/**
 * Lines any TypeScript file may share with a lesson's code without giving its answer away: a
 * field of a type ("password: string;"), a catch clause, a bare declaration or a bare return.
 * (The kit declares the same option shapes that lesson code reads, and tools/wire parses the
 * same host:port a lesson does.)
 */
const COMMON = [
  /^(readonly\s+)?[\w$]+\??:\s*[^=()]+;$/,
  /^}?\s*catch\s*(\(\s*\w+\s*\))?\s*{$/,
  /^(let|const)\s+[\w$]+(:\s*[\w$<>[\]| ]+)?;$/,
  /^return\s+[\w$.]+;$/,
];

/** Blocks with at least `min` non-trivial lines: code that is the lesson's answer. */
export function substantialBlocks(blocks: readonly LessonBlock[], min = 3): LessonBlock[] {
  return blocks.filter((b) => codeLines(b.code).length >= min);
}
