/**
 * Helpers for the router tests: run `npm run router` (tools/router/main.ts) as a child process,
 * exactly as a learner does, and wait for its lines.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { HarnessError, REPO_ROOT, shellQuote } from "../harness/index.ts";

export const ROUTER_ENTRY = path.join(REPO_ROOT, "tools", "router", "main.ts");

export interface RouterProcess {
  command: string;
  stdout(): string;
  stderr(): string;
  /** Waits for a stdout line matching `re` (rejects if the router exits or after `ms`). */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** Resolves with how it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ctrl-C (SIGINT), then SIGKILL after 3 s; resolves with how it ended. Safe to call twice. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The command, stdout and stderr, for failure messages. */
  about(): string;
}

const running = new Map<RouterProcess, () => void>();
// If the test process dies without stopping a router, don't leave it behind.
process.once("exit", () => {
  for (const kill of running.values()) kill();
});

function indent(text: string): string {
  const body = text.trimEnd();
  return body ? body.split("\n").map((l) => `    ${l}`).join("\n") : "    (empty)";
}

/** Starts `node --import tsx tools/router/main.ts ...args`, without waiting for anything. */
export function spawnRouter(args: string[]): RouterProcess {
  const argv = ["--import", "tsx", ROUTER_ENTRY, ...args];
  const command = `npm run router -- ${args.map(shellQuote).join(" ")}`;
  const proc = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const wake = new Set<() => void>();
  proc.stdout.setEncoding("utf8").on("data", (c: string) => {
    out += c;
    for (const w of wake) w();
  });
  proc.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once("close", (code, signal) => {
      ended = true;
      running.delete(router);
      for (const w of wake) w();
      resolve({ code, signal });
    });
  });
  let stopping: ReturnType<RouterProcess["stop"]> | null = null;
  const router: RouterProcess = {
    command,
    stdout: () => out,
    stderr: () => err,
    exited,
    about: () => [`  router:  ${command}`, `  router stdout:\n${indent(out)}`, `  router stderr:\n${indent(err)}`].join("\n"),
    waitFor(re, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split("\n").find((l) => re.test(l));
          if (line !== undefined) return done(() => resolve(line));
          if (ended) return done(() => reject(new HarnessError(`The router exited before printing a line matching ${re}.\n${router.about()}`)));
        };
        const timer = setTimeout(() => done(() => reject(new HarnessError(`The router printed no line matching ${re} within ${ms} ms.\n${router.about()}`))), ms);
        const done = (f: () => void) => {
          clearTimeout(timer);
          wake.delete(check);
          f();
        };
        wake.add(check);
        check();
      });
    },
    stop() {
      stopping ??= (async () => {
        if (!ended) {
          proc.kill("SIGINT");
          const killer = setTimeout(() => proc.kill("SIGKILL"), 3000);
          await exited;
          clearTimeout(killer);
        }
        return exited;
      })();
      return stopping;
    },
  };
  running.set(router, () => proc.kill("SIGKILL"));
  return router;
}

/** spawnRouter, then wait for its "router: ready" line. */
export async function startRouter(args: string[]): Promise<RouterProcess> {
  const router = spawnRouter(args);
  try {
    await router.waitFor(/^router: ready/);
  } catch (err) {
    await router.stop();
    throw err;
  }
  return router;
}

/** The router's log lines about connections to one public port ("#3 ... -> 127.0.0.2:PORT -> ..."). */
export function routerLines(router: RouterProcess, publicPort: number, kind?: "open" | "closed" | "failed"): string[] {
  const via = new RegExp(`-> [^ ]+:${publicPort} -> `);
  return router
    .stdout()
    .split("\n")
    .filter((l) => via.test(l) && (kind === undefined || new RegExp(` ${kind}\\b`).test(l)));
}

// ---- ports -----------------------------------------------------------------------------------

const PORT_MIN = 20000; // below Linux's ephemeral ports (32768-60999): no client socket lands there by chance
const PORT_MAX = 32000;
let next = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN - 1000));

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    // Every address: free here means free on 127.0.0.1 and 127.0.0.2 alike.
    srv.listen({ host: "0.0.0.0", port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * `width` consecutive ports, free right now, never handed out twice in this process (so
 * concurrent tests of one file cannot overlap). Other files start elsewhere at random.
 */
export async function allocatePorts(width: number): Promise<{ from: number; to: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (next + width > PORT_MAX) next = PORT_MIN;
    const from = next;
    next += width;
    const ports = Array.from({ length: width }, (_, i) => from + i);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return { from, to: from + width - 1 };
  }
  throw new Error(`allocatePorts: no ${width} free consecutive ports found in ${PORT_MIN}-${PORT_MAX}`);
}
