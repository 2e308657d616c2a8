/**
 * A throwaway directory to serve as the FTP root of one test, filled with known files.
 *
 * Each test gets its own, so tests can run in parallel and a test can check exactly what the
 * server wrote (e.g. after STOR) without seeing another test's files.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TempRoot {
  /** Absolute, symlink-free path (on macOS /tmp is a symlink; servers that realpath must agree). */
  dir: string;
  /** Absolute path of a file inside the root ("a/b.txt" or "/a/b.txt"). */
  path(rel: string): string;
  read(rel: string): Buffer;
  /** Remove the directory and everything in it. Safe to call twice. */
  cleanup(): void;
}

/**
 * Create the root. Keys are relative paths (nested allowed, parents are created); values are
 * file contents, or null for an (empty) directory.
 */
export function makeTempRoot(files: Record<string, string | Buffer | null> = {}): TempRoot {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-")));
  const resolve = (rel: string) => path.join(dir, rel.replace(/^\/+/, ""));
  try {
    for (const [rel, content] of Object.entries(files)) {
      const abs = resolve(rel);
      // A fixture escaping its root is a bug in the test, and would write outside the temp dir.
      if (abs !== dir && !abs.startsWith(dir + path.sep)) throw new Error(`makeTempRoot: "${rel}" is outside the root`);
      if (content === null) fs.mkdirSync(abs, { recursive: true });
      else {
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.writeFileSync(abs, content);
      }
    }
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    path: resolve,
    read: (rel) => fs.readFileSync(resolve(rel)),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
