// The student repository (`npm run handout -- --out DIR`): what a teacher publishes as the GitHub
// Classroom template. It holds what a learner needs to build, test and grade their server, and
// none of the reference:
//
//   workspace/src/                 the kit (starter 0, projected from final/src) + .gen-hashes.json
//   lessons/manifest.json          the lessons and their points
//   lessons/NN-slug/README.md      the lesson texts (reference.md, the "how the reference does it",
//   lessons/NN-slug/hints.md       stays with the teacher); hints without their reference lines
//   test/lessons/, test/harness/   the stage tests and what they run on
//   tools/wire/, tools/lab/        the FTP kit of the tests; the lab commands and the grader,
//                                  with tools/lab/graded-manifest.json hashed for this copy
//   tools/...                      the few files tools/lab imports from elsewhere (found by
//                                  following its imports; never final/ or solutions/)
//   .github/workflows/classroom.yml, package.json (scripts the handout can run), package-lock.json,
//   tsconfig.json, .gitignore, README.md (generated: how to start, the commands)
//
// Not in it: solutions/, final/ (source, demo, samples), test/final and every other test folder,
// lessons/*/src, lessons/*/reference.md, docs/, the site, the bench. After writing, every
// `//> N name` block of final/src with 3 or more lines of real code is looked for in every
// written file (handoutLeaks): a hit is reported and the command exits 1.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { listFiles, type FileMap } from "../curriculum/file-tree.ts";
import { hashesRecord } from "../curriculum/generate.ts";
import { renderWorkflow, WORKFLOW_FILE } from "./classroom-workflow.ts";
import { loadCourse, type Course } from "./course.ts";
import { codeLines, kitFiles, lessonBlocks, substantialBlocks, type LessonBlock } from "./handout-kit.ts";
import { REFERENCE_LINE } from "./handout-reference.ts";
import { hashPinned, PINNED_MANIFEST, readPinned, staleEntries, writePinned } from "./pinned.ts";

/** Folders copied whole (every file), relative to the course root. */
export const HANDOUT_DIRS = ["test/lessons", "test/harness", "tools/wire", "tools/lab"];
/** The lab commands a learner runs; each becomes a package.json script when the lab defines it. */
export const STUDENT_COMMANDS = ["lesson", "hint", "progress", "grade", "catch-up"];
/** Never in a handout, whatever imports them. */
const FORBIDDEN = /^(final|solutions)\//;

export interface Handout {
  files: FileMap;
  /** Blocks of reference code found in a handout file: "lesson 3 config/nat.ts#nat-address in README.md". */
  leaks: string[];
}

function read(course: Course, relative: string): Buffer {
  return readFileSync(path.join(course.root, relative));
}

function walkAll(course: Course, dir: string, out: string[]): void {
  const absolute = path.join(course.root, dir);
  if (!existsSync(absolute)) return;
  for (const name of readdirSync(absolute).sort()) {
    const relative = `${dir}/${name}`;
    if (statSync(path.join(course.root, relative)).isDirectory()) walkAll(course, relative, out);
    else out.push(relative);
  }
}

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

/** The files `start` imports, directly or not, by relative path (posix, relative to the root). */
export function importClosure(course: Course, start: readonly string[]): string[] {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.(ts|mts|js|mjs)$/.test(file)) continue;
    for (const m of read(course, file).toString("utf8").matchAll(IMPORT)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!));
      if (existsSync(path.join(course.root, target))) stack.push(target);
    }
  }
  return [...seen].sort();
}

