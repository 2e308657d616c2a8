// The effective settings: defaults, then the config file, then the command line, each
// value remembering where it came from (shown by --print-config).
//
//   server.port = 2121            (default)
//   limits.read_limit = 307200    (ftpd.ini:14)
//   server.listen = 0.0.0.0       (command line --interface)

import { dirname, resolve } from "node:path";
import { ConfigError } from "../config-error.ts";
import { SETTINGS, settingName, type SettingDef, type SettingValues } from "./settings.ts";

export interface Effective {
  value: unknown;
  source: string;
}

export type EffectiveSettings = Map<string, Effective>;

/** A setting as a config file wrote it, and on which line ("server.port" -> { raw: "2121", line: 2 }). */
export interface RawSetting {
  raw: unknown;
  line: number;
}

/** The settings given on the command line: setting name -> the text and the flag that gave it. */
export type CommandLineSettings = Map<string, { raw: unknown; flag: string }>;

export class UsageError extends Error {}

function check(def: SettingDef, raw: unknown, where: (problem: string) => Error): unknown {
  const result = def.schema.safeParse(raw);
  if (!result.success) throw where(result.error.issues[0]?.message ?? "invalid value");
  return result.data;
}

export function effectiveSettings(
  fromFile: { file: string; values: Map<string, RawSetting> } | null,
  fromCli: CommandLineSettings,
): EffectiveSettings {
  const out: EffectiveSettings = new Map();
  for (const def of SETTINGS) {
    const name = settingName(def);
    const cli = fromCli.get(name);
    const file = fromFile?.values.get(name);
    if (cli) {
      let value = check(def, cli.raw, (p) => new UsageError(`${cli.flag} ${JSON.stringify(String(cli.raw))}: ${p}`));
      if (def.path && typeof value === "string") value = resolve(value);
      out.set(name, { value, source: `command line ${cli.flag}` });
    } else if (file && fromFile) {
      let value = check(def, file.raw, (p) =>
        new ConfigError(fromFile.file, file.line, `[${def.section}] ${def.key} = ${JSON.stringify(String(file.raw))}: ${p}`, `${def.key} is: ${def.doc}`),
      );
      // Paths in a config file are relative to the file, not to wherever the server starts.
      if (def.path && typeof value === "string") value = resolve(dirname(fromFile.file), value);
      out.set(name, { value, source: `${fromFile.file}:${file.line}` });
    } else if (def.default !== undefined) {
      out.set(name, { value: check(def, def.default, (p) => new Error(`bad default for ${name}: ${p}`)), source: "default" });
    }
  }
  return out;
}

/**
 * The values alone, typed by the settings table: values["server.port"] is a number. The one
 * cast is sound because effectiveSettings() checked each value with its row's schema.
 */
export function settingValues(settings: EffectiveSettings): SettingValues {
  return Object.fromEntries(SETTINGS.map((def) => [settingName(def), settings.get(settingName(def))?.value])) as SettingValues;
}

/** Every setting at its default, from the table (for a server built in code, e.g. a test). */
export function defaultValues(): SettingValues {
  return settingValues(effectiveSettings(null, new Map()));
}

