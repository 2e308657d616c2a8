// `npm run serve N`: run your server (workspace/src; --solution: lesson N's reference;
// --target DIR: another folder with src/main.ts) on
// 127.0.0.1:2121, serving a copy of final/demo, and print how to connect to it with curl, lftp
// and FileZilla. Ctrl-C stops it. Flags the lab does not know go to the server as they are
// (`npm run serve -- 7 --range 60000-60010 --nat-address 203.0.113.7`).
//
//   $ npm run serve 3
//   Lesson 3, workspace/src, is listening on 127.0.0.1:2121. Ctrl-C stops it.
//   Uploads from earlier runs are kept in .lab/serve (public/, learner/); `npm run serve -- 3 --fresh` starts from a fresh copy of final/demo.
//
//   Who can log in
//     anonymous (any password)   read-only                      sees .lab/serve/public
//     learner / learner          every permission (elradfmwMT)  sees .lab/serve/learner
//   curl ...   lftp ...   FileZilla ...
//
// With `--users FILE` (lesson 4 on) the file alone decides who logs in: the lab adds no
// account and lists the file's users and homes instead. `-d DIR` is what anonymous sees.

import { findLesson, requireStage, resolveTarget, type Course } from "../course.ts";
import { clipLines, indent } from "../error-text.ts";
import type { Io } from "../io.ts";
import { LabError } from "../lab-error.ts";
import { accountFlags, connectionHelp, fileAccounts, prepareServeFolders, readServeChoices, readServerFlags, SERVE_DIR } from "../serve-setup.ts";
import { runStageOnce, ServerStartError, startStage } from "../server-process.ts";

export interface ServeOptions {
  solution?: boolean;
  /** The server to run: the workspace by default; solutions/NN-slug, final or a folder. */
  target?: string;
  port?: string;
  host?: string;
  /** More flags for the server (`npm run serve -- 7 --range 60000-60010`). */
  extra?: string[];
  /** Start from a fresh copy of final/demo in .lab/serve (uploads of earlier runs are gone). */
  fresh?: boolean;
}

export async function serveCommand(arg: string, options: ServeOptions, course: Course, io: Io): Promise<number> {
  const lesson = findLesson(course, arg);
  if (options.solution && options.target) throw new LabError("--solution and --target both name the server to run: give one");
  const folder = resolveTarget(course, options.solution ? lesson.solutionDir : options.target);
  requireStage(course, folder);
  const port = parsePort(options.port ?? "2121");
  const host = options.host ?? "127.0.0.1";

  // Which account flags this stage understands: early stages may not have --user yet.
  const help = await runStageOnce(course.root, folder, ["--help"]);
  if (help.code !== 0) {
    io.err(`serve: ${folder}/src/main.ts --help failed (exit code ${help.code}); the server does not start:`);
    io.err(indent(clipLines(help.output.trim(), 30), "    "));
    return 1;
  }
  // The learner's own flags win: --users FILE decides who logs in, -d DIR what anonymous sees.
  const choices = readServeChoices(options.extra ?? [], course.root);
  let accounts;
  let folderNote: string | null = null;
  if (choices.usersFile) {
    accounts = fileAccounts(choices.usersFile);
  } else {
    const folders = prepareServeFolders(course.root, { fresh: options.fresh });
    const flags = readServerFlags(help.output);
    accounts = accountFlags(folders, flags);
    // -d is anonymous's folder when anonymous comes from --anonymous (or is the only account).
    if (choices.directory && accounts.anonymous && (flags.anonymous || !flags.user)) accounts = { ...accounts, anonymous: choices.directory };
    // The learner's own -d replaces the lab's (the server refuses a flag given twice).
    if (choices.directory) accounts = { ...accounts, flags: withoutDirectory(accounts.flags) };
    const rerun = `npm run serve -- ${lesson.id} --fresh`;
    folderNote = folders.kept
      ? `Uploads from earlier runs are kept in ${SERVE_DIR} (public/, learner/); \`${rerun}\` starts from a fresh copy of final/demo.`
      : `${SERVE_DIR} holds fresh copies of final/demo; your uploads stay there between runs (\`${rerun}\` starts clean).`;
  }

  let server;
  try {
    server = await startStage(course.root, folder, ["-i", host, "-p", String(port), ...accounts.flags, ...(options.extra ?? [])]);
  } catch (err) {
    if (!(err instanceof ServerStartError)) throw err;
    io.err(`serve: ${err.message}. What it printed:`);
    io.err(indent(clipLines(err.output.trim() || "(nothing)", 30), "    "));
    if (/EADDRINUSE|in use/.test(err.output)) io.err(`Port ${port} is taken (another server?): try \`npm run serve -- ${lesson.id} --port ${port + 1}\`.`);
    return 1;
  }

  const which = options.solution ? `The lesson ${lesson.id} solution` : `Lesson ${lesson.id}`;
  io.out(`${which}, ${folder}/src, is listening on ${server.host}:${server.port}. Ctrl-C stops it.`);
  if (folderNote) io.out(folderNote);
  io.out("");
  // A server on every interface is reached from this machine through loopback.
  const dial = server.host === "0.0.0.0" ? "127.0.0.1" : server.host === "::" ? "::1" : server.host;
  for (const line of connectionHelp(dial, server.port, accounts, course.root)) io.out(line);
  io.out("");
  io.out("What the server logs:");
  // The server's own startup lines ("Serving ... Try: ...") repeat what is above.
  let startup = true;
  server.onLine((line, stream) => {
    if (stream === "stdout" && startup && /^(Serving |Try:|  (curl|lftp|python3) |$)/.test(line)) return;
    startup = false;
    if (stream === "stderr") io.err(line);
    else io.out(line);
  });

  const stop = () => {
    server.child.kill("SIGINT");
    setTimeout(() => server.child.kill("SIGKILL"), 3000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const code = await new Promise<number | null>((resolve) => server.child.once("close", (c) => resolve(c)));
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  io.out(`The server stopped${code ? ` (exit code ${code})` : ""}.`);
  return 0;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) throw new LabError(`--port ${JSON.stringify(text)}: give a port number 0-65535 (0 picks a free one)`);
  return port;
}

/** The flags without their "-d DIR" pair. */
function withoutDirectory(flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === "-d") i++;
    else out.push(flags[i]!);
  }
  return out;
}
