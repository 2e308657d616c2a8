// ftp-lab's FTP client: `npm run client -- ftp://anna@127.0.0.1:2121/`
//
//   $ npm run client -- ftp://anna@127.0.0.1:2121/
//   Password for anna@127.0.0.1:            (not echoed)
//   anna@127.0.0.1:/> get notes.txt
//   $ npm run client -- ftp://127.0.0.1:2121/ get notes.txt \; ls     (then exits)
//
// Exit codes: 0 everything worked, 1 a command failed, 2 a usage or connection error.
// The pieces, from the wire up: protocol/ (control connection, replies, data connections,
// TLS, one transfer), transfer/ (resume, verify, get, put), commands/, ui/ (shell,
// completion, progress, password), cli/ (URL and options). docs/client.md has the tour.

import { CommandContext } from "./commands/context.ts";
import { COMMANDS } from "./commands/table.ts";
import { HelpShown, parseCommandLine, type ClientOptions } from "./cli/options.ts";
import { exitCodeOf, messageOf, UsageError } from "./protocol/errors.ts";
import { silent, type Trace } from "./protocol/trace.ts";
import { runScript } from "./script.ts";
import { FtpSession } from "./session.ts";
import { Output } from "./ui/output.ts";
import { askPassword } from "./ui/password.ts";
import { progressFactory } from "./ui/progress.ts";
import { runShell } from "./ui/shell.ts";
import { splitCommands } from "./ui/words.ts";
import readline from "node:readline";

const ANONYMOUS = new Set(["anonymous", "ftp"]);

async function password(options: ClientOptions, user: string): Promise<string> {
  const given = options.password ?? options.url.password ?? process.env.FTP_PASSWORD;
  if (given !== undefined) return given;
  if (ANONYMOUS.has(user.toLowerCase())) return "anonymous@";
  if (!process.stdin.isTTY) throw new UsageError(`no password for ${user}: give --password, set FTP_PASSWORD, or run on a terminal to be asked`);
  return askPassword(`Password for ${user}@${options.url.host}: `);
}

/** Lines from stdin (not a terminal) as commands: `client ftp://... < commands.txt`. */
async function* stdinCommands(): AsyncGenerator<string[]> {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    if (line.trim().startsWith("#")) continue;
    yield* splitCommands(line);
  }
}

async function main(argv: string[]): Promise<number> {
  // `npm run client` runs in the repository; get and put should use the folder you typed it in.
  if (process.env.npm_lifecycle_event === "client" && process.env.INIT_CWD) {
    try {
      process.chdir(process.env.INIT_CWD);
    } catch {
      // stay where npm put us
    }
  }
  const out = new Output();
  let options: ClientOptions;
  try {
    options = parseCommandLine(argv);
  } catch (err) {
    if (err instanceof HelpShown) return 0;
    out.error(`client: ${messageOf(err)} (--help shows the options)`);
    return 2;
  }
  const { url } = options;
  const user = options.user ?? options.url.user ?? "anonymous";
  const settings = { debug: options.debug, retries: options.retries, verify: options.verify };
  const trace: Trace = (kind, text) => out.debug(`${kind}: ${text}`);
  const notice = (text: string) => out.error(text);

  let session: FtpSession;
  try {
    session = new FtpSession(
      {
        target: {
          host: url.host,
          port: url.port,
          implicitTls: url.security === "implicit",
          tls: { insecure: options.insecure, host: url.host, timeoutMs: options.timeoutMs },
          timeoutMs: options.timeoutMs,
        },
        login: { user, password: await password(options, user), explicitTls: url.security === "explicit" || (options.explicitTls && url.security === "plain"), implicitTls: url.security === "implicit" },
        mode: options.mode,
        epsv: options.epsv,
        eprt: options.eprt,
        trustPasvAddress: options.trustPasvIp,
      },
      settings.debug ? trace : silent,
      notice,
    );
    await session.connect();
    if (url.path) await session.cd(url.path);
  } catch (err) {
    out.error(`client: ${messageOf(err)}`);
    return 2;
  }

  const progress = progressFactory(options.progress ?? (process.stderr.isTTY ? "bar" : "lines"), out);
  const ctx = new CommandContext(session, out, settings, progress, (on) => (session.trace = on ? trace : silent), options.breakAfter, () => COMMANDS);
  let code = 0;
  try {
    if (options.commands.length > 0) code = await runScript(ctx, options.commands);
    else if (process.stdin.isTTY) await runShell(ctx);
    else code = await runScript(ctx, stdinCommands());
  } catch (err) {
    out.error(`client: ${messageOf(err)}`);
    code = err instanceof UsageError ? 2 : exitCodeOf(err);
  }
  await session.quit();
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`client: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
