// The GitHub Classroom workflow (.github/workflows/classroom.yml), written from the lesson
// manifest so that its steps, scores and time limits never drift from the course:
//
//   npx tsx tools/lab/classroom-workflow.ts          rewrites .github/workflows/classroom.yml
//
// One push costs one `npm ci` and ONE test run: `npm run grade -- --out .lab/grade` grades every
// lesson (0 to 7) against the learner's server in workspace/ and writes .lab/grade/lesson-N/results.json. A step
// (id `results`) hands each file, base64-encoded, to classroom-resources/autograding-grading-reporter
// as the output `lesson-N`, exactly what a runner action's `result` output is (the command grader:
// core.setOutput('result', btoa(JSON.stringify(result)))). The reporter reads
// process.env[`${runner.toUpperCase()}_RESULTS`], base64-decodes it, and sends Classroom the sum
// of every test's `score` over the sum of each runner's `max_score` (src/notify-classroom.js):
// so each test's share reaches Classroom, and a half-done lesson gets partial credit.
// The reporter finds the check run of the job `run-autograding-tests`, which needs `checks: write`.
// test/lab/workflow.test.ts checks this file and our results.json against that contract.

import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadManifest, REPO_ROOT, type Lesson } from "../curriculum/manifest.ts";

export const WORKFLOW_FILE = ".github/workflows/classroom.yml";

/** Minutes for the one grading run: every lesson's time limit, plus a few to start and retry. */
export function gradeTimeoutMinutes(lessons: readonly Lesson[]): number {
  const seconds = lessons.reduce((sum, l) => sum + l.timeoutSec, 60);
  return Math.ceil(seconds / 60) + 2;
}

export const GRADE_DIR = ".lab/grade";
export const runnerId = (lesson: Lesson) => `lesson${lesson.id}`;

/** The result a lesson's runner reports when the grader wrote nothing for it (it crashed, or timed out). */
export function missingResult(lesson: Lesson): string {
  return JSON.stringify({
    version: 1,
    status: "error",
    max_score: lesson.points,
    tests: [{ name: `lesson ${lesson.id}: not graded`, status: "error", score: 0, message: "the grader wrote no results for this lesson: see the log of the step Grade every lesson", test_code: "", filename: "", line_no: 0, duration: 0 }],
  });
}

export function renderWorkflow(lessons: readonly Lesson[]): string {
  const lines = [
    "# GitHub Classroom autograding for ftp-lab: one test run grades every lesson against the",
    "# learner's server in workspace/; each test's share of its lesson's points reaches Classroom.",
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
    // Exit 1 (a test fails) is a grade, not a broken step: the reporter still runs (always()).
    "      - name: Grade every lesson (one test run)",
    "        id: grade",
    // Results left from anything but this run (a learner could commit some) are removed first.
    `        run: rm -rf ${GRADE_DIR} && npm run grade -- --out ${GRADE_DIR}`,
    `        timeout-minutes: ${gradeTimeoutMinutes(lessons)}`,
    "      - name: Hand each lesson's results.json to the reporter",
    "        id: results",
    "        if: always()",
    "        shell: bash",
    "        run: |",
    ...lessons.flatMap((l) => {
      const file = `${GRADE_DIR}/lesson-${l.id}/results.json`;
      return [
        `          [ -f ${file} ] || { mkdir -p ${GRADE_DIR}/lesson-${l.id} && echo '${missingResult(l)}' > ${file}; }`,
        `          echo "${runnerId(l)}=$(base64 -w0 ${file})" >> "$GITHUB_OUTPUT"`,
      ];
    }),
    "      - name: Keep the results.json and junit.xml files",
    "        if: always()",
    "        uses: actions/upload-artifact@v4",
    "        with:",
    "          name: grade-reports",
    `          path: ${GRADE_DIR}/`,
    "          if-no-files-found: ignore",
    // .lab/ starts with a dot: upload-artifact@v4 leaves such paths out unless told otherwise.
    "          include-hidden-files: true",
    "      - name: Autograding Reporter",
    "        if: always()",
    "        uses: classroom-resources/autograding-grading-reporter@v1",
    "        env:",
    ...lessons.map((l) => `          ${runnerId(l).toUpperCase()}_RESULTS: "\${{steps.results.outputs.${runnerId(l)}}}"`),
    "        with:",
    `          runners: ${lessons.map(runnerId).join(",")}`,
  ];
  return `${lines.join("\n")}\n`;
}

// Run as a script: rewrite the workflow file from the manifest.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const file = path.join(fileURLToPath(new URL("../../", import.meta.url)), WORKFLOW_FILE);
  writeFileSync(file, renderWorkflow(loadManifest()));
  process.stdout.write(`wrote ${path.relative(REPO_ROOT, file)}\n`);
}
