// The command line, in the image of `python -m pyftpdlib` so that the seeds' readers feel at
// home:
//
//   ftpd -d ./pub                      anonymous, read-only, on 127.0.0.1:2121
//   ftpd -d ./pub -w -i 0.0.0.0 -p 21  anonymous with write access, on every interface
//   ftpd -u anna -P s3cret -d ./anna   one user, no anonymous
//   ftpd --users users.txt             the users of a users file
//
// Errors are one line and exit code 2, so scripts and people both see what to fix.

import { existsSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { VirtualUsers } from "./auth/authorizer.ts";
import { ALL_PERMS } from "./auth/permissions.ts";
import { loadUsersFile } from "./auth/users-file.ts";
import { parsePortRange } from "./data/address.ts";
import { consoleLogger, type Level } from "./log.ts";
import { withDefaults, type ServerOptions } from "./options.ts";

export class UsageError extends Error {}

function integer(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

function seconds(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(n)) throw new InvalidArgumentError("expected a number of seconds, e.g. 3 or 0.5");
  return n;
}

function ipAddress(text: string): string {
  if (!isIP(text)) throw new InvalidArgumentError("expected an IP address, e.g. 127.0.0.1, 0.0.0.0 or ::");
  return text;
}

function range(text: string): { from: number; to: number } {
  try {
    return parsePortRange(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function buildProgram(): Command {
  return new Command("ftpd")
    .description("ftp-lab's FTP server. Serves a folder to anonymous users (read-only unless -w), or to the users you define.")
    .addOption(new Option("-i, --interface <address>", "address to listen on (0.0.0.0 or :: for all interfaces)").default("127.0.0.1").argParser(ipAddress))
    .addOption(new Option("-p, --port <port>", "port to listen on (0 takes a free one)").default(2121).argParser(integer(0, 65535)))
    .option("-w, --write", "give anonymous users write access", false)
    .option("-d, --directory <folder>", "folder to serve (default: the current folder)")
    .addOption(new Option("-n, --nat-address <address>", "public IPv4 address to announce in PASV replies (behind NAT)").argParser(ipAddress))
    .addOption(new Option("-r, --range <from-to>", "passive ports to use, e.g. 60000-60100").argParser(range))
    .option("-u, --username <name>", "log in as this user instead of anonymous (needs -P)")
    .option("-P, --password <password>", "password for -u")
    .option("--users <file>", "users file: one `name password perms home` per line")
    .option("--banner <text>", "greeting sent to clients on connect")
    .addOption(new Option("--timeout <seconds>", "close control connections idle this long").default(300).argParser(seconds))
    .addOption(new Option("--max-login-attempts <n>", "wrong passwords before disconnecting").default(3).argParser(integer(1, 1000)))
    .addOption(new Option("--auth-failed-delay <seconds>", "delay before answering a wrong password").default(2).argParser(seconds))
    .option("--permit-foreign-addresses", "allow data connections to/from other addresses than the client's (FXP)", false)
    .option("--permit-privileged-ports", "allow PORT/EPRT to ports below 1024", false)
    .option("-D, --debug", "log everything, replies included", false)
    .option("-V, --verbose", "log every command", false)
    .helpOption("-h, --help", "show this help")
    .exitOverride()
    .configureOutput({ writeErr: () => {} });
}

export interface CliResult {
  options: ServerOptions;
  directory: string;
}

/** Parses argv (without node and script); throws UsageError with a one-line message. */
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
  const directory = resolve(o.directory ?? process.cwd());
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new UsageError(`folder ${directory} does not exist (check -d/--directory)`);
  }
  if ((o.username === undefined) !== (o.password === undefined)) {
    throw new UsageError("-u/--username and -P/--password go together");
  }

  const users = new VirtualUsers();
  if (o.users) loadUsersFile(resolve(o.users), users);
  if (o.username !== undefined) {
    users.addUser(o.username, o.password, directory, ALL_PERMS);
  } else if (!o.users) {
    users.addAnonymous(directory, o.write ? ALL_PERMS : "elr");
  }

  const level: Level = o.debug ? "debug" : o.verbose ? "verbose" : "info";
  const options = withDefaults({
    authorizer: users,
    host: o.interface,
    port: o.port,
    masqueradeAddress: o.natAddress,
    passiveRange: o.range,
    idleTimeoutSec: o.timeout,
    maxLoginAttempts: o.maxLoginAttempts,
    authFailedDelayMs: Math.round(o.authFailedDelay * 1000),
    permitForeignAddresses: o.permitForeignAddresses,
    permitPrivilegedPorts: o.permitPrivilegedPorts,
    log: consoleLogger(level),
    ...(o.banner !== undefined ? { banner: o.banner } : {}),
  });
  if (options.masqueradeAddress && isIP(options.masqueradeAddress) !== 4) {
    throw new UsageError("-n/--nat-address must be an IPv4 address (PASV replies carry IPv4 only)");
  }
  return { options, directory };
}
