// Reads ftpd.ini: an INI file with [sections] and `key = value` lines, `;` or `#` comments.
//
//   [server]
//   port = 2121          ->  { "server.port": { raw: "2121", line: 2 } }
//
// The `ini` package parses; we add what an operator needs when something is wrong: the line
// of each key, and a clear error for an unknown section or key (with the likely intended
// one), so a typo never silently falls back to a default.

import { readFileSync } from "node:fs";
import { parse } from "ini";
import { ConfigError } from "../config-error.ts";
import { SECTIONS, SETTINGS, settingName } from "./settings.ts";

export interface RawSetting {
  raw: unknown;
  line: number;
}

/**
 * Where each `key =` line of each section is: "server.port" -> 3. A key written twice is an
 * error: the ini package would silently keep the last one.
 */
function lineNumbers(text: string, file: string): Map<string, number> {
  const lines = new Map<string, number>();
  let section = "";
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const header = /^\[([^\]]*)\]/.exec(line);
    if (header) {
      section = header[1]!.trim();
      if (!lines.has(`[${section}]`)) lines.set(`[${section}]`, i + 1);
      return;
    }
    const key = /^([^=;#\s][^=]*?)\s*=/.exec(line);
    if (!key) return;
    if (key[1]!.endsWith("[]")) {
      const bare = key[1]!.slice(0, -2);
      throw new ConfigError(file, i + 1, `"${bare}" is given as a list ("${key[1]} = ...")`, `write one value: ${bare} = ...`);
    }
    // "banner[] = x" is the ini package's list syntax; it is reported under "banner".
    const name = `${section}.${key[1]!.replace(/\[\]$/, "")}`;
    const first = lines.get(name);
    if (first !== undefined) {
      throw new ConfigError(file, i + 1, `"${key[1]}" is set twice in [${section}] (first on line ${first})`, "keep one line for it");
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

/**
 *   [server]
 *   port = 2200          ->  Map { "server.port" => { raw: "2200", line: 2 } }
 *   prot = 2200          ->  throws ConfigError "ftpd.ini:2: unknown key "prot" in [server] (fix: did you mean "port"?)"
 */
export function readIniFile(file: string): Map<string, RawSetting> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, 0, `cannot read the config file (${(err as NodeJS.ErrnoException).code ?? err})`, "check the path given to --config");
  }
  const result = new Map<string, RawSetting>();
  // TODO(lesson 4): parse `text` with the ini package and put each known `key = value` of each
  // [section] into `result` as "section.key" -> { raw, line } (lineNumbers(text, file) has
  // the lines). An unknown section or key throws a ConfigError with its line and the closest
  // known name (closest()), so a typo never falls back to a default silently.
  return result;
}
