/**
 * `npm run handout -- --out DIR`: the student repository holds no reference and grades like the
 * course. Built once from this checkout into a temp folder (its node_modules a link to ours):
 *
 *   (a) no file of solutions/ or final/ is in it (by path, or by content unless the kit has the
 *       very same file: the kit is the code every stage shares);
 *   (b) no lesson block's code (every `//> N name` block of final/src with 3 or more lines of real
 *       code, as in its solution) appears in any handout file: 3 consecutive lines are enough;
 *   (c) `npm run grade` in the handout on the untouched kit scores 0 on every lesson it grades;
 *       to stay fast it grades lessons 0 and 1 only (`--lesson 1`: both against workspace/);
 *   (d) with solution 1 copied into its workspace, lessons 0 and 1 get full points;
 *   (e) a `.skip` added to a failing test, or an edited test, is refused (exit 3).
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFiles, readTree, sha256 } from "../../tools/curriculum/file-tree.ts";
import { REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import type { ClassroomResult } from "../../tools/lab/classroom-results.ts";
import { loadCourse } from "../../tools/lab/course.ts";
import { kitFiles, lessonBlocks, substantialBlocks } from "../../tools/lab/handout-kit.ts";
import { handoutLeaks, writeHandout } from "../../tools/lab/handout.ts";
import { readPinned } from "../../tools/lab/pinned.ts";

const course = loadCourse();
let dir: string;
let files: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ftp-lab-handout-"));
  await writeHandout(course, dir);
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  files = (await listFiles(dir)).filter((f) => !f.startsWith("node_modules/"));
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npx tsx tools/lab/main.ts ARGS` inside the handout, with no trace of the vitest running this. */
function inHandout(args: string[], timeoutMs = 600_000): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|TINYPOOL|FTP_TARGET$|LAB_|INIT_CWD$)/.test(k)));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "tools/lab/main.ts", ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Points per lesson in a results.json (test names start with "lesson N: "). */
function pointsByLesson(result: ClassroomResult): Record<string, { score: number; max: number }> {
  const out: Record<string, { score: number; max: number }> = {};
  for (const t of result.tests) {
    const id = /^lesson (\d+):/.exec(t.name)?.[1] ?? "?";
    const entry = (out[id] ??= { score: 0, max: 0 });
    entry.score = Math.round((entry.score + t.score) * 100) / 100;
    entry.max = Math.round((entry.max + t.max_score) * 100) / 100;
  }
  return out;
}

