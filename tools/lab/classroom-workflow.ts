// The GitHub Classroom workflow (.github/workflows/classroom.yml), written from the lesson
// manifest so that its steps, scores and time limits never drift from the course:
//
//   npx tsx tools/lab/classroom-workflow.ts          rewrites .github/workflows/classroom.yml
//
// One education/autograding-command-grader step per lesson (id lesson-N): it runs
// `npm run grade -- --lesson N` and awards the lesson's points when the command exits 0, that
// is when every stage test of lessons 1..N passes against lessons/NN-slug. Then
// education/autograding-grading-reporter adds them up and reports to Classroom.
// Inputs as documented in those actions' READMEs and action.yml: test-name, setup-command,
// command, timeout (minutes), max-score; the reporter takes `runners` (the step ids) and one
// env variable `<ID>_RESULTS` per runner with that step's `result` output. The reporter looks
// for the check run of a job named `run-autograding-tests`, which needs `checks: write`.

import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadManifest, REPO_ROOT, type Lesson } from "../curriculum/manifest.ts";

export const WORKFLOW_FILE = ".github/workflows/classroom.yml";

/** Minutes for `npm run grade -- --lesson N`: the time limits of lessons 1..N, plus a minute to start. */
export function stepTimeoutMinutes(lessons: readonly Lesson[], lesson: Lesson): number {
  const seconds = lessons.filter((l) => l.id <= lesson.id).reduce((sum, l) => sum + l.timeoutSec, 30);
  return Math.ceil(seconds / 60) + 1;
}

const quote = (text: string) => JSON.stringify(text);

export function renderWorkflow(lessons: readonly Lesson[]): string {
  const ids = lessons.map((l) => `lesson-${l.id}`);
  const lines = [
    "# GitHub Classroom autograding for ftp-lab: one step per lesson, worth the lesson's points",
    "# when every stage test of lessons 1..N passes against the learner's lessons/NN-slug/src.",
    "# Written from lessons/manifest.json by tools/lab/classroom-workflow.ts: do not edit by hand,",
    "# run `npx tsx tools/lab/classroom-workflow.ts` instead. See docs/teachers.md.",
    "name: Autograding Tests",
    "'on':",
    "  - push",
    "  - repository_dispatch",
    "permissions:",
    "  checks: write",
    "  actions: read",
    "  contents: read",
    "jobs:",
    "  run-autograding-tests:",
    "    runs-on: ubuntu-latest",
    "    if: github.actor != 'github-classroom[bot]'",
    "    steps:",
    "      - name: Checkout code",
    "        uses: actions/checkout@v4",
    "      - name: Set up Node.js 20",
    "        uses: actions/setup-node@v4",
    "        with:",
    "          node-version: 20",
    "          cache: npm",
    "      - name: Install dependencies",
    "        run: npm ci --no-audit --no-fund",
    "      - name: Install the FTP clients the stage tests drive (curl is already there)",
    "        run: sudo apt-get update -qq && sudo apt-get install -y -qq lftp",
  ];
  for (const lesson of lessons) {
    const name = `Lesson ${lesson.id}: ${lesson.title}`;
    lines.push(
      `      - name: ${quote(name)}`,
      `        id: lesson-${lesson.id}`,
      "        uses: education/autograding-command-grader@v1",
      "        with:",
      `          test-name: ${quote(name)}`,
      `          command: npm run grade -- --lesson ${lesson.id} --out .lab/grade-${lesson.id}`,
      `          timeout: ${stepTimeoutMinutes(lessons, lesson)}`,
      `          max-score: ${lesson.points}`,
    );
  }
  lines.push(
    "      - name: Keep each lesson's results.json and junit.xml",
    "        if: always()",
    "        uses: actions/upload-artifact@v4",
    "        with:",
    "          name: grade-reports",
    "          path: .lab/grade-*/",
    "          if-no-files-found: ignore",
    // .lab/ starts with a dot: upload-artifact@v4 leaves such paths out unless told otherwise.
    "          include-hidden-files: true",
    "      - name: Autograding Reporter",
    "        uses: education/autograding-grading-reporter@v1",
    "        env:",
    ...ids.map((id) => `          ${id.toUpperCase()}_RESULTS: "\${{steps.${id}.outputs.result}}"`),
    "        with:",
    `          runners: ${ids.join(",")}`,
  );
  return `${lines.join("\n")}\n`;
}

// Run as a script: rewrite the workflow file from the manifest.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const file = path.join(fileURLToPath(new URL("../../", import.meta.url)), WORKFLOW_FILE);
  writeFileSync(file, renderWorkflow(loadManifest()));
  process.stdout.write(`wrote ${path.relative(REPO_ROOT, file)}\n`);
}
