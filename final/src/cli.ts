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
//> final list-flags
  "--allow": ", ",
  "--deny": ", ",
  "--user-allow": "; ",
  "--user-quota": "; ",
  "--folder-quota": "; ",
  "--virtual-folders": "; ",
  "--folder-permissions": "; ",
//<
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
  const who = users.hasAnonymous ? `anonymous users (${folder}, ${users.userNames.length ? "plus " + users.userNames.join(", ") : values["users.anonymous_permissions"] === "elr" ? "read-only" : "with write access"})` : `user(s) ${users.userNames.join(", ")}`;
  return { server, services, users, values, settings, describe: who };
}
