// `npm run progress`: every lesson, how its last run went, the hints used and the points its
// own tests are worth (as `npm run grade` would count them, from the last run).
//
//   $ npm run progress
//    #  lesson                                    status      last run          hints  points
//    1  Local authorizer: virtual users, pass...  ✓ passed    2026-11-21 10:44  1/3    10/10
//    2  Passive ports: PASV and EPSV from a p...  ✗ failing   2026-11-21 11:02  0/3    5/10
//    3  Masquerade address: the public addres...  · not tried                   0/3    0/10
//                                                                               total  15/70

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Course, Lesson } from "../course.ts";
import { parseHints } from "../hints.ts";
import { MARK, type Io } from "../io.ts";
import { lessonProgress, readProgress, type LessonProgress } from "../progress.ts";

const TITLE_WIDTH = 42;

export function progressCommand(course: Course, io: Io): number {
  const progress = readProgress(course.root);
  const rows = course.lessons.map((lesson) => row(course, lesson, lessonProgress(progress, lesson.id)));
  const earned = rows.reduce((sum, r) => sum + r.earned, 0);
  const possible = course.lessons.reduce((sum, l) => sum + l.points, 0);

  const header = ["#", "lesson", "status", "last run", "hints", "points"];
  const table = [header, ...rows.map((r) => r.cells), ["", "", "", "", "total", `${format(earned)}/${possible}`]];
  const widths = header.map((_, column) => Math.max(...table.map((cells) => [...(cells[column] ?? "")].length)));
  for (const cells of table) {
    io.out(cells.map((cell, column) => (column === 0 ? cell.padStart(widths[0]!) : padEnd(cell, widths[column]!))).join("  ").trimEnd());
  }
  const next = course.lessons.find((l) => lessonProgress(progress, l.id).status !== "passed");
  io.out("");
  io.out(next ? `Next: \`npm run lesson ${next.id}\`` : "Every lesson passes. Well done!");
  return 0;
}

function row(course: Course, lesson: Lesson, entry: LessonProgress): { cells: string[]; earned: number } {
  const status = entry.status === "passed" ? `${MARK.pass} passed` : entry.status === "failing" ? `${MARK.fail} failing` : `${MARK.none} not tried`;
  // Points as the grader gives them for the lesson's own tests: a share per passing test.
  const earned = entry.status === "passed" ? lesson.points : entry.total > 0 ? (lesson.points * entry.passed) / entry.total : 0;
  const cells = [
    String(lesson.id),
    clip(lesson.title, TITLE_WIDTH),
    status,
    entry.lastRun ? localTime(entry.lastRun) : "",
    `${entry.hintsUsed}/${hintCount(course, lesson)}`,
    `${format(earned)}/${lesson.points}`,
  ];
  return { cells, earned };
}

function hintCount(course: Course, lesson: Lesson): string {
  const file = path.join(course.root, lesson.dir, "hints.md");
  return existsSync(file) ? String(parseHints(readFileSync(file, "utf8")).length) : "-";
}

function localTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

function format(points: number): string {
  return Number.isInteger(points) ? String(points) : points.toFixed(1);
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 3)}...`;
}

function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - [...text].length));
}