describe("the handout", () => {
  it("has the kit, the lesson texts and hints, the tests, the lab, the pins and the workflow; no reference.md, no lesson src", () => {
    for (const file of ["workspace/src/main.ts", "lessons/manifest.json", "test/lessons/stage-helpers.ts", "test/harness/index.ts", "tools/wire/index.ts", "tools/lab/main.ts", "tools/lab/graded-manifest.json", ".github/workflows/classroom.yml", "package.json", "package-lock.json", "tsconfig.json", "README.md"]) {
      expect(files, file).toContain(file);
    }
    for (const lesson of course.lessons) {
      expect(files).toContain(`${lesson.dir}/README.md`);
      expect(files).toContain(`${lesson.dir}/hints.md`);
      expect(files).toContain(`test/lessons/${lesson.slug}.test.ts`);
    }
    expect(files.filter((f) => /^(solutions|final|docs)\//.test(f) || /^lessons\/[^/]+\/(src\/|reference\.md$|\.gen-hashes\.json$)/.test(f) || /^test\/(?!lessons\/|harness\/)/.test(f))).toEqual([]);
    // The same dependencies and lockfile; scripts only for what the handout can run.
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { scripts: Record<string, string>; dependencies: unknown; devDependencies: unknown };
    const ours = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as typeof pkg;
    expect(pkg.dependencies).toEqual(ours.dependencies);
    expect(pkg.devDependencies).toEqual(ours.devDependencies);
    expect(readFileSync(path.join(dir, "package-lock.json"))).toEqual(readFileSync(path.join(REPO_ROOT, "package-lock.json")));
    for (const [name, command] of Object.entries(pkg.scripts)) {
      for (const word of command.split(" ")) if (/\.(ts|json)$/.test(word)) expect(existsSync(path.join(dir, word)), `script ${name}: ${word}`).toBe(true);
      expect(command, name).not.toMatch(/final\/|solutions\//);
    }
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(["lesson", "hint", "progress", "grade"]));
    expect(Object.keys(pkg.scripts)).not.toContain("handout");
    expect(Object.keys(pkg.scripts)).not.toContain("verify");
  });

  it("(a) holds no file of solutions/ or final/ (the kit's own files aside: every stage shares them)", async () => {
    const kit = new Set([...(await kitFiles(course)).values()].map(sha256));
    const reference = new Map<string, string>();
    for (const top of ["final", "solutions"]) {
      for (const [relative, content] of await readTree(path.join(REPO_ROOT, top))) {
        const hash = sha256(content);
        if (!kit.has(hash) && content.length > 0) reference.set(hash, `${top}/${relative}`);
      }
    }
    const found: string[] = [];
    for (const file of files) {
      const twin = reference.get(sha256(readFileSync(path.join(dir, file))));
      if (twin) found.push(`${file} = ${twin}`);
    }
    expect(found).toEqual([]);
  });

  it("(b) holds no lesson block's code (3 consecutive lines of real code of any block of 3 or more)", async () => {
    const blocks = substantialBlocks(await lessonBlocks(course));
    expect(blocks.length).toBeGreaterThan(0);
    const contents = new Map(files.map((f) => [f, readFileSync(path.join(dir, f))]));
    expect(handoutLeaks(blocks, contents)).toEqual([]);
    // The check can fail: a lesson-1 block pasted into a lesson text (re-indented, as a
    // README would quote it) is found.
    const planted = blocks.find((b) => b.lesson === 1)!;
    const readme = "lessons/01-local-authorizer/README.md";
    const quoted = Buffer.from(`${contents.get(readme)}\n\`\`\`ts\n${planted.code.split("\n").map((l) => `  ${l}`).join("\n")}\n\`\`\`\n`);
    expect(handoutLeaks(blocks, new Map([...contents, [readme, quoted]]))).toContain(`lesson 1 ${planted.file}#${planted.name} in ${readme}`);
  });

  it("(e) refuses a grade when a failing test gets a .skip, or a test is edited (exit 3, nothing run)", async () => {
    const file = path.join(dir, "test/lessons/01-local-authorizer.test.ts");
    const original = readFileSync(file, "utf8");
    // Every test of lesson 1 fails on the kit ((c) shows it): the first one gets a .skip.
    const itAt = original.search(/\n\s+it\(/);
    expect(itAt).toBeGreaterThan(0);
    expect(readPinned(loadCourse(dir))!.lessons["1"]!.requirements.length).toBeGreaterThan(0);
    try {
      writeFileSync(file, original.slice(0, itAt) + original.slice(itAt).replace("it(", "it.skip("));
      const skipped = await inHandout(["grade", "--lesson", "1", "--out", path.join(dir, ".lab", "e1")]);
      expect(skipped.code, skipped.stdout + skipped.stderr).toBe(3);
      expect(skipped.stderr).toContain("grade: refused: test/lessons/01-local-authorizer.test.ts is changed");
      expect(skipped.stdout).toContain("only your workspace/ is yours to change");

      // An expectation changed (or, failing that, any edit at all).
      writeFileSync(file, original.includes('"230"') ? original.replace('"230"', '"231"') : `${original}\n// edited\n`);
      const edited = await inHandout(["grade", "--lesson", "1", "--out", path.join(dir, ".lab", "e2")]);
      expect(edited.code).toBe(3);
    } finally {
      writeFileSync(file, original);
    }
  }, 120_000);

  it("(c) grades the untouched kit 0 points on lessons 0 and 1 (only these two, to stay fast)", async () => {
    const out = path.join(dir, ".lab", "c");
    const run = await inHandout(["grade", "--lesson", "1", "--out", out]);
    expect(run.stdout).toContain("Grading lessons 0-1 against workspace/src");
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const points = pointsByLesson(JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as ClassroomResult);
    expect(points).toEqual({ "0": { score: 0, max: 10 }, "1": { score: 0, max: 10 } });
  }, 600_000);

  it("(d) gives lessons 0 and 1 full points with solution 1 copied into workspace/src", async () => {
    const src = path.join(dir, "workspace", "src");
    rmSync(src, { recursive: true, force: true });
    cpSync(path.join(REPO_ROOT, "solutions", "01-local-authorizer", "src"), src, { recursive: true });
    const out = path.join(dir, ".lab", "d");
    const run = await inHandout(["grade", "--lesson", "1", "--out", out]);
    const points = pointsByLesson(JSON.parse(readFileSync(path.join(out, "results.json"), "utf8")) as ClassroomResult);
    expect(points, run.stdout).toEqual({ "0": { score: 10, max: 10 }, "1": { score: 10, max: 10 } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
  }, 600_000);

  it("says the reference is not in it (npm run hint -- 1 --reference)", async () => {
    const run = await inHandout(["hint", "1", "--reference"]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe("Lesson 1: the reference is not in this repository; your teacher releases it.");
  }, 60_000);
});
