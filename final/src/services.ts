//> 0 services
// What the server uses, built once at startup from the options the kit parsed: the config
// file merged in (lesson 4), the accounts (anyone in lesson 0; the --user, -u/-P and users-file
// accounts from lesson 1 and 4), the logger, and the final server's quotas, address rules ...
//
//   const { settings, services, values } = buildServices(parseCommandLine(argv));
//   new FtpServer(...)   // uses them as `options`

import { existsSync, statSync } from "node:fs";
//> final message-files-import
import { readFileSync } from "node:fs";
//<
//> final quota-import
import { realpathSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";
import { Quotas } from "./quota.ts";
//<
//> final folder-rules-import
import { parseFolderRules, type FolderRule } from "./fs/virtual-folders.ts";
//<
//> final tls-cli-import
import { loadTlsIdentity, type TlsIdentity } from "./tls/context.ts";
//<
//> final encoding-import
import { codecFor } from "./protocol/codec.ts";
//<
//> final address-rules-import
import { AddressRules } from "./address-rules.ts";
//<
//> 4 config-file-import
import { readIniFile } from "./config/ini-file.ts";
//<
//> 4 users-file-import
import { loadUsersFile } from "./auth/users-file.ts";
//<
import { VirtualUsers } from "./auth/authorizer.ts";
import type { StartOptions } from "./cli.ts";
//> 4 config-file-merge-import
import { effectiveSettings } from "./config/effective.ts";
//<
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
//> 0-4 no-config-file
  //- if (options.configFile !== undefined || options.values["users.users_file"] !== undefined) {
  //-   throw new UsageError("-c and --users: config and users files are lesson 4 (lessons/04-ini-users/README.md); this server does not read them yet");
  //- }
  //- return options.settings;
//<
//> 4 config-file
  if (options.configFile === undefined) return options.settings;
  return effectiveSettings({ file: options.configFile, values: readIniFile(options.configFile) }, options.commandLine);
//<
}


//> final folder-rules-apply
/** virtual_folders and folder_permissions: mounts and letters on the accounts they name. */
function applyFolderRules(settings: EffectiveSettings, users: VirtualUsers): void {
  const values = settingValues(settings);
  for (const [name, withReal] of [["users.virtual_folders", true], ["users.folder_permissions", false]] as const) {
    const text = values[name];
    if (text === undefined) continue;
    const fail = (problem: string, fix: string) => sourced(settings, name, problem, fix);
    let rules: FolderRule[];
    try {
      rules = parseFolderRules(text, withReal);
    } catch (err) {
      throw fail((err as Error).message, withReal ? "e.g. anna:/shared=/srv/shared:elr" : "e.g. anna:/incoming=elrw");
    }
    for (const rule of rules) {
      const accounts = users.accountsNamed(rule.user);
      if (accounts.length === 0) throw fail(`no account "${rule.user}" for ${rule.vpath}`, "name a user defined with --user, -u or the users file, anonymous, or *");
      let real: string | undefined;
      if (rule.real !== undefined) {
        try {
          real = realpathSync(pathFromSetting(settings, name, rule.real));
          if (!statSync(real).isDirectory()) throw new Error("not a folder");
        } catch {
          throw fail(`virtual folder ${rule.vpath}: ${rule.real} does not exist or is not a folder`, "create it, or fix the path");
        }
      }
      for (const account of accounts) {
        try {
          account.perms.override(rule.vpath, rule.perms);
        } catch (err) {
          throw fail((err as Error).message, "use letters from elradfmwMT");
        }
        if (real !== undefined) (account.mounts ??= []).push({ vpath: rule.vpath, real });
      }
    }
  }
}

//<
//> final tls-identity
/** The TLS certificate, when TLS is on: loaded from files, or made (self-signed) for local use. */
export async function tlsIdentity(settings: EffectiveSettings, warn: (text: string) => void): Promise<TlsIdentity | undefined> {
  const values = settingValues(settings);
  if (!values["tls.enabled"]) return undefined;
  try {
    const identity = await loadTlsIdentity(values["tls.certfile"], values["tls.keyfile"]);
    if (identity.selfSigned) warn("TLS uses a self-signed certificate made at startup: clients will not trust it (curl -k, lftp: set ssl:verify-certificate no); give --certfile and --keyfile for a real one");
    return identity;
  } catch (err) {
    throw sourced(settings, "tls.certfile", `cannot use the certificate or key: ${(err as Error).message}`, "give PEM files: --certfile server.crt --keyfile server.key");
  }
}
//<

//> final path-from-setting
/**
 * A path written inside a setting's value (folder_quota, virtual_folders), resolved as the
 * settings with `path: true` are: against the config file's folder, or the current folder.
 */
function pathFromSetting(settings: EffectiveSettings, name: SettingName, path: string): string {
  const file = /^(.*):\d+$/.exec(settings.get(name)?.source ?? "")?.[1];
  return resolvePath(file ? dirname(file) : process.cwd(), path);
}

//<
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
//> 0-1 anyone
  // Lesson 0: anyone logs in (as anonymous, with every permission), and sees the -d folder.
  //- const anonymous = true;
//<
//> 1 anonymous-default
  const { users: userFlags, login } = options;
  const named = login !== undefined || userFlags.length > 0 || values["users.users_file"] !== undefined;
  const anonymous = values["users.anonymous"] ?? !named;