/** package.json with only the scripts that work in the handout. */
function handoutPackage(course: Course): Buffer {
  const pkg = JSON.parse(read(course, "package.json").toString("utf8")) as { scripts?: Record<string, string>; [key: string]: unknown };
  const main = read(course, "tools/lab/main.ts").toString("utf8");
  const scripts: Record<string, string> = {};
  for (const [name, command] of Object.entries(pkg.scripts ?? {})) {
    const lab = /^tsx tools\/lab\/main\.ts ([a-z-]+)$/.exec(command);
    if (lab && STUDENT_COMMANDS.includes(lab[1]!) && main.includes(`"${lab[1]}"`)) scripts[name] = command;
    // A tool of the lab's own (tools/lab is copied whole), e.g. hash-password for lesson 1.
    if (/^tsx tools\/lab\/(?!main\.ts$)[a-z-]+\.ts$/.test(command)) scripts[name] = command;
  }
  scripts["typecheck"] = "tsc --noEmit";
  return Buffer.from(`${JSON.stringify({ ...pkg, scripts }, null, 2)}\n`);
}

function handoutTsconfig(course: Course): Buffer {
  const base = JSON.parse(read(course, "tsconfig.json").toString("utf8")) as Record<string, unknown>;
  return Buffer.from(`${JSON.stringify({ ...base, include: ["workspace/src", "test", "tools"] }, null, 2)}\n`);
}

function studentReadme(course: Course, scripts: readonly string[]): Buffer {
  const first = course.lessons[0]!;
  const total = course.lessons.reduce((sum, l) => sum + l.points, 0);
  const has = (s: string) => scripts.includes(s);
  const lines = [
    "# ftp-lab: build an FTP server, lesson by lesson",
    "",
    "Your server lives in `workspace/src` (its entry is `workspace/src/main.ts`). It starts as the kit:",
    "the command line is parsed for you and the server prints `LISTENING host:port`; everything",
    "else, you write. Each lesson adds to the same server.",
    "",
    "## Start",
    "",
    "```sh",
    "npm ci                                  # once (Node.js 20 or later)",
    `npm run lesson ${first.id}                        # the tests of lesson ${first.id}, against workspace/src`,
    "```",
    "",
    `Then read \`${first.dir}/README.md\` and write the code it asks for in \`workspace/src\`.`,
    "",
    "## The commands",
    "",
    "| command | what it does |",
    "| --- | --- |",
    ...(has("lesson") ? ["| `npm run lesson N` | runs lesson N's tests (and the earlier lessons' again) against your server; alone, lists the lessons |"] : []),
    ...(has("hint") ? ["| `npm run hint N` | the next hint for lesson N (`npm run hint -- N --all`: those you read) |"] : []),
    ...(has("progress") ? ["| `npm run progress` | your lessons: status, last run, hints used, points |"] : []),
    ...(has("grade") ? [`| \`npm run grade\` | grades every lesson as GitHub Classroom does (${total} points); \`.lab/grade/results.json\` |`] : []),
    ...(has("catch-up") ? ["| `npm run catch-up N` | saves your `workspace/src` and puts the reference of lesson N-1 there (once your teacher released it: `--from DIR`) |"] : []),
    ...(has("typecheck") ? ["| `npm run typecheck` | type-checks your server, the tests and the tools |"] : []),
    "",
    "## The lessons",
    "",
    ...course.lessons.map((l) => `- ${l.id}. [${l.title}](${l.dir}/README.md) (${l.points} points)`),
    "",
    "## What is yours",
    "",
    "`workspace/` is yours: change anything there. The tests (`test/`), the tools (`tools/`), the",
    "lesson manifest and `package*.json` are the course's: `npm run grade` checks them against",
    "`tools/lab/graded-manifest.json` and refuses to grade a copy that differs. Every push is",
    "graded by `.github/workflows/classroom.yml`.",
    "",
    "The reference solutions are not in this repository; your teacher releases them.",
    "",
  ];
  return Buffer.from(lines.join("\n"));
}

