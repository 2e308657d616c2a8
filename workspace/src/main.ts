// Entry point: `npx tsx final/src/main.ts --help`.
//
//   $ npx tsx final/src/main.ts -d final/demo
//   LISTENING 127.0.0.1:2121
//   Serving anonymous users (/…/final/demo, read-only). Try:
//     curl ftp://127.0.0.1:2121/
//     lftp -p 2121 127.0.0.1

import type { VirtualUsers } from "./auth/authorizer.ts";
import { parseCommandLine, UsageError } from "./cli.ts";
import { ConfigError } from "./config-error.ts";
import { routerAdvice } from "./router-advice.ts";
import { FtpServer } from "./server.ts";

function fail(message: string): never {
  process.stderr.write(`ftpd: error: ${message}\n`);
  process.exit(2);
}

function connectHints(host: string, port: number, users: VirtualUsers): string {
  const dial = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  const urlHost = dial.includes(":") ? `[${dial}]` : dial;
  const name = users.hasAnonymous ? null : users.userNames[0];
  return [
    "Try:",
    `  curl ${name ? `-u ${name} ` : ""}ftp://${urlHost}:${port}/`,
    `  lftp ${name ? `-u ${name} ` : ""}-p ${port} ${dial}`,
    `  python3 -c "import ftplib; f=ftplib.FTP(); f.connect('${dial}', ${port}); f.login(${name ? `'${name}', input('password: ')` : ""}); f.dir()"`,
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
  const { server: settings, describe } = parsed;
  let services = parsed.services;
  const server = new FtpServer(settings, services);
  let address;
  try {
    address = await server.listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EADDRINUSE" ? "the port is in use (pick another with -p)" : code === "EACCES" ? "ports below 1024 need root (use -p 2121)" : String(err);
    fail(`cannot listen on ${settings.host}:${settings.port}: ${why}`);
  }
  const shownHost = address.host.includes(":") ? `[${address.host}]` : address.host;
  process.stdout.write(`LISTENING ${shownHost}:${address.port}\n`);
  process.stdout.write(`Serving ${describe}. ${connectHints(address.host, address.port, parsed.users)}`);
  services.log.log("info", "listening", { host: address.host, port: address.port });
  const advice = routerAdvice({ ...settings, host: address.host, port: address.port });
  if (advice.note) process.stdout.write(`${advice.note}\n`);
  for (const warning of advice.warnings) process.stderr.write(`ftpd: warning: ${warning}\n`);

  const stop = () => {
    const exit = () => {
      services.log.flush();
      process.exit(0);
    };
    setTimeout(exit, 3000).unref();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

await main();
