// The lab's command line: every `npm run` command of the course comes through here.
//
//   npm run lesson [N] [-- --target DIR]         test workspace/ on lesson N (and 0..N-1 again); alone: list the lessons
//   npm run serve -- N [--solution|--target DIR] [--port P] [server flags]   run your server with a demo folder
//   npm run hint -- N [--all]                    the next hint for lesson N (--all: those you read)
//   npm run progress                             your lessons, results, hints and points
//   npm run catch-up N [-- --from DIR]           save workspace/src, put the reference of lesson N-1 there
//   npm run catch-up -- --restore FOLDER         put a saved workspace back
//   npm run reset                                save workspace/src, put the kit back
//   npm run grade -- [--lesson N] [--target workspace|solutions|final] [--out DIR]
//   npm run verify                               (maintainers) is the course sound?
//   npx tsx tools/lab/main.ts pin                (maintainers) rewrite tools/lab/graded-manifest.json
//   npm run handout -- --out DIR                 (teachers) write the student repository into DIR
//
// package.json maps each script to `tsx tools/lab/main.ts <command>`. Errors are one line on
// stderr ("lesson: no lesson 9: ..."), exit code 2; a failing test or check exits with 1;
// grade also exits 3 (a graded file was changed) and 4 (environment error: rerun).

import path from "node:path";
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { catchUpCommand } from "./commands/catch-up.ts";
import { gradeCommand } from "./commands/grade.ts";
import { handoutCommand } from "./commands/handout.ts";
import { hintCommand } from "./commands/hint.ts";
import { lessonCommand } from "./commands/lesson.ts";
import { pinCommand } from "./commands/pin.ts";
import { progressCommand } from "./commands/progress.ts";
import { resetCommand } from "./commands/reset.ts";
import { serveCommand } from "./commands/serve.ts";
import { verifyCommand } from "./commands/verify.ts";
import { loadCourse, type Course } from "./course.ts";
import { terminalIo, type Io } from "./io.ts";
import { LabError } from "./lab-error.ts";

type Action = (course: Course, command: Command) => Promise<number> | number;

