// The command line, in the image of `python -m pyftpdlib` so that the seeds' readers feel at
// home, plus a config file for everything else:
//
//   ftpd -d ./pub                      anonymous, read-only, on 127.0.0.1:2121
//   ftpd -d ./pub -w -i 0.0.0.0 -p 21  anonymous with write access, on every interface
//   ftpd -u anna -P s3cret -d ./anna   one user, no anonymous
//   ftpd --user anna:s3cret:elr:./anna --user bob:pw:elradfmwMT:./bob    users with their own homes
//   ftpd --config ftpd.ini -p 2200     the config file, with the port overridden
//
// This is the kit: it turns the command line into plain values (StartOptions) and nothing
// more. Reading the users file and the config file, building the accounts and the logger is
// the server's work. Precedence: defaults < config file < command line. Errors are one line
// and exit code 2.

import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { effectiveSettings, settingValues, UsageError, type CommandLineSettings, type EffectiveSettings } from "./config/effective.ts";
import { SETTINGS, settingName, type SettingValues } from "./config/settings.ts";
import { boolValue, PERM_LETTERS } from "./config/values.ts";
import { unknownLetters } from "./config/values.ts";
import { serverSettings, type ServerSettings } from "./options.ts";

export { UsageError };

/** Short flags pyftpdlib users know, for the settings that have one. */
const SHORT: Record<string, string> = { "--interface": "-i", "--port": "-p", "--directory": "-d", "--nat-address": "-n", "--range": "-r" };

/** Settings that hold several items in one value, and what separates them. */
const LIST_SEPARATOR: Record<string, string> = {
  "--masquerade-map": ", ",
};

/**
 * Commander keeps the last of a flag given twice, silently. A value flag given twice is an
 * error instead, as a key written twice in ftpd.ini is (--user is meant to repeat).
 *
 *   --masquerade-map A --masquerade-map B  ->  "--masquerade-map is given twice ("A", then "B") (fix: ...)"
 */
function once(flag: string, short?: string): (value: string, previous: unknown) => string {
  return (value, previous) => {
    if (previous === undefined) return value;
    const name = short ? `${short}/${flag}` : flag;
    const separator = LIST_SEPARATOR[flag];
    const fix = separator ? `give it once, with every item in one value: ${flag} "${String(previous)}${separator}${value}"` : "give it once";
    throw new UsageError(`${name} is given twice (${JSON.stringify(String(previous))}, then ${JSON.stringify(value)}) (fix: ${fix})`);
  };
}

function buildProgram(): Command {
  const program = new Command("ftpd").description(
    "ftp-lab's FTP server. Serves a folder to anonymous users (read-only unless -w), or to the users you define.",
  );
  // Flags that stand for a setting: no default here (the settings table has it), so that we
  // can tell "given" from "not given" and let the config file fill in the rest.
  for (const def of SETTINGS) {
    if (!def.flag) continue;
    const short = SHORT[def.flag];
    const isBool = def.schema === boolValue;
    const spec = `${short ? `${short}, ` : ""}${def.flag}${isBool ? "" : " <value>"}`;
    const option = new Option(spec, `${def.doc}${def.default !== undefined ? ` (default ${def.default})` : ""}`);
    program.addOption(isBool ? option : option.argParser(once(def.flag, short)));
  }
  return program
    .option("-w, --write", "give anonymous users write access (elradfmwMT)")
    .option("-u, --username <name>", "log in as this user instead of anonymous (needs -P)", once("--username", "-u"))
    .option("-P, --password <password>", "password for -u", once("--password", "-P"))
    .option("--user <name:password:perms:home>", "add a user (repeatable), e.g. anna:s3cret:elradfmwMT:/srv/ftp/anna", (value: string, list: string[] = []) => [...list, value])
    .option("-c, --config <file>", "read settings from this INI file (see ftpd.sample.ini)", once("--config", "-c"))
    .option("-D, --debug", "log everything, replies included")
    .option("-V, --verbose", "log every command")
    .helpOption("-h, --help", "show this help")
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
}

