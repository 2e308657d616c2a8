// Entry point: `npx tsx final/src/main.ts --help`.
//
//   $ npx tsx final/src/main.ts -d final/demo
//   LISTENING 127.0.0.1:2121
//   Serving /…/final/demo to anonymous users (read-only). Try:
//     curl ftp://127.0.0.1:2121/
//     lftp -p 2121 127.0.0.1

import { VirtualUsers } from "./auth/authorizer.ts";
import { parseCommandLine, UsageError } from "./cli.ts";
import { ConfigError } from "./config-error.ts";
import { FtpServer } from "./server.ts";

function fail(message: string): never {
  process.stderr.write(`ftpd: error: ${message}\n`);
  process.exit(2);
}

function connectHints(host: string, port: number, users: VirtualUsers): string {
  const shown = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const name = users.hasAnonymous ? null : users.userNames[0];
  const auth = name ? `-u ${name} ` : "";
  return [
    "Try:",
    `  curl ${auth}ftp://${shown}:${port}/`,
    `  lftp ${name ? `-u ${name} ` : ""}-p ${port} ${host.includes(":") ? host : shown}`,
    `  python3 -c "import ftplib; f=ftplib.FTP(); f.connect('${host.includes(":") ? host : shown}', ${port}); f.login(${name ? `'${name}', input('password: ')` : ""}); f.dir()"`,
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseCommandLine(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) fail(err.message);
    if (err instanceof Error && /unknown permission|defined twice/.test(err.message)) fail(err.message);
    throw err;
  }
  if (parsed === "exit") return;
  const { options, directory } = parsed;
  const server = new FtpServer(options);
  let address;
  try {
    address = await server.listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EADDRINUSE" ? "the port is in use (pick another with -p)" : code === "EACCES" ? "ports below 1024 need root (use -p 2121)" : String(err);
    fail(`cannot listen on ${options.host}:${options.port}: ${why}`);
  }
  const shownHost = address.host.includes(":") ? `[${address.host}]` : address.host;
  process.stdout.write(`LISTENING ${shownHost}:${address.port}\n`);
  const users = options.authorizer as VirtualUsers;
  const who = users.hasAnonymous ? "anonymous users" : `user(s) ${users.userNames.join(", ")}`;
  process.stdout.write(`Serving ${directory} to ${who}. ${connectHints(address.host, address.port, users)}`);

  const stop = () => {
    setTimeout(() => process.exit(0), 3000).unref();
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