/** Runs the lab with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = terminalIo()): Promise<number> {
  let exitCode = 0;
  const names = ["lesson", "serve", "hint", "progress", "reset", "catch-up", "grade", "verify", "pin", "handout"];
  let commandName = argv.find((a) => names.includes(a)) ?? "lab";
  const program = new Command("npm run")
    .description("ftp-lab: learn to build an FTP server, lesson by lesson")
    .option("--root <dir>", "the course folder (default: this repository)")
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: () => {} })
    .showSuggestionAfterError(true);

  // Each command is defined once: its arguments, its flags, and what it runs.
  const define = (name: string, describe: (cmd: Command) => Command, action: Action) => {
    describe(program.command(name))
      .exitOverride()
      .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: () => {} })
      .action(async (...args: unknown[]) => {
        commandName = name;
        const command = args[args.length - 1] as Command;
        const root = (command.optsWithGlobals() as { root?: string }).root;
        exitCode = await action(loadCourse(root === undefined ? undefined : path.resolve(process.env["INIT_CWD"] ?? process.cwd(), root)), command);
      });
  };

  define(
    "lesson",
    (c) =>
      c
        .description("run lesson N's tests on your server (workspace/), then the earlier lessons' again (alone: list the lessons)")
        .argument("[N]", "lesson number")
        .option("--target <dir>", "test another server: solutions/NN-slug, final, or a folder with src/main.ts (default: workspace)"),
    (course, c) => lessonCommand(c.args[0], course, io, c.opts()),
  );
  define(
    "serve",
    (c) =>
      c
        .description("run your server (workspace/) for lesson N on 127.0.0.1, serving a copy of final/demo; Ctrl-C stops it")
        .argument("<N>", "lesson number")
        .argument("[server-flags...]", "more flags for the server, e.g. --range 60000-60010 --nat-address 203.0.113.7")
        .allowUnknownOption()
        .option("--solution", "run lesson N's reference solution instead of your code")
        .option("--target <dir>", "run another server: solutions/NN-slug, final, or a folder with src/main.ts (default: workspace)")
        .option("--fresh", "start from a fresh copy of final/demo in .lab/serve (uploads of earlier runs are removed)")
        .option("--port <port>", "port to listen on (0 picks a free one)", "2121")
        .option("--host <address>", "address to listen on", "127.0.0.1"),
    (course, c) => serveCommand(c.args[0]!, { ...c.opts(), extra: c.args.slice(1) }, course, io),
  );
  define(
    "hint",
    (c) =>
      c
        .description("show the next hint for lesson N (or hint k)")
        .argument("<N>", "lesson number")
        .argument("[k]", "which hint (1 = the first)")
        .option("--all", "show again the hints you have read")
        .option("--reference", "show the reference code of the lesson (of hint k's part), where the course has it"),
    (course, c) => hintCommand(c.args[0]!, { ...c.opts(), ...(c.args[1] !== undefined ? { which: c.args[1] } : {}) }, course, io),
  );
  define("progress", (c) => c.description("your lessons: status, last run, hints used, points"), (course) => progressCommand(course, io));
  define(
    "reset",
    (c) =>
      c
        .description("put the kit back in workspace/src (your work there is saved in saved/ first)")
        .argument("[N]", "ignored: the workspace is one server for every lesson")
        .option("--yes", "ignored (nothing is lost, so reset does not ask)"),
    (course) => resetCommand({}, course, io),
  );
  define(
    "catch-up",
    (c) =>
      c
        .description("start lesson N from the reference of lesson N-1: saves workspace/src in saved/, then puts the reference there")
        .argument("[N]", "the lesson you want to start (1 or more)")
        .option("--from <dir>", "where your teacher released the reference (a folder with src/main.ts)")
        .option("--restore <folder>", "put a saved workspace back (saved/workspace-...); the current one is saved first"),
    (course, c) => catchUpCommand(c.args[0], c.opts(), course, io),
  );
  define(
    "grade",
    (c) =>
      c
        .description("grade every lesson against its own stage (or lessons 1..N against lesson N's); write results.json (GitHub Classroom) and junit.xml")
        .option("--lesson <N>", "grade lessons 1..N (default: every lesson, in one run)")
        .option("--target <kind>", "workspace (the learner's server, the default), solutions (each lesson's reference) or final")
        .option("--out <dir>", "where to write results.json and junit.xml (default .lab/grade)"),
    (course, c) => gradeCommand(c.opts(), course, io),
  );
  define(
    "verify",
    (c) =>
      c
        .description("maintainers: gen --check, type-check every stage, run every stage's tests, check README excerpts")
        .option("--jobs <n>", "stages tested at once", "2")
        .option("--workers <n>", "test files run at once within a stage", "2")
        .option("--no-tests", "skip the stage test runs"),
    (course, c) => verifyCommand(c.opts(), course, io),
  );

  define(
    "pin",
    (c) =>
      c
        .description("maintainers: pin the graded files and each lesson's tests in tools/lab/graded-manifest.json")
        .option("--hashes-only", "only refresh the files' hashes (no test run; the test lists are kept)")
        .option("--workers <n>", "test files run at once (1 on a busy machine)", "2"),
    (course, c) => pinCommand(c.opts(), course, io),
  );

  define(
    "handout",
    (c) => c.description("teachers: write the student repository (no solutions, no final/, no reference code) into DIR").option("--out <dir>", "a new or empty folder outside the course"),
    (course, c) => handoutCommand(c.opts(), course, io),
  );

  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.help" || err.code === "commander.version") return 0;
      io.err(`${commandName}: ${err.message.replace(/^error: /, "")} (see --help)`);
      return 2;
    }
    if (err instanceof LabError) {
      io.err(`${commandName}: ${err.message}`);
      return err.exitCode;
    }
    // A bug in the lab itself: still one line, with where to look.
    const e = err as Error;
    io.err(`${commandName}: internal error: ${e.message} (${e.stack?.split("\n")[1]?.trim() ?? "no stack"})`);
    return 70;
  }
}

// Run only as a script, so tests can import main() without side effects.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
