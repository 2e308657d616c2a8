/**
 * The real programs some tests drive (curl, lftp, python3, pyftpdlib, chromium, iptables, ip):
 * whether this machine has them, and what a test that needs a missing one does.
 *
 *   outside CI     the suite (or test) is SKIPPED: its title ends with the marker
 *                  " [missing tool: lftp (sudo apt-get install lftp)]", one warning line names the
 *                  tool and the install command, and test/summary-reporter.ts adds up the skips
 *                  after its "N passed, N failed, N skipped" line;
 *   in CI          (CI set, e.g. CI=true) a missing tool FAILS: one failing test, with the same
 *                  marker in its title, says which tool and how to install it. CI never skips.
 *
 *   describeNeeding(["lftp"], "lftp", () => { ... });                  // a whole suite
 *   itNeeding(["curl"], "curl downloads ...", async () => { ... });     // one test
 *   const gate = requireTools("ip", "iptables");                       // gate.missing, gate.reason
 *
 * Each tool is looked up once per process (test files run in their own process): on $PATH, as
 * `command -v` does, since that is where a spawn by name looks; pyftpdlib is a python3 (Debian's
 * /usr/bin/python3 first, then $PATH's) that can `import pyftpdlib`. FTP_LAB_MISSING_TOOLS=lftp,curl
 * makes those count as missing, to see what a machine without them gets.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it, type TestFunction } from "vitest";
import { missingMarker } from "./tool-marker.ts";

export type Tool = "lftp" | "curl" | "python3" | "pyftpdlib" | "chromium" | "iptables" | "ip";

/** Debian/Ubuntu packages to install for each tool. */
const PACKAGES: Record<Tool, string[]> = {
  lftp: ["lftp"],
  curl: ["curl"],
  python3: ["python3"],
  pyftpdlib: ["python3-pyftpdlib"],
  chromium: ["chromium"],
  iptables: ["iptables"],
  ip: ["iproute2"],
};

/** Where each tool is: the first of its names found on $PATH (pyftpdlib: the python3 that has it). */
const FINDERS: Record<Tool, () => string | null> = {
  lftp: () => onPath("lftp"),
  curl: () => onPath("curl"),
  python3: () => onPath("python3"),
  pyftpdlib: findPyftpdlibPython,
  // The names test/site/site.test.ts always looked for (Debian's package, Ubuntu's old name).
  chromium: () => onPath("chromium") ?? onPath("chromium-browser"),
  // The names test/router/real-nat.test.ts tries.
  iptables: () => onPath("iptables") ?? onPath("iptables-nft") ?? onPath("iptables-legacy"),
  ip: () => onPath("ip"),
};

/** `sudo apt-get install lftp` */
export function installLine(tools: readonly Tool[]): string {
  return `sudo apt-get install ${[...new Set(tools.flatMap((t) => PACKAGES[t]))].join(" ")}`;
}

/** The install line for a program run by name, when it is one of the tools here ("" if not). */
export function installHint(program: string): string {
  return Object.hasOwn(PACKAGES, program) ? `Debian/Ubuntu: ${installLine([program as Tool])}` : "";
}

/** Whether this run is CI's: CI set to anything but "", "0" or "false". */
export function inCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env["CI"] ?? "").trim().toLowerCase();
  return ci !== "" && ci !== "0" && ci !== "false";
}

/** An executable file called `name` in a $PATH folder, or null. */
export function onPath(name: string, pathVar = process.env["PATH"] ?? ""): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      if (fs.statSync(file).isFile()) {
        fs.accessSync(file, fs.constants.X_OK);
        return file;
      }
    } catch {
      // not here
    }
  }
  return null;
}

function findPyftpdlibPython(): string | null {
  const candidates = [...new Set([fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : null, onPath("python3")].filter((p): p is string => p !== null))];
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import pyftpdlib"], { stdio: "ignore", timeout: 10_000 });
    if (r.status === 0) return python;
  }
  return null;
}

const found = new Map<Tool, string | null>();

/** The tool's path (for pyftpdlib: the python3 that imports it), or null when it is missing. */
export function toolPath(tool: Tool): string | null {
  if (!found.has(tool)) {
    const pretend = (process.env["FTP_LAB_MISSING_TOOLS"] ?? "").split(",").map((s) => s.trim());
    found.set(tool, pretend.includes(tool) ? null : FINDERS[tool]());
  }
  return found.get(tool) ?? null;
}

// ---- gates ----------------------------------------------------------------------------------------

export class MissingToolError extends Error {
  override name = "MissingToolError";
}

export interface ToolGate {
  /** The tools asked for that this machine lacks (empty: all there). */
  missing: Tool[];
  /** Missing, outside CI: skip. */
  skip: boolean;
  /** Missing, in CI: fail. */
  fail: boolean;
  /** "" or the title marker " [missing tool: ...]". */
  marker: string;
  /** "" or the one line: "lftp is not installed (Debian/Ubuntu: sudo apt-get install lftp)". */
  reason: string;
}

export function requireTools(...tools: Tool[]): ToolGate {
  const missing = tools.filter((t) => toolPath(t) === null);
  if (missing.length === 0) return { missing, skip: false, fail: false, marker: "", reason: "" };
  const what = missing.length === 1 ? `${missing[0]} is` : `${missing.join(" and ")} are`;
  const reason = `${what} not installed (Debian/Ubuntu: ${installLine(missing)})`;
  const ci = inCI();
  return { missing, skip: !ci, fail: ci, marker: missingMarker(missing.map((t) => [t, installLine([t])] as const)), reason };
}

/** The failure a CI run gets for a missing tool. */
export function missingToolError(gate: ToolGate): MissingToolError {
  return new MissingToolError(`${gate.reason}. CI is set, so a missing tool fails the run instead of skipping its tests; install it on the CI machine (.ci/run does).`);
}

const warned = new Set<string>();

/** One line per missing set per process: "SKIPPED (tests that need lftp): lftp is not installed (...)". */
function warnSkip(gate: ToolGate): void {
  const key = gate.missing.join(",");
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`SKIPPED (tests that need ${gate.missing.join(", ")}): ${gate.reason}`);
}

/**
 * describe(title, body), unless a tool is missing: then the suite is skipped (outside CI, with
 * the marker in its title) or is one failing test naming the tool (CI).
 */
export function describeNeeding(tools: Tool[], title: string, body: () => void): void {
  const gate = requireTools(...tools);
  if (gate.missing.length === 0) return void describe(title, body);
  if (gate.skip) {
    warnSkip(gate);
    return void describe.skip(`${title}${gate.marker}`, body);
  }
  describe(`${title}${gate.marker}`, () => {
    it(`needs ${gate.missing.join(" and ")}`, () => {
      throw missingToolError(gate);
    });
  });
}

/** it(title, fn), unless a tool is missing: then skipped with the marker (outside CI) or failing (CI). */
export function itNeeding(tools: Tool[], title: string, fn: TestFunction, timeout?: number): void {
  const gate = requireTools(...tools);
  if (gate.missing.length === 0) return void it(title, fn, timeout);
  if (gate.skip) {
    warnSkip(gate);
    return void it.skip(`${title}${gate.marker}`, fn, timeout);
  }
  it(`${title}${gate.marker}`, () => {
    throw missingToolError(gate);
  });
}
