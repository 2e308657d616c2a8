// Small file-system helpers for the generator: a folder as a map of posix relative paths to
// bytes, written and pruned so that only what changed is touched (mtimes of unchanged files
// stay put, which keeps editors and watchers calm).

import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";

/** Relative posix path ("auth/users.ts") to file content. */
export type FileMap = Map<string, Buffer>;

/** Every regular file under `dir`, sorted; an absent folder is empty. */
export async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(relative: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && relative === "") return;
      throw err;
    }
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) found.push(child);
    }
  }
  await walk("");
  return found.sort();
}

export async function readTree(dir: string): Promise<FileMap> {
  const files: FileMap = new Map();
  for (const relative of await listFiles(dir)) files.set(relative, await readFile(path.join(dir, relative)));
  return files;
}

export function sha256(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

export interface SyncResult {
  written: string[];
  removed: string[];
}

/** Makes `dir` hold exactly `wanted`, given what it holds now (`current`). */
export async function syncTree(dir: string, wanted: FileMap, current: FileMap): Promise<SyncResult> {
  const result: SyncResult = { written: [], removed: [] };
  for (const [relative, content] of wanted) {
    const existing = current.get(relative);
    if (existing && existing.equals(content)) continue;
    const target = path.join(dir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
    result.written.push(relative);
  }
  for (const relative of current.keys()) {
    if (wanted.has(relative)) continue;
    await rm(path.join(dir, relative), { force: true });
    await pruneEmptyParents(dir, path.dirname(relative));
    result.removed.push(relative);
  }
  return result;
}

// A stale file's folder (say src/tls/) goes with it when it was the last file there, or the
// projection would keep empty folders that a fresh clone does not have.
async function pruneEmptyParents(root: string, relativeDir: string): Promise<void> {
  let current = relativeDir;
  while (current !== "." && current !== "") {
    try {
      await rmdir(path.join(root, current));
    } catch {
      return; // not empty (or already gone): stop climbing
    }
    current = path.dirname(current);
  }
}

/** The first line where two texts differ (1-based), with both versions of it. */
export function firstDifference(expected: Buffer, actual: Buffer): { line: number; expected: string; actual: string } | null {
  if (expected.equals(actual)) return null;
  const a = expected.toString("utf8").split("\n");
  const b = actual.toString("utf8").split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { line: i + 1, expected: a[i] ?? "(end of file)", actual: b[i] ?? "(end of file)" };
  }
  // Same text, different bytes (an invalid UTF-8 sequence decoded alike): still a difference.
  return { line: 1, expected: "(binary content)", actual: "(different binary content)" };
}
