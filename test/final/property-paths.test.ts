/**
 * Properties of path resolution, the server's first promise: a user stays in its home.
 *
 *   resolveVirtual (fs/virtual-path.ts), pure: whatever the current folder and the argument,
 *   the result is an absolute, normalized virtual path ("/" or "/a/b": no "", ".", ".."
 *   segments) equal to POSIX resolution, or an FtpError (550 for a climb above "/", 501 for
 *   NUL). Nothing is decoded but CR NUL (RFC 2640: a CR): "%2e%2e", "..\\", "．．" are names.
 *
 *   Jail (fs/jail.ts), against a real temporary tree whose home holds symbolic links that
 *   lead out (relative, absolute, to "/", to the parent, chains, loops, dangling, and to a
 *   sibling folder whose name starts with the home's): whatever virtual path, in both
 *   modes, the real path returned is inside the home (and, in "follow" mode, is the real
 *   target itself), or resolution fails with an FtpError or an errno the session turns into
 *   a reply. An outcome counter proves the generator does reach the links that escape.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyString, loadSrc, params, PROPERTY_TIMEOUT_MS } from "./property-arbitraries.ts";

const { resolveVirtual } = await loadSrc<typeof import("../../final/src/fs/virtual-path.ts")>("fs/virtual-path.ts");
const { Jail } = await loadSrc<typeof import("../../final/src/fs/jail.ts")>("fs/jail.ts");
const { FtpError } = await loadSrc<typeof import("../../final/src/protocol/reply.ts")>("protocol/reply.ts");
const { isUnexpected } = await loadSrc<typeof import("../../final/src/storage/errors.ts")>("storage/errors.ts");

/** Path segments that matter to a resolver, and a few that must not. */
const SEGMENTS = [
  "..", ".", "", "a", "b", "file.txt", "...", "..\\..", "%2e%2e", "\uFF0E\uFF0E", "\u2025", "a b", " ..", ".. ", "~", "*",
];
const segment = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...SEGMENTS) }, { weight: 1, arbitrary: anyString.filter((s) => !s.includes("/")) });
const virtualArg = fc
  .record({ absolute: fc.boolean(), parts: fc.array(segment, { maxLength: 10 }), trailing: fc.boolean() })
  .map(({ absolute, parts, trailing }) => `${absolute ? "/" : ""}${parts.join("/")}${trailing ? "/" : ""}`);
/** A current folder as the session keeps it: always the output of an earlier resolution. */
const cwdArb = fc.array(fc.constantFrom("a", "b", "c d", "ü"), { maxLength: 4 }).map((p) => `/${p.join("/")}`);

/** RFC 2640 section 3.1: CR NUL in an argument stands for CR (the one thing resolveVirtual decodes). */
const unpadCR = (arg: string) => arg.replaceAll("\r\0", "\r");

/** Reference: depth never below 0, else a climb out. */
function reference(cwd: string, arg: string): string | "climbs" {
  const joined = arg.startsWith("/") ? arg : `${cwd}/${arg}`;
  const parts: string[] = [];
  for (const p of joined.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (!parts.length) return "climbs";
      parts.pop();
    } else parts.push(p);
  }
  return `/${parts.join("/")}`;
}

