// Starting a lesson's server the way the tests do: `node --import tsx <stage>/src/main.ts ...`,
// and waiting for its "LISTENING host:port" line (read by the wire kit, tools/wire).
//
//   const server = await startStage(root, "lessons/03-masquerade", ["-p", "2121", "-d", dir]);
//   -> { host: "127.0.0.1", port: 2121, child } once it listens; or an error that carries
//      what the server printed before it stopped.

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../curriculum/manifest.ts";
import { lineSplitter, parseListeningLine } from "../wire/server-process.ts";

/** tsx's loader, by absolute URL, so the server starts from any working folder. */
export const TSX_LOADER = pathToFileURL(path.join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

export function stageArgv(root: string, folder: string, args: readonly string[]): string[] {
  return ["--import", TSX_LOADER, path.resolve(root, folder, "src", "main.ts"), ...args];
}

export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

export interface StartedServer {
  host: string;
  port: number;
  child: ChildProcess;
  /** Called with each stdout/stderr line printed after LISTENING. */
  onLine(listener: (line: string, stream: "stdout" | "stderr") => void): void;
}

/** Runs the stage with `args` until it exits (for --help); killed after `timeoutMs`. */
export function runStageOnce(root: string, folder: string, args: readonly string[], timeoutMs = 20_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, stageArgv(root, folder, args), { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (err) => (output += err.message));
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export function startStage(root: string, folder: string, args: readonly string[], timeoutMs = 20_000): Promise<StartedServer> {
  const child = spawn(process.execPath, stageArgv(root, folder, args), { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let listener: ((line: string, stream: "stdout" | "stderr") => void) | null = null;
  const pending: Array<[string, "stdout" | "stderr"]> = [];
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new ServerStartError(`the server did not print "LISTENING host:port" within ${timeoutMs / 1000} s`, output));
    }, timeoutMs);
    const lines = (stream: "stdout" | "stderr") => {
      const split = lineSplitter();
      return (chunk: Buffer) => {
        for (const line of split(chunk.toString("utf8"))) {
          if (!ready) output += `${line}\n`;
          const listening = stream === "stdout" && !ready ? parseListeningLine(line) : null;
          if (listening) {
            ready = true;
            clearTimeout(timer);
            resolve({
              host: listening.host,
              port: listening.port,
              child,
              onLine(l) {
                listener = l;
                for (const [text, from] of pending.splice(0)) l(text, from);
              },
            });
            continue;
          }
          if (!ready) continue;
          if (listener) listener(line, stream);
          else pending.push([line, stream]);
        }
      };
    };
    child.stdout.on("data", lines("stdout"));
    child.stderr.on("data", lines("stderr"));
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new ServerStartError(`could not start node: ${err.message}`, output));
    });
    child.once("close", (code, signal) => {
      if (ready) return;
      clearTimeout(timer);
      reject(new ServerStartError(`the server stopped before it was ready (${signal ? `signal ${signal}` : `exit code ${code}`})`, output));
    });
  });
}
