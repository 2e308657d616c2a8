// The client's command line, with commander.
//
//   client ftp://anna@127.0.0.1:2121/                    interactive (password asked)
//   client --tls --insecure ftp://127.0.0.1:2121/ ls     explicit FTPS, one command
//   client ftp://127.0.0.1:2121/ get a.txt \; ls         words after the URL: commands, ";" between
//   client -c "cd docs; mget *.md" ftp://127.0.0.1:2121/
//   -> { url, commands: [["cd", "docs"], ["mget", "*.md"]], debug: false, mode: "passive", ... }
//
// Options go before the URL: everything after it belongs to the commands (get -c ...).

import { Command, CommanderError, Option } from "commander";
import { UsageError } from "../protocol/errors.ts";
import { parseSize } from "../ui/format.ts";
import type { ProgressMode } from "../ui/progress.ts";
import { splitCommands } from "../ui/words.ts";
import { parseFtpUrl, type FtpUrl } from "./url.ts";

export interface ClientOptions {
  url: FtpUrl;
  user: string | undefined;
  password: string | undefined;
  explicitTls: boolean;
  insecure: boolean;
  mode: "passive" | "active";
  epsv: boolean;
  eprt: boolean;
  trustPasvIp: boolean;
  debug: boolean;
  progress: ProgressMode | undefined;
  retries: number;
  verify: boolean;
  timeoutMs: number;
  breakAfter: number | undefined;
  /** Commands to run (then exit); empty: the interactive shell, or stdin's lines. */
  commands: string[][];
}

/** Help and --version: print and exit 0. */
export class HelpShown extends Error {}

function program(): Command {
  return new Command("client")
    .description("ftp-lab's FTP client: an interactive shell, or commands from the command line.\nFTPS: ftpes:// (or --tls) for explicit, ftps:// for implicit.")
    .usage("[options] <url> [command...]")
    .argument("<url>", "ftp://[user[:password]@]host[:port][/folder], ftpes://..., ftps://...")
    .argument("[command...]", 'commands to run instead of the shell, ";" between them (get a.txt \\; ls)')
    .option("-c, --commands <list>", 'commands to run, separated by ";" (then exit)')
    .option("-u, --user <name>", "log in as this user (default: the URL's, else anonymous)")
    .option("-p, --password <password>", "the password (default: the URL's, $FTP_PASSWORD, or asked on the terminal)")
    .option("--tls", "explicit FTPS on an ftp:// URL: AUTH TLS, then PBSZ 0 and PROT P")
    .option("-k, --insecure", "accept a certificate that cannot be verified (self-signed test servers)")
    .option("-a, --active", "active mode: the server connects to us (EPRT/PORT); default passive (EPSV/PASV)")
    .option("--no-epsv", "passive mode with PASV only, never EPSV")
    .option("--no-eprt", "active mode with PORT only, never EPRT")
    .option("--trust-pasv-ip", "connect to the address in a 227 reply (default: the control connection's, like curl)")
    .option("-d, --debug", "show the conversation: C: commands, S: replies, D: data connections, T: TLS")
    .addOption(new Option("--progress <how>", "progress display (default: bar on a terminal, else lines)").choices(["bar", "lines", "none"]))
    .option("--retries <n>", "resume an interrupted transfer up to n times", "3")
    .option("--no-verify", "do not check transfers with HASH or SIZE afterwards")
    .option("--timeout <seconds>", "wait this long for a reply or a connection", "30")
    .option("--break-after <size>", "cut the first data connection after this many bytes (100K, 1M): watch a resume")
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
}

/** Words after the URL -> commands: ";" (alone or at a word's end) separates; a word with spaces is a whole command line. */
export function commandsFromWords(words: string[]): string[][] {
  const commands: string[][] = [[]];
  for (const word of words) {
    const current = commands[commands.length - 1]!;
    if (current.length === 0 && /[\s;]/.test(word.trim())) {
      commands.pop();
      commands.push(...splitCommands(word), []);
    } else if (word === ";") commands.push([]);
    else if (word.endsWith(";") && !word.endsWith("\\;")) {
      current.push(word.slice(0, -1));
      commands.push([]);
    } else current.push(word);
  }
  return commands.filter((c) => c.length > 0);
}

export function parseCommandLine(argv: string[]): ClientOptions {
  const p = program();
  try {
    p.parse(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") throw new HelpShown();
      throw new UsageError(err.message.replace(/^error: /, ""));
    }
    throw err;
  }
  const o = p.opts<Record<string, string | boolean | undefined>>();
  const [urlText, words] = p.processedArgs as [string, string[]];
  const number = (name: string, value: unknown, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} takes a whole number (at least ${min}), not ${JSON.stringify(value)}`);
    return n;
  };
  let breakAfter: number | undefined;
  if (o.breakAfter !== undefined) {
    const n = parseSize(String(o.breakAfter));
    if (n === null || n < 1) throw new UsageError(`--break-after takes a size like 100K, not ${JSON.stringify(o.breakAfter)}`);
    breakAfter = n;
  }
  const first = words[0];
  if (first?.startsWith("-")) throw new UsageError(`options go before the URL (${first} came after it)`);
  const commands: string[][] = [];
  try {
    if (typeof o.commands === "string") commands.push(...splitCommands(o.commands));
    commands.push(...commandsFromWords(words));
  } catch (err) {
    throw new UsageError(`cannot read the commands: ${(err as Error).message}`);
  }
  return {
    url: parseFtpUrl(urlText),
    user: o.user as string | undefined,
    password: o.password as string | undefined,
    explicitTls: o.tls === true,
    insecure: o.insecure === true,
    mode: o.active ? "active" : "passive",
    epsv: o.epsv !== false,
    eprt: o.eprt !== false,
    trustPasvIp: o.trustPasvIp === true,
    debug: o.debug === true,
    progress: o.progress as ProgressMode | undefined,
    retries: number("retries", o.retries, 0),
    verify: o.verify !== false,
    timeoutMs: number("timeout", o.timeout, 1) * 1000,
    breakAfter,
    commands,
  };
}
