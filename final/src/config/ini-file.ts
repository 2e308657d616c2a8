//> 4 ini-file
// Reads ftpd.ini: an INI file with [sections] and `key = value` lines, `;` or `#` comments.
//
//   [server]
//   port = 2121          ->  { "server.port": { raw: "2121", line: 2 } }
//
// The `ini` package parses; we add what an operator needs when something is wrong: the line
// of each key, and a clear error for an unknown section or key (with the likely intended
// one), so a typo never silently falls back to a default.

import { readFileSync } from "node:fs";
//> 4 ini-import
import { parse, unsafe } from "ini";
//<
import { ConfigError } from "../config-error.ts";
import type { RawSetting } from "./effective.ts";
import { SECTIONS, SETTINGS, settingName } from "./settings.ts";

//> 4 line-numbers
/** The ini package's own pattern for a line: "[section]" or "key" with an optional "= value". */
const INI_LINE = /^\[([^\]]*)\]\s*$|^([^=]+)(=(.*))?$/i;

/**
 * Where each `key =` line of each section is: "server.port" -> 3. A key written twice is an
 * error: the ini package would silently keep the last one.
 */

function lineNumbers(text: string, file: string): Map<string, number> {
  const lines = new Map<string, number>();
  let section = "";
  // Read each line exactly as the ini package does (its line pattern, its unescaping), so
  // that the line found for a key is the line the value came from. Lines end where the package
  // ends them: CRLF, LF, or a lone CR (old Mac files).
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    if (/^\s*([;#]|$)/.test(raw)) return;
    const match = INI_LINE.exec(raw);
    if (!match) return;
    if (match[1] !== undefined) {
      section = unsafe(match[1]);
      if (section.includes(".")) throw new ConfigError(file, i + 1, `section [${section}] has a dot in its name`, `sections are ${SECTIONS.map((s) => `[${s}]`).join(" ")}`);
      if (!lines.has(`[${section}]`)) lines.set(`[${section}]`, i + 1);
      return;
    }
    const key = unsafe(match[2]!);
    if (key.startsWith("[")) {
      throw new ConfigError(file, i + 1, `"${raw.trim()}" is not a [section] line`, "write the section name alone in brackets; comments go on a line of their own");
    }
    // "banner[] = x" is the ini package's list syntax: an error here (one value per key).
    if (key.endsWith("[]")) {
      const bare = key.slice(0, -2);
      throw new ConfigError(file, i + 1, `"${bare}" is given as a list ("${key} = ...")`, `write one value: ${bare} = ...`);
    }
    const name = `${section}.${key}`;
    const first = lines.get(name);
    if (first !== undefined) {
      throw new ConfigError(file, i + 1, `"${key}" is set twice in [${section}] (first on line ${first})`, "keep one line for it");
    }
    lines.set(name, i + 1);
  });
  return lines;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length]!;
  };
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

//<

/**
 *   [server]
 *   port = 2200          ->  Map { "server.port" => { raw: "2200", line: 2 } }
 *   prot = 2200          ->  throws ConfigError "ftpd.ini:2: unknown key "prot" in [server] (fix: did you mean "port"?)"
 */
export function readIniFile(file: string): Map<string, RawSetting> {
  let text: string;
  try {
    // A UTF-8 byte order mark (some Windows editors write one) is not part of the text, nor
    // is a stray one pasted in the middle: invisible, it would only make a line mean nothing.
    text = readFileSync(file, "utf8").replace(/\uFEFF/g, "");
  } catch (err) {
    throw new ConfigError(file, 0, `cannot read the config file (${(err as NodeJS.ErrnoException).code ?? err})`, "check the path given to --config");
  }
  const result = new Map<string, RawSetting>();
//> 4 ini-settings
  const lines = lineNumbers(text, file);
  const parsed = parse(text) as Record<string, unknown>;
  for (const [section, body] of Object.entries(parsed)) {
    if (body === null || typeof body !== "object") {
      throw new ConfigError(file, lines.get(`.${section}`) ?? 0, `"${section}" is outside any [section]`, `put it under one of ${SECTIONS.map((s) => `[${s}]`).join(" ")}`);
    }
    if (!SECTIONS.includes(section)) {
      const guess = closest(section, SECTIONS);
      throw new ConfigError(file, lines.get(`[${section}]`) ?? 0, `unknown section [${section}]`, guess ? `did you mean [${guess}]?` : `sections are ${SECTIONS.map((s) => `[${s}]`).join(" ")}`);
    }
    const keys = SETTINGS.filter((d) => d.section === section).map((d) => d.key);
    for (const [key, raw] of Object.entries(body as Record<string, unknown>)) {
      const line = lines.get(`${section}.${key}`) ?? 0;
      if (!keys.includes(key)) {
        const guess = closest(key, keys);
        throw new ConfigError(file, line, `unknown key "${key}" in [${section}]`, guess ? `did you mean "${guess}"?` : `keys in [${section}] are ${keys.join(", ")}`);
      }
      if (typeof raw === "object" && raw !== null) {
        throw new ConfigError(file, line, `"${key}" is given as a list`, `write one value: ${key} = ...`);
      }
      result.set(settingName(SETTINGS.find((d) => d.section === section && d.key === key)!), { raw, line });
    }
  }
//<
  return result;
}
//<
