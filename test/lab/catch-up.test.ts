/**
 * `npm run catch-up N` on a temp copy of a course (never the real workspace): it saves
 * workspace/src in saved/workspace-<time>-before-catch-up-N, says how to get it back, puts the
 * reference of lesson N-1 in workspace/src (from solutions/ or --from DIR), and refuses with a
 * clear message, changing nothing, when the reference is missing. --restore puts a saved
 * workspace back, saving the current one first.
 */
import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lab, labProcess, makeFixture, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
let parts = "";
const mine = 'export const parts: string[] = ["my own"];\n';
beforeAll(async () => {
  fixture = await makeFixture();
  parts = path.join(fixture.root, "workspace/src/parts.ts");
});
afterAll(() => fixture.remove());

const at = (h: number) => new Date(2026, 10, 21, 10, 44, h);

describe("npm run catch-up N", () => {
  it("saves workspace/src, says how to restore it, and puts the reference of N-1 there", async () => {
    writeFileSync(parts, mine);
    const run = await labProcess(fixture.root, ["catch-up", "2"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split("\n");
    const folder = /^Saved your workspace\/src \(2 files\) in (saved\/workspace-\d{8}-\d{6}-before-catch-up-2)\/src\.$/.exec(lines[0]!)?.[1];
    expect(folder, lines[0]).toBeDefined();
    expect(lines.slice(1)).toEqual([
      `To get it back: npm run catch-up -- --restore ${folder}`,
      "workspace/src is now the reference of lesson 1 (solutions/01-one/src, 2 files).",
      "Next: lesson 2, Say two: `npm run lesson 2` (its text: lessons/02-two/README.md)",
    ]);
    expect(readFileSync(parts, "utf8")).toBe(readFileSync(path.join(fixture.root, "solutions/01-one/src/parts.ts"), "utf8"));
    expect(readFileSync(path.join(fixture.root, folder!, "src/parts.ts"), "utf8")).toBe(mine);

    // --restore brings it back, after saving the reference that was there.
    const { code, io } = await lab(fixture.root, ["catch-up", "--restore", folder!], undefined);
    expect(code, io.text()).toBe(0);
    expect(io.lines[0]).toMatch(/^Saved your current workspace\/src \(2 files\) in saved\/workspace-\d{8}-\d{6}-before-restore(-\d+)?\/src\.$/);
    expect(io.lines[2]).toBe(`workspace/src is ${folder}/src again (2 files).`);
    expect(readFileSync(parts, "utf8")).toBe(mine);
  });

  it("takes the reference from --from DIR (a teacher's release), DIR or DIR/src", async () => {
    const release = path.join(fixture.root, "released/01-one");
    cpSync(path.join(fixture.root, "solutions/01-one/src"), path.join(release, "src"), { recursive: true });
    writeFileSync(path.join(release, "src/parts.ts"), 'export const parts: string[] = ["released"];\n');
    writeFileSync(parts, mine);
    const { code, io } = await lab(fixture.root, ["catch-up", "2", "--from", release]);
    expect(code, io.text()).toBe(0);
    expect(io.text()).toContain("workspace/src is now the reference of lesson 1 (released/01-one/src, 2 files).");
    expect(readFileSync(parts, "utf8")).toContain("released");
  });

  it("refuses, changing nothing, when the reference is missing (no solutions/), or for the first lesson", async () => {
    writeFileSync(parts, mine);
    renameSync(path.join(fixture.root, "solutions"), path.join(fixture.root, "solutions-hidden"));
    try {
      const run = await labProcess(fixture.root, ["catch-up", "2"]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(
        "catch-up: the reference of lesson 1 is not here (solutions/01-one/src does not exist); nothing changed. Your teacher releases it: put it in a folder and run `npm run catch-up -- 2 --from <that folder>`",
      );
      const from = await lab(fixture.root, ["catch-up", "2", "--from", "nowhere"]);
      expect(from.code).toBe(2);
      expect(from.io.errors).toEqual(["catch-up: --from nowhere: no server there (neither nowhere/src/main.ts nor nowhere/main.ts); nothing changed"]);
    } finally {
      renameSync(path.join(fixture.root, "solutions-hidden"), path.join(fixture.root, "solutions"));
    }
    const first = await lab(fixture.root, ["catch-up", "1"]);
    expect(first.code).toBe(2);
    expect(first.io.errors[0]).toMatch(/^catch-up: lesson 1 is the first: it starts from the kit/);
    expect(readFileSync(parts, "utf8")).toBe(mine);
  });

  it("two catch-ups in the same second keep both saved folders", async () => {
    rmSync(path.join(fixture.root, "saved"), { recursive: true, force: true });
    const one = await lab(fixture.root, ["catch-up", "2"]);
    expect(one.code).toBe(0);
    const { catchUpCommand } = await import("../../tools/lab/commands/catch-up.ts");
    const { loadCourse } = await import("../../tools/lab/course.ts");
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), interactive: false, ask: async () => "" };
    await catchUpCommand("2", { now: at(1) }, loadCourse(fixture.root), io);
    await catchUpCommand("2", { now: at(1) }, loadCourse(fixture.root), io);
    expect(lines.filter((l) => l.startsWith("Saved"))).toEqual([
      "Saved your workspace/src (2 files) in saved/workspace-20261121-104401-before-catch-up-2/src.",
      "Saved your workspace/src (2 files) in saved/workspace-20261121-104401-before-catch-up-2-2/src.",
    ]);
    expect(existsSync(path.join(fixture.root, "saved/workspace-20261121-104401-before-catch-up-2-2/src/parts.ts"))).toBe(true);
  });
});
