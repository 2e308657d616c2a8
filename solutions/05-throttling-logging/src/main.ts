// Entry point: `npx tsx final/src/main.ts --help`.
//
//   $ npx tsx final/src/main.ts -d final/demo
//   LISTENING 127.0.0.1:2121
//   Serving anonymous users (/…/final/demo, read-only). Try:
//     curl ftp://127.0.0.1:2121/
//     lftp -p 2121 127.0.0.1
//
// This file is the kit's: it parses the command line (cli.ts), hands what it parsed to your
// server (server.ts), prints `LISTENING host:port` once the server listens (the tests and
// `npm run serve` wait for that line), and closes the server on Ctrl-C or SIGTERM.

import { parseCommandLine, UsageError, type StartOptions } from "./cli.ts";
import { ConfigError, NotWrittenYet } from "./config-error.ts";

function fail(message: string): never {
  process.stderr.write(`ftpd: error: ${message}\n`);
  process.exit(2);
}

/** A mistake of the operator (bad flag, config file, users file) or a part not written yet: one line, exit code 2. */
function failOnKnown(err: unknown): void {
  if (err instanceof UsageError || err instanceof ConfigError) fail(err.message);
  if (err instanceof NotWrittenYet) {
    process.stderr.write(`ftpd: ${err.message}\n`);
    process.exit(2);
  }
}

/** Who may log in, from the flags alone: "anonymous users (/srv/ftp, read-only)", "user(s) anna, bob". */
function describeServing(options: StartOptions, folder: string): { text: string; name: string | null } {
  const named = [...(options.login ? [options.login.name] : []), ...options.users.map((u) => u.name).filter((n) => !/^(anonymous|ftp)$/i.test(n))];
  const file = options.values["users.users_file"];
  const anonymous = options.values["users.anonymous"] ?? (named.length === 0 && file === undefined);
  const from = [...named, ...(file !== undefined ? [`the users of ${file}`] : [])];
  if (!anonymous) return { text: from.length ? `user(s) ${from.join(", ")}` : `the users ${options.configFile} names`, name: named[0] ?? null };
  const perms = options.values["users.anonymous_permissions"];
  return { text: `anonymous users (${folder}, ${from.length ? `plus ${from.join(", ")}` : perms === "elr" ? "read-only" : "with write access"})`, name: null };
}

function connectHints(host: string, port: number, name: string | null): string {
  const dial = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  const urlHost = dial.includes(":") ? `[${dial}]` : dial;
  return [
    "Try:",
    `  curl ${name ? `-u ${name} ` : ""}ftp://${urlHost}:${port}/`,
    `  lftp ${name ? `-u ${name} ` : ""}-p ${port} ${dial}`,
    `  python3 -c "import ftplib; f=ftplib.FTP(); f.connect('${dial}', ${port}); f.login(${name ? `'${name}', input('password: ')` : ""}); f.dir()"`,
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    failOnKnown(err);
    throw err;
  }
  if (options === "exit") return;
  const { host, port } = options.server;
  // Your server is loaded once the command line is known to be good (a mistake there is reported at once).
  const { FtpServer } = await import("./server.ts");
  let server;
  let address;
  try {
    server = new FtpServer(options);
    address = await server.listen();
  } catch (err) {
    failOnKnown(err);
    const code = (err as NodeJS.ErrnoException).code;
    // A bug in the server (not a system error): its stack says where.
    if (typeof code !== "string") fail(`the server did not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    const why = code === "EADDRINUSE" ? "the port is in use (pick another with -p)" : code === "EACCES" ? "ports below 1024 need root (use -p 2121)" : String(err);
    fail(`cannot listen on ${host}:${port}: ${why}`);
  }
  const shownHost = address.host.includes(":") ? `[${address.host}]` : address.host;
  process.stdout.write(`LISTENING ${shownHost}:${address.port}\n`);
  const serving = describeServing(options, options.values["users.anonymous_folder"] ?? process.cwd());
  process.stdout.write(`Serving ${serving.text}. ${connectHints(address.host, address.port, serving.name)}`);

  const stop = () => {
    const exit = () => process.exit(0);
    setTimeout(exit, 3000).unref();
    void server.close().then(exit, exit);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
