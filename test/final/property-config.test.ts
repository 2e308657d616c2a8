/**
 * Properties of the two files an operator writes: the users file (auth/users-file.ts) and
 * the INI config (config/ini-file.ts, then config/effective.ts), read from real temporary
 * files. Whatever the file holds, the reader returns a result or throws a ConfigError that
 * names the file and, for a mistake on a line, that line (1-based); never another exception.
 * And a well-formed file reads back exactly as written, each value with its line.
 *
 * Known exceptions, left out of the generators here (knownBugShapes: false) until they are
 * fixed: INI lines that give a ConfigError without a line number, or that the line counter and
 * the ini package read differently (a UTF-8 BOM, a lone CR as line break, "[server] ; comment",
 * a key without "=", a quoted key, "[server.x]"); and a users file naming anonymous twice in
 * different cases ("anonymous", "Anonymous"), which throws a plain Error.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anyString, loadSrc, params, PROPERTY_TIMEOUT_MS } from "./property-arbitraries.ts";
import { iniText, usersText, validIni, validUsers, type UserRow } from "./property-config-arbitraries.ts";

const { parseUsersFile, loadUsersFile } = await loadSrc<typeof import("../../final/src/auth/users-file.ts")>("auth/users-file.ts");
const { readIniFile } = await loadSrc<typeof import("../../final/src/config/ini-file.ts")>("config/ini-file.ts");
const { effectiveSettings } = await loadSrc<typeof import("../../final/src/config/effective.ts")>("config/effective.ts");
const { ConfigError } = await loadSrc<typeof import("../../final/src/config-error.ts")>("config-error.ts");

let dir = "";
beforeAll(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-config-prop-")));
  for (const home of ["h1", "h 2", "pub"]) fs.mkdirSync(path.join(dir, home));
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function lineCount(text: string): number {
  return text.split(/\r?\n/).length;
}

/** Run `f`; a ConfigError is returned, any other exception fails the property. */
function configOutcome<T>(f: () => T): { ok: T } | { error: InstanceType<typeof ConfigError> } {
  try {
    return { ok: f() };
  } catch (err) {
    if (err instanceof ConfigError) return { error: err };
    throw new Error(`threw ${(err as Error)?.constructor?.name}: ${String((err as Error)?.message ?? err)} (expected a ConfigError)`);
  }
}

function expectLine(err: InstanceType<typeof ConfigError>, file: string, lines: number): void {
  expect(err.line, err.message).toBeGreaterThanOrEqual(1);
  expect(err.line, err.message).toBeLessThanOrEqual(lines);
  expect(err.message.startsWith(`${file}:${err.line}: `), err.message).toBe(true);
  expect(err.message).toMatch(/\(fix: .+\)$/);
}

describe("users file", () => {
  it(
    "parseUsersFile: any text gives users or a ConfigError 'file:line: problem (fix: ...)' with a real line",
    () => {
      fc.assert(
        fc.property(usersText({ knownBugShapes: false }), (text) => {
          const r = configOutcome(() => parseUsersFile(text, "users.txt"));
          if ("error" in r) expectLine(r.error, "users.txt", lineCount(text));
          else {
            const lines = text.split(/\r?\n/);
            for (const u of r.ok) {
              expect(lines[u.line - 1]!.trim().startsWith(u.name)).toBe(true);
              expect(u.home).toBe(u.home.trim());
            }
          }
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "a well-formed users file (any spacing, CRLF or LF, comments, homes with spaces) reads back exactly, with line numbers",
    () => {
      fc.assert(
        fc.property(validUsers, ({ text, rows }) => {
          const got = parseUsersFile(text, "users.txt");
          expect(got.map((u) => ({ name: u.name, password: u.password, perms: u.perms, home: u.home, line: u.line }))).toEqual(
            rows.map((r: UserRow) => ({ name: r.name, password: r.password, perms: r.perms, home: r.home, line: r.line })),
          );
        }),
        params(),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "loadUsersFile (a real file; homes that exist or not): an authorizer, or a ConfigError with the line",
    () => {
      const file = () => path.join(dir, "users.txt");
      fc.assert(
        fc.property(usersText({ knownBugShapes: false }), (text) => {
          fs.writeFileSync(file(), text);
          const r = configOutcome(() => loadUsersFile(file()));
          if ("error" in r) expectLine(r.error, file(), lineCount(text));
        }),
        params(0.5),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("INI config", () => {
  const file = () => path.join(dir, "ftpd.ini");

  it(
    "readIniFile + effectiveSettings: any text gives settings or a ConfigError; never another exception",
    () => {
      fc.assert(
        fc.property(fc.oneof(iniText({ knownBugShapes: true }), anyString), (text) => {
          fs.writeFileSync(file(), text);
          const r = configOutcome(() => effectiveSettings({ file: file(), values: readIniFile(file()) }, new Map()));
          if ("error" in r) expect(r.error.message.startsWith(file())).toBe(true);
        }),
        params(0.5),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "well-formed lines (headers, key = value, comments, blanks; LF or CRLF): any mistake is reported with its line",
    () => {
      fc.assert(
        fc.property(iniText({ knownBugShapes: false }), (text) => {
          fs.writeFileSync(file(), text);
          const r = configOutcome(() => effectiveSettings({ file: file(), values: readIniFile(file()) }, new Map()));
          if ("error" in r) expectLine(r.error, file(), lineCount(text));
        }),
        params(0.5),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "a valid config reads back exactly: every value as written, from its line, winning over the default",
    () => {
      fc.assert(
        fc.property(validIni, ({ text, entries }) => {
          fs.writeFileSync(file(), text);
          const raw = readIniFile(file());
          expect([...raw.keys()].sort()).toEqual(entries.map((e) => e.name).sort());
          for (const e of entries) {
            expect(String(raw.get(e.name)!.raw)).toBe(e.value);
            expect(raw.get(e.name)!.line).toBe(e.line);
          }
          const settings = effectiveSettings({ file: file(), values: raw }, new Map());
          for (const e of entries) expect(settings.get(e.name)!.source).toBe(`${file()}:${e.line}`);
        }),
        params(0.5),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
