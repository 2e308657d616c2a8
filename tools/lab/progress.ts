// The learner's progress, kept in .lab/progress.json (not committed: it is yours alone):
// how each lesson's last run went and how many hints you have read.
//
//   { "version": 1,
//     "lessons": { "3": { "status": "failing", "lastRun": "2026-11-21T10:44:02.123Z",
//                         "passed": 3, "total": 4, "hintsUsed": 1 } } }
//
// "passed"/"total" count the lesson's own tests at the last run; "status" is "passed" only
// when they all passed and the earlier lessons still did too.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

export const PROGRESS_FILE = ".lab/progress.json";

export type LessonStatus = "passed" | "failing" | "untried";

export interface LessonProgress {
  status: LessonStatus;
  /** ISO time of the last `npm run lesson N`, or null. */
  lastRun: string | null;
  passed: number;
  total: number;
  hintsUsed: number;
}

export interface Progress {
  version: 1;
  lessons: Record<string, LessonProgress>;
}

export const NOT_TRIED: LessonProgress = { status: "untried", lastRun: null, passed: 0, total: 0, hintsUsed: 0 };

export function progressPath(root: string): string {
  return path.join(root, PROGRESS_FILE);
}

/** The saved progress; a missing or unreadable file is a fresh start. */
export function readProgress(root: string): Progress {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(progressPath(root), "utf8"));
  } catch {
    return { version: 1, lessons: {} };
  }
  const lessons: Record<string, LessonProgress> = {};
  const saved = data && typeof data === "object" ? (data as { lessons?: unknown }).lessons : undefined;
  if (saved && typeof saved === "object") {
    for (const [id, entry] of Object.entries(saved as Record<string, unknown>)) lessons[id] = sanitize(entry);
  }
  return { version: 1, lessons };
}

// Hand-edited or old files must not crash a command: keep what makes sense, default the rest.
function sanitize(entry: unknown): LessonProgress {
  const e = (entry && typeof entry === "object" ? entry : {}) as Record<string, unknown>;
  const count = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : 0);
  const status = e["status"] === "passed" || e["status"] === "failing" ? e["status"] : "untried";
  return {
    status,
    lastRun: typeof e["lastRun"] === "string" ? e["lastRun"] : null,
    passed: count(e["passed"]),
    total: count(e["total"]),
    hintsUsed: count(e["hintsUsed"]),
  };
}

export function lessonProgress(progress: Progress, id: number): LessonProgress {
  return progress.lessons[String(id)] ?? { ...NOT_TRIED };
}

/** Reads, changes one lesson's entry, and writes back (atomically: a temp file, then rename). */
export function updateLesson(root: string, id: number, change: (entry: LessonProgress) => LessonProgress): LessonProgress {
  const progress = readProgress(root);
  const updated = change(lessonProgress(progress, id));
  progress.lessons[String(id)] = updated;
  const file = progressPath(root);
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(progress, null, 2)}\n`);
  renameSync(temp, file);
  return updated;
}
