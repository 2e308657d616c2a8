/**
 * A tiny course in a temp folder, for testing the lab commands without touching the real
 * lessons/: a manifest with two lessons, a marked final/src (a "server" that greets with the
 * parts each lesson adds), generated solutions and the kit in workspace/src (the first
 * lesson's starter), and stage tests that check those parts. Everything the lab commands
 * need, nothing they do not.
 *
 *   final/src/parts.ts    lesson 1 adds "one", lesson 2 adds "two" (stubs: TODO(lesson N))
 *   final/src/main.ts     prints LISTENING host:port, greets "220 one,two", echoes its args
 *   test/lessons/01-one.test.ts, 02-two.test.ts
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { projectCourse, writeCourse } from "../../tools/curriculum/generate.ts";
import { parseManifest, REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { main } from "../../tools/lab/main.ts";
import type { Io } from "../../tools/lab/io.ts";

export const MANIFEST = [
  { id: 1, slug: "01-one", title: "Say one", points: 10, timeoutSec: 60, files: [] },
  { id: 2, slug: "02-two", title: "Say two", points: 5, timeoutSec: 60, files: [] },
];

const PARTS = `// The parts of the greeting.
export const parts: string[] = [];
//> 1 one
parts.push("one");
//| stub
// TODO(lesson 1): add "one" to the parts
//<
//> 2 two
parts.push("two");
//| stub
// TODO(lesson 2): add "two" to the parts
//<
`;

const MAIN = `// A stand-in server: greets with the parts, says what it was started with.
import { createServer } from "node:net";
import { parts } from "./parts.ts";

const args = process.argv.slice(2);
if (args.includes("--help")) {
  console.log("usage: main.ts [-i HOST] [-p PORT] [-d DIR] [--user NAME:PASSWORD:PERMS:HOME]");
  process.exit(0);
}
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const server = createServer((socket) => socket.end(\`220 \${parts.join(",")}\\r\\n\`));
server.listen(Number(flag("-p") ?? 0), flag("-i") ?? "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(\`LISTENING 127.0.0.1:\${port}\`);
  console.log("Serving the parts. Try:");
  console.error(\`ARGS \${JSON.stringify(args)}\`);
});
process.on("SIGINT", () => server.close(() => process.exit(0)));
`;

// Stage tests read the target's parts directly: no sockets, so they are fast.
const stageTest = (body: string) => `import path from "node:path";
import { expect, it } from "vitest";

const target = path.resolve(process.env.FTP_TARGET ?? "final", "src", "parts.ts");
const { parts } = (await import(target)) as { parts: string[] };

${body}
`;

export const STAGE_TESTS: Record<string, string> = {
  "01-one.test.ts": stageTest(`it("greets with one", () => {
  expect(parts, 'the greeting should say "one" & <more>').toContain("one");
});

it("has a list of parts", () => {
  expect(Array.isArray(parts)).toBe(true);
});
`),
  "02-two.test.ts": stageTest(`it("greets with two", () => {
  expect(parts, "the greeting should say two").toContain("two");
});

it("says one before two", () => {
  expect(parts.join(","), "one, then two").toBe("one,two");
});
`),
};

export const HINTS = `# Hints for lesson 1

## Where to look
Look for TODO(lesson 1).

## What to push
The parts are an array.

\`\`\`md
## not a hint: inside a code block
\`\`\`

## The answer
parts.push("one")
`;

export interface Fixture {
  root: string;
  remove(): void;
}

/** A fresh course in a temp folder, with its stages generated as \`npm run gen\` would. */
export async function makeFixture(): Promise<Fixture> {
  const root = mkdtempSync(path.join(tmpdir(), "ftp-lab-fixture-"));
  const write = (relative: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), text);
  };
  write("lessons/manifest.json", JSON.stringify(MANIFEST, null, 2));
  write("final/src/parts.ts", PARTS);
  write("final/src/main.ts", MAIN);
  write("final/demo/README.txt", "demo folder\n");
  for (const [name, text] of Object.entries(STAGE_TESTS)) write(`test/lessons/${name}`, text);
  write("lessons/01-one/hints.md", HINTS);
  write(
    "tsconfig.stages.json",
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        allowImportingTsExtensions: true,
        noEmit: true,
        skipLibCheck: true,
        typeRoots: [path.join(REPO_ROOT, "node_modules", "@types")],
        types: ["node"],
      },
      include: ["solutions/*/src", "workspace/src"],
    }),
  );
  const lessons = parseManifest(MANIFEST);
  await writeCourse(await projectCourse(path.join(root, "final", "src"), lessons), root);
  // The graded files and each lesson's tests pinned, as a maintainer does before handing out.
  const pin = await lab(root, ["pin"]);
  if (pin.code !== 0) throw new Error(`fixture: pin failed: ${pin.io.text()}`);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** An Io that records lines and answers questions from a list. */
export function recordingIo(answers: string[] = [], interactive = false): Io & { lines: string[]; errors: string[]; text(): string } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    interactive,
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    ask: async (question) => {
      lines.push(question);
      return answers.shift() ?? "";
    },
    text: () => [...lines, ...errors].join("\n"),
  };
}

/** The lab in-process, on the fixture. */
export async function lab(root: string, args: string[], io = recordingIo()): Promise<{ code: number; io: ReturnType<typeof recordingIo> }> {
  const code = await main(["--root", root, ...args], io);
  return { code, io };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The lab as a real process (`node --import tsx tools/lab/main.ts ...`), stdin not a terminal. */
export function labProcess(root: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "tools", "lab", "main.ts"), "--root", root, ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
