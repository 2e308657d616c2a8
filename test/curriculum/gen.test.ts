/**
 * The generator (tools/curriculum/gen.ts) on a small fixture course in a temp folder: what it
 * writes (the solutions, and the kit in workspace/src), what --check reports, that it never
 * silently overwrites the learner's workspace, and that it deletes the old per-lesson starters.
 * Nothing here writes into the repository's own lessons/, solutions/ or workspace/ (everything
 * goes through --out into a temp folder).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listFiles, sha256 } from "../../tools/curriculum/file-tree.ts";
import { main } from "../../tools/curriculum/gen.ts";
import { parseManifest, REPO_ROOT } from "../../tools/curriculum/manifest.ts";

const lessons = parseManifest(
  [1, 2, 3].map((id) => ({ id, slug: `0${id}-l${id}`, title: `Lesson ${id}`, points: 10, timeoutSec: 60, files: [] })),
  "fixture manifest",
);

const MAIN = [
  'import { greet } from "./greet.ts";',
  "//> 2 helper-import",
  'import { helper } from "./lib/helper.ts";',
  "//<",
  "console.log(greet());",
  "//> 1 login",
  "login();",
  "//| stub",
  "// TODO(lesson 1): log in",
  "//<",
  "//> 2 use-helper",
  "helper();",
  "//<",
  "",
].join("\n");
const GREET = 'export const greet = () => "hello";\n';
const HELPER = ["//> 2 helper", "export const helper = () => 42;", "//<", ""].join("\n");
const NOTES = "copied as is, even this: //> 9 not-projected\n";

let work = "";
let source = "";
let out = "";
let stdout: string[] = [];
let stderr: string[] = [];

async function gen(...argv: string[]): Promise<number> {
  stdout = [];
  stderr = [];
  return main(["--out", out, ...argv], {
    sourceDir: source,
    lessons,
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  });
}

const read = (relative: string) => readFile(path.join(out, relative), "utf8");
const write = async (relative: string, text: string) => {
  await mkdir(path.dirname(path.join(out, relative)), { recursive: true });
  await writeFile(path.join(out, relative), text);
};

beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "gen-test-"));
  source = path.join(work, "final/src");
  out = path.join(work, "out");
  await mkdir(path.join(source, "lib"), { recursive: true });
  await writeFile(path.join(source, "main.ts"), MAIN);
  await writeFile(path.join(source, "greet.ts"), GREET);
  await writeFile(path.join(source, "lib/helper.ts"), HELPER);
  await writeFile(path.join(source, "notes.txt"), NOTES);
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("projecting a course", () => {
  it("writes each lesson's solution, and the kit (the first lesson's starter) in workspace/src", async () => {
    expect(await gen()).toBe(0);
    expect(await read("solutions/01-l1/src/main.ts")).toBe('import { greet } from "./greet.ts";\nconsole.log(greet());\nlogin();\n');
    expect(await read("workspace/src/main.ts")).toBe('import { greet } from "./greet.ts";\nconsole.log(greet());\n// TODO(lesson 1): log in\n');
    expect(await read("solutions/02-l2/src/main.ts")).toBe(
      'import { greet } from "./greet.ts";\nimport { helper } from "./lib/helper.ts";\nconsole.log(greet());\nlogin();\nhelper();\n',
    );
    // No per-lesson starter any more.
    expect(existsSync(path.join(out, "lessons"))).toBe(false);
    expect(stdout.at(-1)).toMatch(/^gen: \d+ files written, 0 removed$/);
  });

  it("writes a whole-file block only from its lesson on, and copies other files as they are", async () => {
    await gen();
    expect(await listFiles(path.join(out, "solutions/01-l1/src"))).toEqual(["greet.ts", "main.ts", "notes.txt"]);
    expect(await listFiles(path.join(out, "workspace/src"))).toEqual(["greet.ts", "main.ts", "notes.txt"]);
    expect(await read("solutions/02-l2/src/lib/helper.ts")).toBe("export const helper = () => 42;\n");
    expect(await read("solutions/03-l3/src/lib/helper.ts")).toBe("export const helper = () => 42;\n");
    expect(await read("workspace/src/notes.txt")).toBe(NOTES);
  });

  it("leaves no marker line in any projected source", async () => {
    await gen();
    for (const relative of await listFiles(out)) {
      if (relative.endsWith(".ts")) expect(await read(relative), relative).not.toMatch(/^\s*\/\/[<>|]/m);
    }
  });

  it("records what it wrote in the workspace", async () => {
    await gen();
    const record = JSON.parse(await read("workspace/.gen-hashes.json")) as { files: Record<string, string> };
    expect(Object.keys(record.files)).toEqual(["greet.ts", "main.ts", "notes.txt"]);
    expect(record.files["greet.ts"]).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(path.join(out, "solutions/02-l2/.gen-hashes.json"))).toBe(false);
  });

  it("touches nothing on a second run", async () => {
    await gen();
    expect(await gen()).toBe(0);
    expect(stdout).toEqual(["gen: up to date (nothing to write)"]);
  });

  it("removes files whose source is gone, and folders left empty", async () => {
    await gen();
    await rm(path.join(source, "lib"), { recursive: true });
    await writeFile(path.join(source, "main.ts"), MAIN.replace(/\/\/> 2 helper-import\n.*\n\/\/<\n/, ""));
    expect(await gen()).toBe(0);
    expect(existsSync(path.join(out, "solutions/03-l3/src/lib"))).toBe(false);
    expect(stdout).toContain("solutions/03-l3/src: 1 written, 1 removed");
  });

  it("stops at a marker error, naming file:line", async () => {
    await writeFile(path.join(source, "greet.ts"), `${GREET}//<\n`);
    expect(await gen()).toBe(1);
    expect(stderr.join("\n")).toMatch(/gen: .*final\/src\/greet\.ts:2: '\/\/<' closes nothing/);
    expect(existsSync(out)).toBe(false);
  });

  it("rejects a marker naming a lesson the manifest does not have", async () => {
    await writeFile(path.join(source, "greet.ts"), `//> 4 later\n${GREET}//<\n`);
    expect(await gen("--check")).toBe(1);
    expect(stderr.join("\n")).toContain("greet.ts:1: there is no lesson 4 in the manifest (lessons are 1..3)");
  });
});

describe("--check", () => {
  it("says up to date right after gen, and writes nothing", async () => {
    expect(await gen("--check")).toBe(1); // nothing generated yet
    expect(existsSync(out)).toBe(false);
    await gen();
    expect(await gen("--check")).toBe(0);
    expect(stdout).toEqual(["gen --check: up to date"]);
  });

  it("reports a stale file with its first differing line", async () => {
    await gen();
    await write("solutions/02-l2/src/main.ts", (await read("solutions/02-l2/src/main.ts")).replace("console.log", "console.info"));
    expect(await gen("--check")).toBe(1);
    expect(stderr[0]).toBe(
      'solutions/02-l2/src/main.ts:3: differs\n    expected: console.log(greet());\n    found:    console.info(greet());',
    );
    expect(stderr.at(-1)).toMatch(/^gen --check: 1 difference from a fresh projection/);
  });

  it("reports a missing file and an extra file", async () => {
    await gen();
    await rm(path.join(out, "solutions/03-l3/src/greet.ts"));
    await write("workspace/src/lib/old.ts", "export {};\n");
    expect(await gen("--check")).toBe(1);
    expect(stderr).toContain("solutions/03-l3/src/greet.ts: missing");
    expect(stderr).toContain("workspace/src/lib/old.ts: extra file (not in the projection)");
    // A stale record of what gen wrote is a difference too: the next run would misjudge edits.
    await gen("--force");
    await write("workspace/.gen-hashes.json", "{}\n");
    expect(await gen("--check")).toBe(1);
    expect(stderr[0]).toMatch(/^workspace\/\.gen-hashes\.json:1: differs/);
  });

  it("notices when final/src changed after the last gen", async () => {
    await gen();
    await writeFile(path.join(source, "greet.ts"), GREET.replace("hello", "hi"));
    expect(await gen("--check")).toBe(1);
    // Three solutions and the workspace.
    expect(stderr.filter((l) => l.includes("greet.ts:1: differs"))).toHaveLength(4);
  });
});

describe("a learner's edits are never overwritten silently", () => {
  const edited = "// my work in progress\n";

  it("regenerates the workspace nobody edited", async () => {
    await gen();
    await writeFile(path.join(source, "greet.ts"), GREET.replace("hello", "hi"));
    expect(await gen()).toBe(0);
    expect(await read("workspace/src/greet.ts")).toContain("hi");
  });

  it("refuses a workspace the learner edited, and regenerates the solutions", async () => {
    await gen();
    await write("workspace/src/main.ts", edited);
    await writeFile(path.join(source, "greet.ts"), GREET.replace("hello", "hi"));
    expect(await gen()).toBe(1);
    const message = stderr.join("\n");
    expect(message).toContain("workspace/src: NOT regenerated");
    expect(message).toContain("    main.ts");
    expect(message).toContain("--force");
    expect(await read("workspace/src/main.ts")).toBe(edited);
    expect(await read("workspace/src/greet.ts")).toContain("hello"); // the whole workspace is left alone
    expect(await read("solutions/02-l2/src/greet.ts")).toContain("hi");
  });

  it("does not delete a file the learner added", async () => {
    await gen();
    await write("workspace/src/mine.ts", edited);
    expect(await gen()).toBe(1);
    expect(stderr.join("\n")).toMatch(/workspace\/src: NOT regenerated[^]*mine\.ts/);
    expect(await read("workspace/src/mine.ts")).toBe(edited);
  });

  it("overwrites with --force, and records the new content", async () => {
    await gen();
    const kit = await read("workspace/src/main.ts");
    await write("workspace/src/main.ts", edited);
    expect(await gen("--force")).toBe(0);
    expect(await read("workspace/src/main.ts")).toBe(kit);
    expect(await gen("--check")).toBe(0);
  });

  it("counts differing files as edits when there is no record of what gen wrote", async () => {
    await gen();
    await rm(path.join(out, "workspace/.gen-hashes.json"));
    expect(await gen()).toBe(0); // content equals the projection: nothing to protect
    await rm(path.join(out, "workspace/.gen-hashes.json"));
    await writeFile(path.join(source, "greet.ts"), GREET.replace("hello", "hi"));
    expect(await gen()).toBe(1);
    expect(stderr.join("\n")).toMatch(/workspace\/src: NOT regenerated[^]*greet\.ts/);
  });

  it("recreates a file the learner deleted (nothing is lost)", async () => {
    await gen();
    await rm(path.join(out, "workspace/src/greet.ts"));
    expect(await gen()).toBe(0);
    expect(await read("workspace/src/greet.ts")).toBe(GREET);
  });
});

describe("the old per-lesson starters (lessons/NN-slug/src)", () => {
  const edited = "// my work in progress\n";
  /** An old starter as gen used to write it: files and the record of their hashes. */
  async function oldStarter(text: string, recorded = text): Promise<void> {
    await write("lessons/02-l2/src/main.ts", text);
    await write("lessons/02-l2/.gen-hashes.json", JSON.stringify({ files: { "main.ts": sha256(Buffer.from(recorded)) } }));
    await write("lessons/02-l2/README.md", "# Lesson 2\n");
  }

  it("are extra for --check, and gen deletes them with their records (the lesson text stays)", async () => {
    await gen();
    await oldStarter("old starter\n");
    expect(await gen("--check")).toBe(1);
    expect(stderr).toContain("lessons/02-l2/src/main.ts: extra file (not in the projection)");
    expect(stderr).toContain("lessons/02-l2/.gen-hashes.json: extra file (not in the projection)");
    expect(await gen()).toBe(0);
    expect(existsSync(path.join(out, "lessons/02-l2/src"))).toBe(false);
    expect(existsSync(path.join(out, "lessons/02-l2/.gen-hashes.json"))).toBe(false);
    expect(await read("lessons/02-l2/README.md")).toBe("# Lesson 2\n");
    expect(await gen("--check")).toBe(0);
  });

  it("holding a learner's edits: not deleted without --force", async () => {
    await gen();
    await oldStarter(edited, "what gen wrote\n");
    expect(await gen()).toBe(1);
    expect(stderr.join("\n")).toMatch(/lessons\/02-l2\/src: NOT removed[^]*workspace\/src[^]*    main\.ts[^]*--force/);
    expect(await read("lessons/02-l2/src/main.ts")).toBe(edited);
    expect(await gen("--force")).toBe(0);
    expect(existsSync(path.join(out, "lessons/02-l2/src"))).toBe(false);
  });
});

