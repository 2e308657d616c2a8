// The generator's core, without the CLI: project final/src into every lesson's solution
// folder and into the learner's workspace (the kit), compare those folders with a fresh
// projection (--check), or write them.
//
// Learners edit workspace/src, in the same working tree the generator writes. So the generator
// records what it last wrote there (workspace/.gen-hashes.json), and a file that matches
// neither that record nor the fresh projection is the learner's work: the workspace is left
// alone unless `force` is set. The old per-lesson starters (lessons/NN-slug/src and their
// .gen-hashes.json) are gone from the course: gen deletes them, under the same rule.

import { existsSync } from "node:fs";
import { mkdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { firstDifference, listFiles, readTree, sha256, syncTree, type FileMap } from "./file-tree.ts";
import type { Lesson } from "./manifest.ts";
import { parseMarkers, type MarkedFile } from "./markers.ts";
import { render, type Kind } from "./project.ts";

/** Files with `//` line comments carry markers; everything else is copied as is. */
const MARKED_EXTENSIONS = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs"]);

export const HASHES_FILE = ".gen-hashes.json";

/** The learner's one server: gen writes the kit into workspace/src. */
export const WORKSPACE_DIR = "workspace";
export const WORKSPACE_SRC = `${WORKSPACE_DIR}/src`;
export const WORKSPACE_HASHES = `${WORKSPACE_DIR}/${HASHES_FILE}`;

/** One generated folder and what it must contain. Paths are posix, relative to the output root. */
export interface Target {
  /** "solutions/01-local-authorizer/src" or "lessons/01-local-authorizer/src". */
  dir: string;
  files: FileMap;
  /** Set for learners' folders: where the record of what gen wrote lives. */
  hashesFile: string | null;
  /**
   * A folder the course no longer has (an old starter, lessons/NN-slug/src): gen deletes it and
   * its hash record, unless it holds edits gen did not write (then only with `force`).
   */
  obsolete?: boolean;
}

/**
 * Parses every file of `sourceDir` once and projects it: solution N for each lesson, the kit
 * (the starter of the first lesson: unmarked code plus lesson-0 stubs) into workspace/src, and
 * the old starter folders as obsolete (to delete).
 */
export async function projectCourse(sourceDir: string, lessons: readonly Lesson[]): Promise<Target[]> {
  const sources = await readSources(sourceDir, lessons.map((l) => l.id));
  const targets: Target[] = [];
  for (const lesson of lessons) {
    targets.push({ dir: `${lesson.solutionDir}/src`, files: projectAll(sources, lesson.id, "solution"), hashesFile: null });
  }
  const first = lessons[0];
  if (first) targets.push({ dir: WORKSPACE_SRC, files: projectAll(sources, first.id, "starter"), hashesFile: WORKSPACE_HASHES });
  for (const lesson of lessons) {
    targets.push({ dir: `${lesson.dir}/src`, files: new Map(), hashesFile: `${lesson.dir}/${HASHES_FILE}`, obsolete: true });
  }
  return targets;
}

/** The kit as gen writes it into workspace/src (the starter of the first lesson). */
export async function projectKit(sourceDir: string, lessons: readonly Lesson[]): Promise<FileMap> {
  const kit = (await projectCourse(sourceDir, lessons)).find((t) => t.dir === WORKSPACE_SRC);
  return kit?.files ?? new Map();
}

/** Solution `id` and the kit, for tools that compare stages (lines-written.ts). */
export async function projectStages(sourceDir: string, lessons: readonly Lesson[]): Promise<{ kit: FileMap; solutions: Map<number, FileMap> }> {
  const sources = await readSources(sourceDir, lessons.map((l) => l.id));
  const solutions = new Map<number, FileMap>();
  for (const lesson of lessons) solutions.set(lesson.id, projectAll(sources, lesson.id, "solution"));
  const first = lessons[0];
  return { kit: first ? projectAll(sources, first.id, "starter") : new Map(), solutions };
}

type Source = { relative: string; marked: MarkedFile } | { relative: string; bytes: Buffer };

async function readSources(sourceDir: string, lessonIds: readonly number[]): Promise<Source[]> {
  const sources: Source[] = [];
  for (const relative of await listFiles(sourceDir)) {
    const absolute = path.join(sourceDir, relative);
    const bytes = await readFile(absolute);
    if (!MARKED_EXTENSIONS.has(path.extname(relative))) {
      sources.push({ relative, bytes });
      continue;
    }
    // Errors name the file as the maintainer would open it (relative to where gen runs).
    const file = path.relative(process.cwd(), absolute) || absolute;
    sources.push({ relative, marked: parseMarkers(bytes.toString("utf8"), { file, lessonIds }) });
  }
  return sources;
}

function projectAll(sources: readonly Source[], stage: number, kind: Kind): FileMap {
  const files: FileMap = new Map();
  for (const source of sources) {
    if ("bytes" in source) {
      files.set(source.relative, source.bytes);
      continue;
    }
    const text = render(source.marked, { stage, kind });
    if (text !== null) files.set(source.relative, Buffer.from(text, "utf8"));
  }
  return files;
}

/** The record gen keeps of a learner folder it wrote: sorted, so it diffs and checks stably. */
export function hashesRecord(files: FileMap): Buffer {
  const hashes: Record<string, string> = {};
  for (const relative of [...files.keys()].sort()) hashes[relative] = sha256(files.get(relative) as Buffer);
  const record = {
    note: "Written by `npm run gen`: what it last wrote in src/, so it never overwrites your own edits. Do not edit.",
    files: hashes,
  };
  return Buffer.from(`${JSON.stringify(record, null, 2)}\n`, "utf8");
}

async function readHashes(file: string): Promise<Map<string, string>> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as { files?: unknown };
    const files = parsed.files;
    if (!files || typeof files !== "object") return new Map();
    return new Map(Object.entries(files).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  } catch {
    // Missing or mangled: we cannot tell what gen wrote, so every differing file counts as
    // the learner's (the safe side).
    return new Map();
  }
}

