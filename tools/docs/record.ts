// Plays a diagram scenario (tools/docs/scenarios/NAME.ts) against a real server and returns
// the recording that diagrams.ts draws. Nothing is cached: every `npm run gen` records afresh,
// at most a few scenarios at a time.
//
//   const recording = await recordScenario(await loadScenario("login-and-list"), { entry, target });
//   renderDiagram(recording)

import { readdir } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FtpSocket } from "../wire/ftp-socket.ts";
import { startServer, type RunningServer } from "../wire/server-process.ts";
import { makeTempRoot, type TempRoot } from "../wire/temp-root.ts";
import { Transcript } from "../wire/transcript.ts";
import { sleep } from "../wire/wait.ts";
import { SHOWN_ROOT, type RecordedNote, type Recording } from "./diagrams.ts";
import type { NoteOver, PortRange, Scenario, ScenarioContext, ScenarioDefinition } from "./scenario.ts";

export const SCENARIO_DIR = fileURLToPath(new URL("./scenarios/", import.meta.url));

/** How many scenarios run at once (each is a server process plus a client). */
export const CONCURRENCY = 4;

/** A whole scenario must finish within this (each reply within 10 s). */
const SCENARIO_TIMEOUT_MS = 30_000;

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

/** The names of every scenario file, sorted. */
export async function listScenarios(dir = SCENARIO_DIR): Promise<string[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  return files
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Imports tools/docs/scenarios/NAME.ts; an unknown name is an error listing the known ones. */
export async function loadScenario(name: string, dir = SCENARIO_DIR): Promise<Scenario> {
  const known = await listScenarios(dir);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !known.includes(name)) {
    throw new ScenarioError(`no scenario named '${name}' in ${path.relative(process.cwd(), dir) || dir}; the scenarios are: ${known.join(", ") || "(none)"}`);
  }
  const module = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as { default?: ScenarioDefinition };
  const definition = module.default;
  if (!definition || typeof definition.run !== "function" || typeof definition.title !== "string") {
    throw new ScenarioError(`scenario '${name}': the file must \`export default defineScenario({ title, run, ... })\``);
  }
  return { ...definition, name };
}

export interface RecordOptions {
  /** The server's main.ts (absolute, or relative to the repository root). */
  entry: string;
  /** How the diagram names it: "solutions/02-passive-ports" or "final". */
  target: string;
  /** The lesson whose solution `entry` is (for the scenario's `since`); null for final. */
  lesson?: number | null;
}

/** Starts the server, plays the scenario, stops everything; the recording is what happened. */
export async function recordScenario(scenario: Scenario, options: RecordOptions): Promise<Recording> {
  const lesson = options.lesson ?? null;
  if (scenario.since !== undefined && lesson !== null && lesson < scenario.since) {
    throw new ScenarioError(`scenario '${scenario.name}' needs the server of lesson ${scenario.since} or later, not ${options.target}`);
  }
  const setup = scenario.server ?? {};
  const root = makeTempRoot(setup.files ?? {});
  const sockets: FtpSocket[] = [];
  let server: RunningServer | undefined;
  try {
    const extra = typeof setup.args === "function" ? setup.args(root) : (setup.args ?? []);
    const range = setup.range ? { shown: setup.range, real: await freeRange(setup.range.to - setup.range.from + 1) } : undefined;
    const realArgs = [...(range ? ["--range", `${range.real.from}-${range.real.to}`] : []), ...extra];
    const shownArgs = [...(range ? ["--range", `${range.shown.from}-${range.shown.to}`] : []), ...extra].map((a) => a.split(root.dir).join(SHOWN_ROOT));

    server = await startServer({ entry: options.entry, root: root.dir, args: realArgs, timeoutMs: 30_000 });
    const running = server;
    const transcript = new Transcript();
    const notes: RecordedNote[] = [];
    const context: ScenarioContext = {
      host: running.host,
      port: running.port,
      root,
      server: running,
      range: range?.real,
      transcript,
      async connect(opts = {}) {
        const ftp = await FtpSocket.connect(running.host, running.port, { timeoutMs: 10_000, ...opts, transcript });
        sockets.push(ftp);
        return ftp;
      },
      note(text: string, over: NoteOver = "both") {
        notes.push({ at: transcript.entries().length, text, over });
      },
      serverLine: (pattern, timeoutMs = 10_000) => waitForLine(running, pattern, timeoutMs),
    };

    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        scenario.run(context),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new ScenarioError(`did not finish within ${SCENARIO_TIMEOUT_MS / 1000} s`)), SCENARIO_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return {
      scenario: scenario.name,
      title: scenario.title,
      target: options.target,
      shownArgs: ["-d", SHOWN_ROOT, ...shownArgs],
      entries: transcript.entries(),
      notes,
      controlPort: running.port,
      ...(range ? { range } : {}),
      rootDir: root.dir,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const output = server?.output().trim();
    throw new ScenarioError(
      `scenario '${scenario.name}' against ${options.target} failed: ${message}` +
        (output ? `\n  server output:\n${output.split("\n").slice(-15).map((l) => `    ${l}`).join("\n")}` : ""),
    );
  } finally {
    for (const s of sockets) s.destroy();
    await server?.stop();
    root.cleanup();
  }
}

/** Runs `jobs` with at most `limit` at once; results in the order of `jobs`. */
export async function runPool<T>(jobs: ReadonlyArray<() => Promise<T>>, limit = CONCURRENCY): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      try {
        results[i] = { status: "fulfilled", value: await jobs[i]!() };
      } catch (reason) {
        results[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

async function waitForLine(server: RunningServer, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = server
      .stdout()
      .split("\n")
      .find((l) => pattern.test(l));
    if (line !== undefined) return line.replace(/\r$/, "");
    if (Date.now() > deadline) throw new ScenarioError(`the server printed no line matching ${pattern} within ${timeoutMs} ms`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------------------------
// a free port range for --range

const PORT_MIN = 40000;
const PORT_MAX = 59000;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host: "127.0.0.1", port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** `width` consecutive ports within 40000-59000 that are free right now. */
export async function freeRange(width: number): Promise<PortRange> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const from = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN - width));
    const ports = Array.from({ length: width }, (_, i) => from + i);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return { from, to: from + width - 1 };
  }
  throw new ScenarioError(`no free range of ${width} ports found in ${PORT_MIN}-${PORT_MAX}`);
}
