// What the server uses, built once at startup from the options the kit parsed: the config
// file merged in (lesson 4), the accounts (anyone in lesson 0; the --user, -u/-P and users-file
// accounts from lesson 1 and 4), the logger, and the final server's quotas, address rules ...
//
//   const { settings, services, values } = buildServices(parseCommandLine(argv));
//   new FtpServer(...)   // uses them as `options`

import { existsSync, statSync } from "node:fs";
import { readIniFile } from "./config/ini-file.ts";
import { loadUsersFile } from "./auth/users-file.ts";
import { VirtualUsers } from "./auth/authorizer.ts";
import type { StartOptions } from "./cli.ts";
import { effectiveSettings } from "./config/effective.ts";
import { settingValues, UsageError, type EffectiveSettings } from "./config/effective.ts";
import type { SettingName, SettingValues } from "./config/settings.ts";
import { PERM_LETTERS } from "./config/values.ts";
import { ConfigError } from "./config-error.ts";
import { createLogger, silentLogger } from "./log.ts";
import { serverSettings, type ServerServices, type ServerSettings } from "./options.ts";
import { utf8 } from "./protocol/codec.ts";

export interface Built {
  /** The plain settings the server runs with (the config file's included). */
  settings: ServerSettings;
  services: ServerServices;
  /** The accounts (also services.authorizer), for the startup message. */
  users: VirtualUsers;
  /** Every setting's value, typed, and where it came from. */
  values: SettingValues;
  effective: EffectiveSettings;
}

/** The settings with the config file merged in: defaults < config file < command line. */
export function loadSettings(options: StartOptions): EffectiveSettings {
  if (options.configFile === undefined) return options.settings;
  return effectiveSettings({ file: options.configFile, values: readIniFile(options.configFile) }, options.commandLine);
}



/** An error about a setting's value, pointing at where that value came from. */
function sourced(settings: EffectiveSettings, name: SettingName, problem: string, fix: string): Error {
  const source = settings.get(name)?.source ?? "default";
  const at = /^(.*):(\d+)$/.exec(source);
  if (at) return new ConfigError(at[1]!, Number(at[2]), problem, fix);
  return new UsageError(`${problem} (${source === "default" ? "the default" : source}; fix: ${fix})`);
}

/** Checks the settings against the disk, and builds the accounts and the other services once. */
export function buildServices(options: StartOptions): Built {
  const settings = loadSettings(options);
  const values = settingValues(settings);
  const folder = values["users.anonymous_folder"] ?? process.cwd();
  const { users: userFlags, login } = options;
  const named = login !== undefined || userFlags.length > 0 || values["users.users_file"] !== undefined;
  const anonymous = values["users.anonymous"] ?? !named;
  if ((anonymous || options.login !== undefined) && !(existsSync(folder) && statSync(folder).isDirectory())) {
    throw sourced(settings, "users.anonymous_folder", `folder ${folder} does not exist or is not a folder`, "create it, or fix the path");
  }

  const users = new VirtualUsers();
  try {
    const usersFile = values["users.users_file"];
    if (usersFile && !existsSync(usersFile)) {
      throw sourced(settings, "users.users_file", `users file ${usersFile} does not exist`, "create it (see final/users.sample.txt), or fix the path");
    }
    if (usersFile) loadUsersFile(usersFile, users);
    if (login !== undefined) users.addUser(login.name, login.password, folder, PERM_LETTERS);
    for (const user of userFlags) users.addUser(user.name, user.password, user.home, user.perms);
    if (anonymous && !users.hasAnonymous) users.addAnonymous(folder, values["users.anonymous_permissions"]);
  } catch (err) {
    // A name defined twice, or a bad letter: the operator's mistake, said in one line.
    if (err instanceof Error && !(err instanceof UsageError || err instanceof ConfigError) && /unknown permission|defined twice/.test(err.message)) throw new UsageError(err.message);
    throw err;
  }
  if (!users.hasAnonymous && users.userNames.length === 0) {
    throw new UsageError("nobody can log in: enable anonymous, give -u/-P or --user, or a users file with at least one user");
  }

  const log = values["logging.enabled"]
    ? createLogger({ level: values["logging.level"], console: values["logging.console"], file: values["logging.file"] })
    : silentLogger;
  // However the process ends (Ctrl-C, or sessions that did not close in time), the last lines reach the file.
  process.once("exit", () => log.flush());

  const server: ServerSettings = {
    ...serverSettings(values),
  };
  let codec = utf8;
  const services: ServerServices = {
    authorizer: users,
    log,
    codec,
  };
  return { settings: server, services, users, values, effective: settings };
}
