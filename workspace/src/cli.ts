// The command line, in the image of `python -m pyftpdlib` so that the seeds' readers feel at
// home, plus a config file for everything else:
//
//   ftpd -d ./pub                      anonymous, read-only, on 127.0.0.1:2121
//   ftpd -d ./pub -w -i 0.0.0.0 -p 21  anonymous with write access, on every interface
//   ftpd -u anna -P s3cret -d ./anna   one user, no anonymous
//   ftpd --user anna:s3cret:elr:./anna --user bob:pw:elradfmwMT:./bob    users with their own homes
//   ftpd --config ftpd.ini -p 2200     the config file, with the port overridden
//
// Precedence: defaults < config file < command line. Errors are one line and exit code 2.

import { existsSync, statSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { VirtualUsers } from "./auth/authorizer.ts";
import { ALL_PERMS } from "./auth/permissions.ts";
import { parseUserSpec, type UserSpec } from "./auth/user-spec.ts";
import { loadUsersFile } from "./auth/users-file.ts";
import { effectiveSettings, formatSettings, settingValues, UsageError, type EffectiveSettings } from "./config/effective.ts";
import { readIniFile } from "./config/ini-file.ts";
import { SETTINGS, settingName, type SettingName, type SettingValues } from "./config/settings.ts";
import { boolValue } from "./config/values.ts";
import { ConfigError } from "./config-error.ts";
import { createLogger, silentLogger } from "./log.ts";
import { serverSettings, type ServerServices, type ServerSettings } from "./options.ts";
import { utf8 } from "./protocol/codec.ts";

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
    .option("--print-config", "print the effective settings, with where each came from, and exit")
    .option("-D, --debug", "log everything, replies included")
    .option("-V, --verbose", "log every command")
    .helpOption("-h, --help", "show this help")
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
}

export interface CliResult {
  /** The plain settings the server runs with. */
  server: ServerSettings;
  /** What it uses, built once here (the TLS certificate is loaded by tlsIdentity(), as it may take a while). */
  services: ServerServices;
  /** The accounts (also services.authorizer), for the startup message. */
  users: VirtualUsers;
  /** Every setting's value, typed, and where it came from. */
  values: SettingValues;
  settings: EffectiveSettings;
  /** What the server serves, for the startup message. */
  describe: string;
}

/** Parses argv (without node and script); throws UsageError or ConfigError with one line. */
export function parseCommandLine(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t)): CliResult | "exit" {
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
  const fromCli = new Map<string, { raw: unknown; flag: string }>();
  for (const def of SETTINGS) {
    if (!def.flag) continue;
    const name = def.flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (o[name] !== undefined) fromCli.set(settingName(def), { raw: o[name], flag: SHORT[def.flag] ?? def.flag });
  }
  if (o.write) fromCli.set("users.anonymous_permissions", { raw: ALL_PERMS, flag: "-w" });
  if (o.debug || o.verbose) fromCli.set("logging.level", { raw: o.debug ? "debug" : "verbose", flag: o.debug ? "-D" : "-V" });
  if ((o.username === undefined) !== (o.password === undefined)) {
    throw new UsageError("-u/--username and -P/--password go together");
  }

  let userSpecs: UserSpec[];
  try {
    userSpecs = ((o.user as string[] | undefined) ?? []).map(parseUserSpec);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }

  const file = o.config ? { file: o.config as string, values: readIniFile(o.config) } : null;
  const settings = effectiveSettings(file, fromCli);
  if (o.printConfig) {
    out(formatSettings(settings));
    return "exit";
  }
  return buildServer(settings, userSpecs, o.username, o.password);
}


/** An error about a setting's value, pointing at where that value came from. */
function sourced(settings: EffectiveSettings, name: SettingName, problem: string, fix: string): Error {
  const source = settings.get(name)?.source ?? "default";
  const at = /^(.*):(\d+)$/.exec(source);
  if (at) return new ConfigError(at[1]!, Number(at[2]), problem, fix);
  return new UsageError(`${problem} (${source === "default" ? "the default" : source}; fix: ${fix})`);
}

/** Checks the settings against the disk, and builds the accounts and the other services once. */
function buildServer(settings: EffectiveSettings, userSpecs: UserSpec[], username?: string, password?: string): CliResult {
  const values = settingValues(settings);
  const folder = values["users.anonymous_folder"] ?? process.cwd();
  const usersFile = values["users.users_file"];
  const anonymous = values["users.anonymous"] ?? (!usersFile && username === undefined && userSpecs.length === 0);
  if ((anonymous || username !== undefined) && !(existsSync(folder) && statSync(folder).isDirectory())) {
    throw sourced(settings, "users.anonymous_folder", `folder ${folder} does not exist or is not a folder`, "create it, or fix the path");
  }

  const users = new VirtualUsers();
  if (usersFile && !existsSync(usersFile)) {
    throw sourced(settings, "users.users_file", `users file ${usersFile} does not exist`, "create it (see final/users.sample.txt), or fix the path");
  }
  if (usersFile) loadUsersFile(usersFile, users);
  if (username !== undefined) users.addUser(username, password ?? "", folder, ALL_PERMS);
  for (const spec of userSpecs) users.addUser(spec.name, spec.password, spec.home, spec.perms);
  if (anonymous && !users.hasAnonymous) users.addAnonymous(folder, values["users.anonymous_permissions"]);

  const log = values["logging.enabled"]
    ? createLogger({ level: values["logging.level"], console: values["logging.console"], file: values["logging.file"] })
    : silentLogger;

  const server: ServerSettings = {
    ...serverSettings(values),
  };
  let codec = utf8;
  const services: ServerServices = {
    authorizer: users,
    log,
    codec,
  };
  const who = users.hasAnonymous ? `anonymous users (${folder}, ${users.userNames.length ? "plus " + users.userNames.join(", ") : values["users.anonymous_permissions"] === "elr" ? "read-only" : "with write access"})` : `user(s) ${users.userNames.join(", ")}`;
  return { server, services, users, values, settings, describe: who };
}