describe("resolveVirtual", () => {
  it(
    "always an absolute normalized path under '/', never a '..' segment, equal to POSIX resolution; or 550 for a climb out",
    () => {
      fc.assert(
        fc.property(cwdArb, fc.oneof(virtualArg, anyString), (cwd, arg) => {
          let out: string;
          try {
            out = resolveVirtual(cwd, arg);
          } catch (err) {
            expect(err).toBeInstanceOf(FtpError);
            const code = (err as InstanceType<typeof FtpError>).code;
            if (unpadCR(arg).includes("\0")) expect(code).toBe(501);
            else {
              expect(code).toBe(550);
              expect(reference(cwd, unpadCR(arg))).toBe("climbs");
            }
            return;
          }
          expect(unpadCR(arg).includes("\0")).toBe(false);
          arg = unpadCR(arg);
          expect(out.startsWith("/")).toBe(true);
          const segs = out.split("/").slice(1);
          if (out !== "/") expect(segs.every((s) => s !== "" && s !== "." && s !== "..")).toBe(true);
          expect(out).toBe(reference(cwd, arg));
          expect(out).toBe(path.posix.resolve(cwd, arg));
          // Idempotent: resolving the result again, from anywhere, changes nothing.
          expect(resolveVirtual("/", out)).toBe(out);
          expect(resolveVirtual(cwd, out)).toBe(out);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "nothing is decoded: every segment of the result is a segment of the input, as written",
    () => {
      fc.assert(
        fc.property(cwdArb, virtualArg, (cwd, arg) => {
          let out: string;
          try {
            out = resolveVirtual(cwd, arg);
          } catch {
            return;
          }
          const written = new Set([...cwd.split("/"), ...unpadCR(arg).split("/")]);
          for (const s of out.split("/").slice(1)) if (s) expect(written.has(s)).toBe(true);
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// ---- the jail, on a real tree ---------------------------------------------------------------

let base = "";
let home = "";
let realHome = "";

/** Links in the home (name -> target); escaping ones are marked. */
const LINKS: Array<{ name: string; target: () => string; escapes: boolean }> = [
  { name: "out", target: () => "../outside", escapes: true },
  { name: "abs", target: () => path.join(base, "outside"), escapes: true },
  { name: "up", target: () => "..", escapes: true },
  { name: "root", target: () => "/", escapes: true },
  { name: "sibling", target: () => `${home}2`, escapes: true },
  { name: "secretlink", target: () => "../outside/secret.txt", escapes: true },
  { name: "dangling", target: () => "../outside/nothing", escapes: true },
  { name: "chain", target: () => "out", escapes: true },
  { name: "a/b/deep", target: () => "../../..", escapes: true },
  { name: "a/b/deepfile", target: () => "../../../outside/secret.txt", escapes: true },
  { name: "self", target: () => ".", escapes: false },
  { name: "inner", target: () => "a", escapes: false },
  { name: "a/back", target: () => "..", escapes: false },
  { name: "homeabs", target: () => home, escapes: false },
  { name: "danglingin", target: () => "nothing-here", escapes: false },
  { name: "loop", target: () => "loop", escapes: false },
  { name: "loopa", target: () => "loopb", escapes: false },
  { name: "loopb", target: () => "loopa", escapes: false },
  { name: "fileasdir", target: () => "file.txt", escapes: false },
];
const NAMES = [
  ...new Set([...LINKS.map((l) => path.basename(l.name)), "a", "b", "file.txt", "c.txt", "outside", "secret.txt", "nothing", "new", "home2", "x.txt"]),
];

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-jail-prop-")));
  home = path.join(base, "home");
  fs.mkdirSync(path.join(base, "outside", "dir"), { recursive: true });
  fs.writeFileSync(path.join(base, "outside", "secret.txt"), "secret");
  fs.mkdirSync(`${home}2`, { recursive: true }); // shares the home's name as a prefix: /…/home2
  fs.writeFileSync(path.join(`${home}2`, "x.txt"), "x");
  fs.mkdirSync(path.join(home, "a", "b"), { recursive: true });
  fs.writeFileSync(path.join(home, "file.txt"), "f");
  fs.writeFileSync(path.join(home, "a", "b", "c.txt"), "c");
  for (const l of LINKS) fs.symlinkSync(l.target(), path.join(home, l.name));
  realHome = fs.realpathSync(home);
});
afterAll(() => {
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

function inside(p: string): boolean {
  return p === realHome || p.startsWith(realHome + path.sep);
}

function realOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/** Does some existing prefix of the virtual path resolve outside the home (a path through an escaping link)? */
function leadsOut(vpath: string): boolean {
  const parts = vpath.split("/").filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const real = realOrNull(path.join(realHome, ...parts.slice(0, i)));
    if (real !== null && !inside(real)) return true;
  }
  return false;
}

function lexists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

const LINK_NAMES = LINKS.map((l) => l.name);
const jailPath = fc
  .record({
    absolute: fc.boolean(),
    // Often through a link first (possibly from a/b), then anything.
    first: fc.oneof(fc.constantFrom(...LINK_NAMES), fc.constantFrom(...NAMES)),
    parts: fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: fc.constantFrom("..", ".", "") }), {
      maxLength: 5,
    }),
  })
  .map(({ absolute, first, parts }) => `${absolute ? "/" : ""}${[first, ...parts].join("/")}`);
const jailCwd = fc.constantFrom("/", "/a", "/a/b", "/inner", "/self/a");

describe("Jail: symbolic links never lead out of the home", () => {
  it(
    "follow and parent mode: the real path is inside the home, or the resolution fails with a reply-able error",
    async () => {
      const seen = { leadsOut: 0, refused: 0, resolved: 0, errno: 0 };
      const jail = await Jail.open(home);
      expect(jail.realHome).toBe(realHome);
      await fc.assert(
        fc.asyncProperty(jailCwd, jailPath, fc.constantFrom("follow" as const, "parent" as const), async (cwd, arg, mode) => {
          let vpath: string;
          try {
            vpath = resolveVirtual(cwd, arg);
          } catch {
            return; // a lexical climb: refused before the disk is touched (tested above)
          }
          const lexical = path.join(realHome, vpath);
          const target = realOrNull(lexical);
          if (leadsOut(vpath)) seen.leadsOut++;
          let real: string;
          try {
            real = await jail.resolve(vpath, mode);
          } catch (err) {
            if (err instanceof FtpError) {
              expect(err.code).toBe(550);
              seen.refused++;
            } else {
              // ENOENT, ENOTDIR, ELOOP...: the session answers these with a 5xx reply.
              expect(isUnexpected(err)).toBe(false);
              seen.errno++;
            }
            return;
          }
          seen.resolved++;
          expect(inside(real), `${vpath} (${mode} mode, cwd ${cwd}) resolved to ${real}, outside the home ${realHome}`).toBe(true);
          if (vpath === "/") {
            // The home itself, in either mode (commands that remove or rename entries refuse it).
            expect(real).toBe(realHome);
          } else if (mode === "follow") {
            if (target !== null) {
              // An existing file: the jail returns its real path, which is inside.
              expect(real).toBe(target);
            } else {
              // A new name: in a real folder inside the home, and not a dangling link.
              expect(lexists(real)).toBe(false);
              expect(realOrNull(path.dirname(real))).toBe(path.dirname(real));
            }
          } else {
            // The entry itself (DELE, RNFR, MKD...): its folder is real and inside; the last
            // component is the entry's own name, never followed.
            const folder = path.dirname(real);
            expect(realOrNull(folder)).toBe(folder);
            expect(inside(folder)).toBe(true);
            expect(path.basename(real)).toBe(path.posix.basename(vpath));
          }
        }),
        params(0.5),
      );
      // The property is about escapes: make sure the generator produced many.
      const runs = params(0.5).numRuns!;
      if (runs >= 200) {
        for (const key of ["leadsOut", "refused", "resolved"] as const) {
          expect(seen[key], `${key}: ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(Math.ceil(runs / 20));
        }
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "every link marked as escaping is refused in follow mode, directly and as a folder on the way",
    async () => {
      const jail = await Jail.open(home);
      for (const l of LINKS.filter((x) => x.escapes)) {
        for (const v of [`/${l.name}`, `/${l.name}/secret.txt`, `/${l.name}/new`]) {
          const outcome = await jail.resolve(v, "follow").then(
            (real) => ({ real }),
            (error: unknown) => ({ error }),
          );
          if ("real" in outcome) throw new Error(`${v} (through the link ${l.name} -> ${l.target()}) resolved to ${outcome.real}, outside the home ${realHome}`);
          // 550 from the jail, or ENOENT/ENOTDIR for a path that does not exist out there.
          if (outcome.error instanceof FtpError) expect(outcome.error.code).toBe(550);
          else expect(isUnexpected(outcome.error), String(outcome.error)).toBe(false);
        }
      }
    },
    PROPERTY_TIMEOUT_MS,
  );
});
