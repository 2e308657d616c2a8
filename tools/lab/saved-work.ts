// The learner's work in workspace/src, saved before a command replaces it (catch-up, reset,
// restore), so that no command of the lab ever loses it.
//
//   saveWorkspace(root, "before-catch-up-2", now)
//   -> { folder: "saved/workspace-20261121-104402-before-catch-up-2", files: 14 }   (a copy of workspace/src in its src/)
//   replaceWorkspace(root, "/abs/solutions/01-local-authorizer/src")
//   -> { written: 15, removed: 2 }                     workspace/src now holds exactly those files

import { existsSync } from "node:fs";
import path from "node:path";
import { listFiles, readTree, syncTree } from "../curriculum/file-tree.ts";
import { WORKSPACE } from "./course.ts";

export const SAVED_DIR = "saved";

/** "20261121-104402", local time: sorts in order, reads as a date. */
export function timestamp(now: Date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}-${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
}

/**
 * Copies workspace/src into saved/workspace-<time>-<reason>/src (a new folder, never an old one
 * overwritten). Null when there is nothing to save (no workspace/src, or it is empty).
 */
export async function saveWorkspace(root: string, reason: string, now: Date = new Date()): Promise<{ folder: string; files: number } | null> {
  const src = path.join(root, WORKSPACE, "src");
  const files = await readTree(src);
  if (files.size === 0) return null;
  const base = `${SAVED_DIR}/workspace-${timestamp(now)}-${reason}`;
  let folder = base;
  for (let n = 2; existsSync(path.join(root, folder)); n++) folder = `${base}-${n}`;
  await syncTree(path.join(root, folder, "src"), files, new Map());
  return { folder, files: files.size };
}

/** The src folder of something the learner or teacher names: DIR/src when it has one, else DIR itself. */
export function sourceFolder(dir: string): string | null {
  if (existsSync(path.join(dir, "src", "main.ts"))) return path.join(dir, "src");
  if (existsSync(path.join(dir, "main.ts"))) return dir;
  return null;
}

/** Makes workspace/src hold exactly the files of `from` (an absolute src folder). */
export async function replaceWorkspace(root: string, from: string): Promise<{ written: number; removed: number; files: number }> {
  const wanted = await readTree(from);
  const dir = path.join(root, WORKSPACE, "src");
  const result = await syncTree(dir, wanted, await readTree(dir));
  return { written: result.written.length, removed: result.removed.length, files: wanted.size };
}

/** How many files a folder holds (for messages). */
export async function fileCount(dir: string): Promise<number> {
  return (await listFiles(dir)).length;
}
