/**
 * `npm run reset` on a copy of a course: it saves workspace/src in saved/ (never loses work,
 * so it does not ask), then restores the kit exactly (changed files back, added files gone,
 * the hash record rewritten) so that `npm run gen -- --check` agrees.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as gen } from "../../tools/curriculum/gen.ts";
import { readProgress, updateLesson } from "../../tools/lab/progress.ts";
import { labProcess, makeFixture, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
let parts = "";
let kit = "";
beforeAll(async () => {
  fixture = await makeFixture();
  parts = path.join(fixture.root, "workspace/src/parts.ts");
  kit = readFileSync(parts, "utf8");
});
afterAll(() => fixture.remove());

describe("npm run reset", () => {
  it("saves the workspace, restores the kit, removes added files, and gen --check agrees", async () => {
    writeFileSync(parts, `${kit}parts.push("my work");\n`);
    writeFileSync(path.join(fixture.root, "workspace/src/mine.ts"), "export const mine = 1;\n");
    writeFileSync(path.join(fixture.root, "workspace/.gen-hashes.json"), "mangled");
    updateLesson(fixture.root, 2, (e) => ({ ...e, status: "passed", hintsUsed: 2 }));
    const run = await labProcess(fixture.root, ["reset"]);
    expect(run.code, run.stderr).toBe(0);
    const [saved, restore, done] = run.stdout.trim().split("\n");
    const folder = /^Saved your workspace\/src \(3 files\) in (saved\/workspace-\d{8}-\d{6}-before-reset)\/src\.$/.exec(saved!)?.[1];
    expect(folder, saved).toBeDefined();
    expect(restore).toBe(`To get it back: npm run catch-up -- --restore ${folder}`);
    expect(done).toBe("workspace/src is the kit again (1 file restored, 1 removed): start with `npm run lesson 1`.");
    expect(readFileSync(parts, "utf8")).toBe(kit);
    expect(existsSync(path.join(fixture.root, "workspace/src/mine.ts"))).toBe(false);
    expect(readFileSync(path.join(fixture.root, folder!, "src/parts.ts"), "utf8")).toContain("my work");
    expect(readFileSync(path.join(fixture.root, folder!, "src/mine.ts"), "utf8")).toBe("export const mine = 1;\n");
    // The hints stay read; the old result no longer says anything.
    expect(readProgress(fixture.root).lessons["2"]).toMatchObject({ status: "untried", hintsUsed: 2 });

    const lines: string[] = [];
    const check = await gen(["--check"], { root: fixture.root, stdout: (l) => lines.push(l), stderr: (l) => lines.push(l) });
    expect(lines.join("\n")).toBe("gen --check: up to date");
    expect(check).toBe(0);
  });
});