/** One --user NAME:PASSWORD:PERMS:HOME, split: the letters checked, the home made absolute. */
export interface UserFlag {
  name: string;
  password: string;
  /** Permission letters from elradfmwMT (lesson 1 gives them their meaning). */
  perms: string;
  /** Absolute path of an existing folder. */
  home: string;
}

/** What the kit parsed from the command line: plain values, for the server to use. */
export interface StartOptions {
  /** The settings the server runs with, by their names in options.ts: host, port, banner, ... */
  server: ServerSettings;
  /** Every setting by its ftpd.ini name ("users.users_file", "logging.file"), typed. */
  values: SettingValues;
  /** The same values, each with where it came from (the default, or the flag). */
  settings: EffectiveSettings;
  /** The settings the command line gave, to merge with a config file: effectiveSettings(file, commandLine). */
  commandLine: CommandLineSettings;
  /** --user NAME:PASSWORD:PERMS:HOME, in the order given. */
  users: UserFlag[];
  /** -u NAME -P PASSWORD: one user whose home is the -d folder, with every permission. */
  login?: { name: string; password: string };
  /** -c FILE: a config file, as given (not read here: lesson 4). */
  configFile?: string;
}

/** Parses argv (without node and script); throws UsageError with one line; "exit" after --help. */
export function parseCommandLine(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t)): StartOptions | "exit" {
  const program = buildProgram();
  program.configureOutput({ writeOut: out, writeErr: () => {} });
  try {
    program.parse(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.help") return "exit";
      throw new UsageError(err.message.replace(/^error: /, ""));
    }
    throw err;
  }
  if (program.args.length) throw new UsageError(`unexpected argument ${JSON.stringify(program.args[0])}`);
  const o = program.opts();

  // Command-line values that override settings.
  const fromCli: CommandLineSettings = new Map();
  for (const def of SETTINGS) {
    if (!def.flag) continue;
    const name = def.flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (o[name] !== undefined) fromCli.set(settingName(def), { raw: o[name], flag: SHORT[def.flag] ?? def.flag });
  }
  if (o.write) fromCli.set("users.anonymous_permissions", { raw: PERM_LETTERS, flag: "-w" });
  if (o.debug || o.verbose) fromCli.set("logging.level", { raw: o.debug ? "debug" : "verbose", flag: o.debug ? "-D" : "-V" });
  if ((o.username === undefined) !== (o.password === undefined)) {
    throw new UsageError("-u/--username and -P/--password go together");
  }
  const users = ((o.user as string[] | undefined) ?? []).map(parseUserFlag);
  const settings = effectiveSettings(null, fromCli);
  const values = settingValues(settings);
  return {
    server: serverSettings(values),
    values,
    settings,
    commandLine: fromCli,
    users,
    ...(o.username !== undefined ? { login: { name: o.username as string, password: o.password as string } } : {}),
    ...(o.config !== undefined ? { configFile: o.config as string } : {}),
  };
}

/**
 * One --user value, in the users file's order of fields joined by colons (the home last, so
 * that it may itself hold colons):
 *
 *   anna:s3cret:elradfmwMT:/srv/ftp/anna  ->  { name: "anna", password: "s3cret", perms: "elradfmwMT", home: "/srv/ftp/anna" }
 */
export function parseUserFlag(text: string): UserFlag {
  const example = "write --user NAME:PASSWORD:PERMS:HOME, e.g. --user anna:s3cret:elradfmwMT:/srv/ftp/anna";
  const m = /^([^:\s]+):([^:]*):([^:]*):(.+)$/.exec(text);
  if (!m) throw new UsageError(`--user ${JSON.stringify(text)}: expected 4 fields separated by ':'; ${example}`);
  const [, name, password, perms, home] = m as unknown as [string, string, string, string, string];
  // A typo in the letters must not silently mean fewer (or other) rights.
  const bad = unknownLetters(perms);
  if (bad.length) throw new UsageError(`--user ${name}: unknown permission letter(s) "${bad.join("")}"; use letters from ${PERM_LETTERS}`);
  const absolute = resolve(home);
  if (!(existsSync(absolute) && statSync(absolute).isDirectory())) {
    throw new UsageError(`--user ${name}: home folder ${absolute} does not exist or is not a folder; create it, or fix the path`);
  }
  return { name, password, perms, home: absolute };
}
