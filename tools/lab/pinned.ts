// The graded files, pinned: what `npm run grade` runs to judge a learner (the stage tests, their
// helpers and harness, the grader itself and its vitest config, the lesson manifest with the
// points) must be the course's own copy, byte for byte. tools/lab/graded-manifest.json holds
// their SHA-256 and, per lesson, the names of its tests:
//
//   { "version": 1,
//     "files": { "test/lessons/01-local-authorizer.test.ts": "9f86d0...", ... },
//     "lessons": { "1": { "requirements": ["logs in a user with the right password", ...],
//                         "guards": ["a wrong password gets 530", ...] } } }
//
// - requirements: the tests a lesson is graded on; its points are shared over them.
// - guards: the tests that already pass on the lesson's untouched starter (a server that refuses
//   everything passes "a wrong password gets 530"). They earn nothing, but a failing guard
//   cancels the share of one passing requirement (so "accept every password" does not pay).
//
// A maintainer writes it (`npx tsx tools/lab/main.ts pin`: one run of every stage test against
// final, one against every untouched starter); `npm test` (test/lab/pinned.test.ts) and
// `npm run verify` fail while it is stale. The grader refuses to grade when a pinned file differs.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stageTestFile, type Course } from "./course.ts";

export const PINNED_MANIFEST = "tools/lab/graded-manifest.json";

export interface LessonTests {
  /** Test names (displayName, markers removed) that carry the lesson's points. */
  requirements: string[];
  /** Test names that pass on the untouched starter: no points of their own. */
  guards: string[];
}

export interface PinnedManifest {
  version: 1;
  files: Record<string, string>;
  lessons: Record<string, LessonTests>;
}

/** Folders whose .ts files are pinned (recursively), and single files, relative to the root. */
const PINNED_DIRS = ["test/harness", "tools/wire", "tools/lab"];
const PINNED_SINGLE = ["test/lessons/stage-helpers.ts", "tools/curriculum/manifest.ts", "lessons/manifest.json", "package.json", "package-lock.json"];

function walk(root: string, dir: string, out: string[]): void {
  const absolute = path.join(root, dir);
  if (!existsSync(absolute)) return;
  for (const name of readdirSync(absolute).sort()) {
    const relative = `${dir}/${name}`;
    if (statSync(path.join(root, relative)).isDirectory()) walk(root, relative, out);
    else if (name.endsWith(".ts")) out.push(relative);
  }
}

/** Every file the grade depends on that exists under the course root, sorted. */
export function pinnedFiles(course: Course): string[] {
  const files: string[] = [];
  for (const dir of PINNED_DIRS) walk(course.root, dir, files);
  for (const file of [...PINNED_SINGLE, ...course.lessons.map(stageTestFile)]) if (existsSync(path.join(course.root, file))) files.push(file);
  return [...new Set(files)].sort();
}

/** SHA-256 of the text with CRLF read as LF (a Windows checkout is not a change). */
export function hashFile(file: string): string {
  const text = readFileSync(file).toString("latin1").replace(/\r\n/g, "\n");
  return createHash("sha256").update(text, "latin1").digest("hex");
}

export function hashPinned(course: Course): Record<string, string> {
  return Object.fromEntries(pinnedFiles(course).map((f) => [f, hashFile(path.join(course.root, f))]));
}

export function readPinned(course: Course): PinnedManifest | null {
  const file = path.join(course.root, PINNED_MANIFEST);
  if (!existsSync(file)) return null;
  const data = JSON.parse(readFileSync(file, "utf8")) as PinnedManifest;
  if (data.version !== 1 || typeof data.files !== "object" || typeof data.lessons !== "object") throw new Error(`${PINNED_MANIFEST}: not a version 1 manifest`);
  return data;
}

export function writePinned(course: Course, manifest: PinnedManifest): void {
  mkdirSync(path.dirname(path.join(course.root, PINNED_MANIFEST)), { recursive: true });
  writeFileSync(path.join(course.root, PINNED_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** What differs from the manifest: "test/lessons/01-x.test.ts (changed)", "... (missing)". Empty: all as pinned. */
export function pinnedDifferences(course: Course, manifest: PinnedManifest): string[] {
  const differences: string[] = [];
  for (const [file, hash] of Object.entries(manifest.files)) {
    const absolute = path.join(course.root, file);
    if (!existsSync(absolute)) differences.push(`${file} (missing)`);
    else if (hashFile(absolute) !== hash) differences.push(`${file} (changed)`);
  }
  return differences;
}

/** Files pinned today that the manifest does not know, or knows with another hash: the manifest is stale. */
export function staleEntries(course: Course, manifest: PinnedManifest): string[] {
  const now = hashPinned(course);
  const stale = pinnedDifferences(course, manifest);
  for (const file of Object.keys(now)) if (!(file in manifest.files)) stale.push(`${file} (not pinned yet)`);
  return stale;
}

/**
 * The name a test is known by in the manifest: suites › name, without environment notes, and
 * with every number of 4 or 5 digits read as "#" (titles show the random ports they chose:
 * "--range 25841-25851" is "--range #-#").
 */
export function testKey(suites: readonly string[], name: string): string {
  const clean = (text: string) => text.replace(/ \[missing tools?: [^\]]+\]/, "").replace(/ \(skipped: .*$/, "").replace(/\b\d{4,5}\b/g, "#");
  return [...suites, name].map(clean).join(" › ");
}