// ---------------------------------------------------------------------------------------------
// --check

export type Difference =
  | { kind: "changed"; file: string; line: number; expected: string; actual: string }
  | { kind: "missing"; file: string }
  | { kind: "extra"; file: string };

/** Every way the folders under `outDir` differ from `targets`; empty when up to date. */
export async function checkCourse(targets: readonly Target[], outDir: string): Promise<Difference[]> {
  const differences: Difference[] = [];
  for (const target of targets) {
    const onDisk = await readTree(path.join(outDir, target.dir));
    differences.push(...compareTrees(target.dir, target.files, onDisk));
    if (target.obsolete) {
      if (target.hashesFile && existsSync(path.join(outDir, target.hashesFile))) differences.push({ kind: "extra", file: target.hashesFile });
      continue;
    }
    if (target.hashesFile) {
      const expected = hashesRecord(target.files);
      const actual = await readFile(path.join(outDir, target.hashesFile)).catch(() => null);
      if (!actual) differences.push({ kind: "missing", file: target.hashesFile });
      else differences.push(...compareFile(target.hashesFile, expected, actual));
    }
  }
  return differences;
}

function compareTrees(dir: string, wanted: FileMap, onDisk: FileMap): Difference[] {
  const differences: Difference[] = [];
  const all = [...new Set([...wanted.keys(), ...onDisk.keys()])].sort();
  for (const relative of all) {
    const file = `${dir}/${relative}`;
    const expected = wanted.get(relative);
    const actual = onDisk.get(relative);
    if (!actual) differences.push({ kind: "missing", file });
    else if (!expected) differences.push({ kind: "extra", file });
    else differences.push(...compareFile(file, expected, actual));
  }
  return differences;
}

function compareFile(file: string, expected: Buffer, actual: Buffer): Difference[] {
  const diff = firstDifference(expected, actual);
  return diff ? [{ kind: "changed", file, ...diff }] : [];
}

// ---------------------------------------------------------------------------------------------
// writing

export interface TargetReport {
  dir: string;
  written: string[];
  removed: string[];
  /** Set when the folder was left alone: the learner's edited files (relative to `dir`). */
  refused: string[] | null;
  /** An old starter folder: removed (or, when `refused`, left because it holds edits). */
  obsolete?: boolean;
}

/** Writes every target under `outDir`, except learner folders with unrecorded edits (unless `force`). */
export async function writeCourse(
  targets: readonly Target[],
  outDir: string,
  options: { force?: boolean } = {},
): Promise<TargetReport[]> {
  const reports: TargetReport[] = [];
  for (const target of targets) {
    const dir = path.join(outDir, target.dir);
    const onDisk = await readTree(dir);
    if (target.obsolete) {
      reports.push(await removeObsolete(target, outDir, onDisk, options.force === true));
      continue;
    }
    if (target.hashesFile) {
      const hashesPath = path.join(outDir, target.hashesFile);
      const edited = learnerEdits(target.files, onDisk, await readHashes(hashesPath));
      if (edited.length > 0 && !options.force) {
        reports.push({ dir: target.dir, written: [], removed: [], refused: edited });
        continue;
      }
      const result = await syncTree(dir, target.files, onDisk);
      await writeIfChanged(hashesPath, hashesRecord(target.files));
      reports.push({ dir: target.dir, ...result, refused: null });
    } else {
      reports.push({ dir: target.dir, ...(await syncTree(dir, target.files, onDisk)), refused: null });
    }
  }
  return reports;
}

/** Deletes an old starter folder and its hash record, unless a learner's edits are in it. */
async function removeObsolete(target: Target, outDir: string, onDisk: FileMap, force: boolean): Promise<TargetReport> {
  const hashesPath = target.hashesFile ? path.join(outDir, target.hashesFile) : null;
  const hasRecord = hashesPath !== null && existsSync(hashesPath);
  if (onDisk.size === 0 && !hasRecord) return { dir: target.dir, written: [], removed: [], refused: null, obsolete: true };
  const edited = learnerEdits(target.files, onDisk, hashesPath ? await readHashes(hashesPath) : new Map());
  if (edited.length > 0 && !force) return { dir: target.dir, written: [], removed: [], refused: edited, obsolete: true };
  const dir = path.join(outDir, target.dir);
  const result = await syncTree(dir, new Map(), onDisk);
  await rmdir(dir).catch(() => {});
  if (hashesPath && hasRecord) {
    await rm(hashesPath, { force: true });
    result.removed.push(`../${HASHES_FILE}`);
  }
  return { dir: target.dir, ...result, refused: null, obsolete: true };
}

/**
 * Files on disk that writing would change or delete and that gen did not write itself: they
 * differ from the fresh projection AND from the recorded hash. A file the learner deleted is
 * not listed (recreating it loses nothing).
 */
export function learnerEdits(wanted: FileMap, onDisk: FileMap, recorded: ReadonlyMap<string, string>): string[] {
  const edited: string[] = [];
  for (const [relative, content] of onDisk) {
    const fresh = wanted.get(relative);
    if (fresh && fresh.equals(content)) continue;
    if (recorded.get(relative) === sha256(content)) continue;
    edited.push(relative);
  }
  return edited.sort();
}

async function writeIfChanged(file: string, content: Buffer): Promise<void> {
  const existing = await readFile(file).catch(() => null);
  if (existing && existing.equals(content)) return;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}
