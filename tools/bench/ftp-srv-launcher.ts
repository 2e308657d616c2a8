// ftp-srv 4.6.3 (devDependency) for the bench: anonymous users get a writable HOME as /, a
// passive range above the ephemeral ports, its default bunyan logger at info (to stderr, so
// stdout carries only our `LISTENING host:port` line).
//
//   node --import tsx tools/bench/ftp-srv-launcher.ts HOST HOME PASV_FROM PASV_TO

import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

const require = createRequire(import.meta.url);
const FtpSrv = require("ftp-srv") as new (options: Record<string, unknown>) => {
  server: { address(): AddressInfo };
  on(event: "login", handler: (data: unknown, resolve: (r: { root: string }) => void) => void): void;
  listen(): Promise<unknown>;
};
const bunyan = require("bunyan") as { createLogger(o: Record<string, unknown>): unknown };

const [host = "127.0.0.1", home = process.cwd(), from = "61000", to = "64999"] = process.argv.slice(2);
const server = new FtpSrv({
  url: `ftp://${host}:0`,
  pasv_url: host,
  pasv_min: Number(from),
  pasv_max: Number(to),
  anonymous: true,
  greeting: "ftp-srv bench",
  log: bunyan.createLogger({ name: "ftp-srv", level: "info", stream: process.stderr }),
});
server.on("login", (_data, resolve) => resolve({ root: home }));
await server.listen();
// IPv6 in brackets, as the wire kit reads it (tools/wire/server-process.ts).
process.stdout.write(`LISTENING ${host.includes(":") ? `[${host}]` : host}:${server.server.address().port}\n`);
