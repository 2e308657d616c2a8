// Reads ftpd.ini: an INI file with [sections] and `key = value` lines, `;` or `#` comments.
//
//   [server]
//   port = 2121          ->  { "server.port": { raw: "2121", line: 2 } }
//
// The `ini` package parses; we add what an operator needs when something is wrong: the line
// of each key, and a clear error for an unknown section or key (with the likely intended
// one), so a typo never silently falls back to a default.

import { readFileSync } from "node:fs";
import { ConfigError } from "../config-error.ts";
import { SECTIONS, SETTINGS, settingName } from "./settings.ts";

export interface RawSetting {
  raw: unknown;
  line: number;
}


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
  return result;
}