describe("command line", () => {
  it("prints usage for --help and rejects unknown options", async () => {
    expect(await gen("--help")).toBe(0);
    expect(stdout[0]).toMatch(/^usage: npm run gen/);
    expect(await gen("--frobnicate")).toBe(2);
    expect(stderr[0]).toMatch(/Unknown option '--frobnicate'/);
    expect(await gen("--check", "--force")).toBe(2);
  });

  it("projects the real final/src (via npm run gen's own command), then finds it up to date", async () => {
    const exec = promisify(execFile);
    const tsx = path.join(REPO_ROOT, "node_modules/.bin/tsx");
    const script = path.join(REPO_ROOT, "tools/curriculum/gen.ts");
    const written = await exec(tsx, [script, "--out", out], { cwd: REPO_ROOT });
    expect(written.stdout).toMatch(/gen: \d+ files written, 0 removed/);
    const checked = await exec(tsx, [script, "--check", "--out", out], { cwd: REPO_ROOT });
    expect(checked.stdout.trim()).toBe("gen --check: up to date");
    expect(await listFiles(path.join(out, "solutions/07-port-mapping/src"))).toContain("main.ts");
    // Exit code 1 and the difference on stderr when something is stale.
    await rm(path.join(out, "solutions/01-local-authorizer/src/main.ts"));
    const failed = await exec(tsx, [script, "--check", "--out", out], { cwd: REPO_ROOT }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining("solutions/01-local-authorizer/src/main.ts: missing") });
  }, 60_000);
});