/** Every file of the handout, and the reference code found in them. */
export async function buildHandout(course: Course): Promise<Handout> {
  const files: FileMap = new Map();
  const kit = await kitFiles(course);
  for (const [relative, content] of kit) files.set(`workspace/src/${relative}`, content);
  files.set("workspace/.gen-hashes.json", hashesRecord(kit));

  files.set("lessons/manifest.json", read(course, "lessons/manifest.json"));
  for (const lesson of course.lessons) {
    const readme = `${lesson.dir}/README.md`;
    if (existsSync(path.join(course.root, readme))) files.set(readme, read(course, readme));
    const hints = `${lesson.dir}/hints.md`;
    if (existsSync(path.join(course.root, hints))) {
      const text = read(course, hints).toString("utf8");
      files.set(hints, Buffer.from(text.split("\n").filter((l) => !REFERENCE_LINE.test(l)).join("\n")));
    }
  }

  const copied: string[] = [];
  for (const dir of HANDOUT_DIRS) walkAll(course, dir, copied);
  for (const relative of importClosure(course, [...copied, "tools/lab/main.ts"])) copied.push(relative);
  for (const relative of new Set(copied)) {
    if (FORBIDDEN.test(relative)) throw new Error(`the handout would hold ${relative}: it imports from final/ or solutions/`);
    files.set(relative, read(course, relative));
  }

  const pkg = handoutPackage(course);
  files.set("package.json", pkg);
  files.set("package-lock.json", read(course, "package-lock.json"));
  files.set("tsconfig.json", handoutTsconfig(course));
  files.set(".gitignore", Buffer.from("node_modules/\n.lab/\nsaved/\n*.log\n"));
  files.set(WORKFLOW_FILE, Buffer.from(renderWorkflow(course.lessons)));
  const scripts = Object.keys((JSON.parse(pkg.toString("utf8")) as { scripts: Record<string, string> }).scripts);
  files.set("README.md", studentReadme(course, scripts));

  return { files, leaks: handoutLeaks(substantialBlocks(await lessonBlocks(course)), files) };
}

/**
 * Each block whose code shows up in a file: any 3 consecutive lines of real code of the block
 * (codeLines) found as 3 consecutive lines of real code of the file.
 */
export function handoutLeaks(blocks: readonly LessonBlock[], files: FileMap, window = 3): string[] {
  const leaks: string[] = [];
  const texts = [...files].filter(([f]) => !f.endsWith(".json") || f === "lessons/manifest.json").map(([f, c]) => {
    const lines = codeLines(c.toString("utf8"));
    const windows = new Set<string>();
    for (let i = 0; i + window <= lines.length; i++) windows.add(lines.slice(i, i + window).join("\n"));
    return { file: f, windows };
  });
  for (const block of blocks) {
    const lines = codeLines(block.code);
    const mine: string[] = [];
    for (let i = 0; i + window <= lines.length; i++) mine.push(lines.slice(i, i + window).join("\n"));
    for (const { file, windows } of texts) {
      if (mine.some((w) => windows.has(w))) leaks.push(`lesson ${block.lesson} ${block.file}#${block.name} in ${file}`);
    }
  }
  return leaks;
}

/** Writes the handout into `outDir` (missing or empty), its graded manifest hashed for this copy. */
export async function writeHandout(course: Course, outDir: string): Promise<Handout> {
  const pinned = readPinned(course);
  if (!pinned) throw new Error(`${PINNED_MANIFEST} is missing: run \`npx tsx tools/lab/main.ts pin\` first`);
  const stale = staleEntries(course, pinned);
  if (stale.length > 0) throw new Error(`${PINNED_MANIFEST} is stale (${stale.slice(0, 3).join(", ")}${stale.length > 3 ? ", ..." : ""}): run \`npx tsx tools/lab/main.ts pin\` first, so the handout grades with the course's test lists`);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new Error(`${outDir} is not empty: give a new or empty folder`);
  const handout = await buildHandout(course);
  for (const [relative, content] of handout.files) {
    const target = path.join(outDir, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  // The pins of this copy: the same test lists, the hashes of the files as handed out (its
  // package.json has fewer scripts, so it differs from the course's).
  const copy = loadCourse(outDir);
  writePinned(copy, { ...pinned, files: hashPinned(copy) });
  return handout;
}

/** The handout's files, for listing: every file under `dir`, sorted. */
export async function handoutListing(dir: string): Promise<string[]> {
  return listFiles(dir);
}
