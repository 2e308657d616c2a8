/**
 * `npm run reset N` on a copy of a course: it refuses without a terminal unless --yes, asks on
 * a terminal, and restores the starter exactly (changed files back, added files gone, the
 * hash record rewritten) so that `npm run gen -- --check` agrees.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as gen } from "../../tools/curriculum/gen.ts";
import { readProgress, updateLesson } from "../../tools/lab/progress.ts";
import { lab, labProcess, makeFixture, recordingIo, type Fixture } from "./fixture-course.ts";

let fixture: Fixture;
let parts = "";
let original = "";
beforeAll(async () => {
  fixture = await makeFixture();
  parts = path.join(fixture.root, "lessons/02-two/src/parts.ts");
  original = readFileSync(parts, "utf8");
});
afterAll(() => fixture.remove());

function editStarter(): void {
  writeFileSync(parts, `${original}parts.push("my work");\n`);
  writeFileSync(path.join(fixture.root, "lessons/02-two/src/mine.ts"), "export const mine = 1;\n");
}

describe("npm run reset N", () => {
  it("refuses without a terminal and without --yes, and changes nothing", async () => {
    editStarter();
    const run = await labProcess(fixture.root, ["reset", "2"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      "reset: not resetting lessons/02-two/src without asking, and there is no terminal to ask on: run `npm run reset -- 2 --yes`",
    );
    expect(readFileSync(parts, "utf8")).toContain("my work");
  });

  it("asks on a terminal, and keeps the work when the answer is not yes", async () => {
    const io = recordingIo(["n"], true);
    const { code } = await lab(fixture.root, ["reset", "2"], io);
    expect(code).toBe(1);
    expect(io.lines[0]).toBe("Reset lessons/02-two/src? Your changes there are lost. [y/N] ");
    expect(io.lines[1]).toBe("Nothing changed in lessons/02-two/src.");
    expect(readFileSync(parts, "utf8")).toContain("my work");
  });

  it("resets after a yes on the terminal", async () => {
    const io = recordingIo(["y"], true);
    const { code } = await lab(fixture.root, ["reset", "2"], io);
    expect(code).toBe(0);
    expect(readFileSync(parts, "utf8")).toBe(original);
  });

  it("with --yes restores changed files, removes added ones, and gen --check agrees", async () => {
    editStarter();
    writeFileSync(path.join(fixture.root, "lessons/02-two/.gen-hashes.json"), "mangled");
    updateLesson(fixture.root, 2, (e) => ({ ...e, status: "passed", hintsUsed: 2 }));
    const run = await labProcess(fixture.root, ["reset", "2", "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe("lessons/02-two/src is the lesson 2 starter again (1 file restored, 1 removed).");
    expect(readFileSync(parts, "utf8")).toBe(original);
    expect(existsSync(path.join(fixture.root, "lessons/02-two/src/mine.ts"))).toBe(false);
    // The hints stay read; the old result no longer says anything.
    expect(readProgress(fixture.root).lessons["2"]).toMatchObject({ status: "untried", hintsUsed: 2 });

    const lines: string[] = [];
    const check = await gen(["--check"], { root: fixture.root, stdout: (l) => lines.push(l), stderr: (l) => lines.push(l) });
    expect(lines.join("\n")).toBe("gen --check: up to date");
    expect(check).toBe(0);
  });
});