//<
  if ((anonymous || options.login !== undefined) && !(existsSync(folder) && statSync(folder).isDirectory())) {
    throw sourced(settings, "users.anonymous_folder", `folder ${folder} does not exist or is not a folder`, "create it, or fix the path");
  }

  const users = new VirtualUsers();
  try {
//> 4 users-file
    const usersFile = values["users.users_file"];
    if (usersFile && !existsSync(usersFile)) {
      throw sourced(settings, "users.users_file", `users file ${usersFile} does not exist`, "create it (see final/users.sample.txt), or fix the path");
    }
    if (usersFile) loadUsersFile(usersFile, users);
//<
//> 1 user-flags
    if (login !== undefined) users.addUser(login.name, login.password, folder, PERM_LETTERS);
    for (const user of userFlags) users.addUser(user.name, user.password, user.home, user.perms);
//<
    if (anonymous && !users.hasAnonymous) users.addAnonymous(folder, values["users.anonymous_permissions"]);
  } catch (err) {
    // A name defined twice, or a bad letter: the operator's mistake, said in one line.
    if (err instanceof Error && !(err instanceof UsageError || err instanceof ConfigError) && /unknown permission|defined twice/.test(err.message)) throw new UsageError(err.message);
    throw err;
  }
//> final folder-rules
  applyFolderRules(settings, users);
//<
//> 1 nobody-can-log-in
  if (!users.hasAnonymous && users.userNames.length === 0) {
    throw new UsageError("nobody can log in: enable anonymous, give -u/-P or --user, or a users file with at least one user");
  }
//<

  const log = values["logging.enabled"]
    ? createLogger({ level: values["logging.level"], console: values["logging.console"], file: values["logging.file"] })
    : silentLogger;
//> 5 flush-log-on-exit
  // However the process ends (Ctrl-C, or sessions that did not close in time), the last lines reach the file.
  process.once("exit", () => log.flush());
//<

//> final message-files
  // Welcome and goodbye texts from files, as xxftp's xxftp.welcome and xxftp.goodbye: read
  // once at startup, so a missing or unreadable file stops the server now, not a login later.
  const messageFile = (name: "server.banner_file" | "server.login_message_file" | "server.quit_message_file"): string | undefined => {
    const file = values[name];
    if (file === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw sourced(settings, name, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`, "create the file, or fix the path");
    }
    const lines = text.replace(/\r\n?/g, "\n").replace(/\s+$/, "").split("\n");
    if (lines.length === 1 && lines[0] === "") throw sourced(settings, name, `${file} is empty`, "write the message into it, or remove the setting");
    if (lines.length > 100 || text.length > 16_384) throw sourced(settings, name, `${file} is too long for a reply (${lines.length} lines)`, "keep it under 100 lines and 16 KiB");
    return lines.join("\n");
  };
  const messages = {
    banner: messageFile("server.banner_file") ?? values["server.banner"],
    loginMessage: messageFile("server.login_message_file") ?? values["server.login_message"],
    quitMessage: messageFile("server.quit_message_file") ?? values["server.quit_message"],
  };
//<
  const server: ServerSettings = {
    ...serverSettings(values),
//> final message-files-used
    ...messages,
//<
  };
//> final quota-options
  let quotas: Quotas | undefined;
  const defaultQuota = values["limits.quota"];
  const userQuota = values["limits.user_quota"] ?? new Map<string, number>();
  const folderSizes = values["limits.folder_quota"] ?? new Map<string, number>();
  if (defaultQuota > 0 || userQuota.size > 0 || folderSizes.size > 0) {
    const folderQuota = new Map<string, number>();
    for (const [folder, bytes] of folderSizes) {
      try {
        folderQuota.set(realpathSync(pathFromSetting(settings, "limits.folder_quota", folder)), bytes);
      } catch {
        throw sourced(settings, "limits.folder_quota", `folder ${folder} does not exist`, "create it, or fix the path");
      }
    }
    const usageFile = values["limits.quota_usage_file"];
    quotas = new Quotas({ defaultQuota, userQuota, folderQuota, ...(usageFile ? { usageFile } : {}) });
  }
//<
//> final tls-off-check
  if (!values["tls.enabled"]) {
    for (const name of ["tls.certfile", "tls.keyfile", "tls.control_required", "tls.data_required", "tls.implicit_port"] as const) {
      const value = values[name];
      if (value !== undefined && value !== false) throw sourced(settings, name, `${name} is set but TLS is off`, "turn it on with --tls (or [tls] enabled = true)");
    }
  }
//<
  let codec = utf8;
//> final encoding-option
  try {
    codec = codecFor(values["server.encoding"]);
  } catch (err) {
    throw sourced(settings, "server.encoding", (err as Error).message, "write utf-8 unless old clients need their own code page, e.g. gbk");
  }
//<
//> final address-rules-options
  const addressRules = new AddressRules(values["security.allow"] ?? [], values["security.deny"] ?? []);
  const userAddressRules = new Map<string, AddressRules>();
  for (const [name, networks] of values["security.user_allow"] ?? []) userAddressRules.set(name, new AddressRules(networks));
//<
  const services: ServerServices = {
    authorizer: users,
    log,
    codec,
//> final quota-service
    ...(quotas ? { quotas } : {}),
//<
//> final address-rules-services
    addressRules,
    userAddressRules,
//<
  };
  return { settings: server, services, users, values, effective: settings };
}
//<
