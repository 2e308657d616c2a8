// `npm run router`: a home router's port mapping on your own machine, without root.
//
//   npm run router -- --forward 2121 --forward 60000-60010
//   npm run router -- --public 127.0.0.2 --to 127.0.0.1 --forward 2121 --forward 60000-60010
//
// Listens on the router's "public" address (--public, default 127.0.0.2) on every forwarded
// port and forwards each connection to the same port on the server's address (--to, default
// 127.0.0.1), like a router's port forwarding to a machine on its LAN. Logs each forwarded
// connection (from, to, bytes, duration) on stdout; Ctrl-C stops it. A port that cannot be
// listened on stops it at once, with the ports and the reason on stderr (exit code 1); a
// wrong flag exits with 2. See lessons/07-port-mapping/README.md, "Try it: a router on your
// machine".

import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { BindError, ForwardSyntaxError, describeForward, formatEvent, parseForwards, startRouter, type RouterEvent } from "./router.ts";

const HELP = `Usage: npm run router -- [--public ADDRESS] [--to ADDRESS] --forward PORTS [--forward PORTS ...]

A port forwarder that plays a home router on this machine: connections to
--public (the router's public address) on the forwarded ports go to the same
ports on --to (the FTP server's address).

Options:
  --forward PORTS    a port (2121), a range (60000-60010), or PUBLIC:SERVER
                     (2121:21); repeat it, or separate with commas
  --public ADDRESS   the router's public address (default 127.0.0.2)
  --to ADDRESS       the server's address (default 127.0.0.1)
  --source ADDRESS   the address the router's connections to the server come
                     from (default: --public, so the server can tell them from
                     LAN clients; "auto" lets the OS choose)
  -h, --help         this text

Example (lesson 7), three terminals:
  npx tsx final/src/main.ts -i 127.0.0.1 -p 2121 --range 60000-60010 --nat-address 127.0.0.2 -d final/demo
  npm run router -- --public 127.0.0.2 --forward 2121 --forward 60000-60010
  curl --disable-epsv --no-ftp-skip-pasv-ip ftp://127.0.0.2:2121/
`;

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const terminal: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** Runs the router until SIGINT/SIGTERM; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = terminal, signals: NodeJS.EventEmitter = process): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        forward: { type: "string", multiple: true },
        public: { type: "string", default: "127.0.0.2" },
        to: { type: "string", default: "127.0.0.1" },
        source: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.err(`router: ${(err as Error).message} (see npm run router -- --help)`);
    return 2;
  }
  if (values.help) {
    io.out(HELP.trimEnd());
    return 0;
  }

  let router;
  try {
    const forwards = parseForwards(values.forward ?? []);
    router = await startRouter({
      publicAddress: values.public,
      serverAddress: values.to,
      sourceAddress: values.source === undefined ? undefined : values.source === "auto" ? null : values.source,
      forwards,
      onEvent: (e: RouterEvent) => io.out(`${time()} ${formatEvent(e)}`),
    });
  } catch (err) {
    if (err instanceof ForwardSyntaxError) {
      io.err(`router: ${err.message}`);
      io.err("  e.g.  npm run router -- --public 127.0.0.2 --forward 2121 --forward 60000-60010");
      return 2;
    }
    if (err instanceof BindError) {
      for (const line of err.message.split("\n")) io.err(`router: ${line}`);
      io.err("router: nothing is forwarded; fix the ports above and start it again");
      return 1;
    }
    throw err;
  }

  for (const f of router.forwards) io.out(`router: forwarding ${describeForward(f, router.publicAddress, router.serverAddress)}`);
  const from = router.sourceAddress ?? "an address the OS picks";
  io.out(
    `router: ready: ${router.ports.length} port${router.ports.length === 1 ? "" : "s"} on ${router.publicAddress}; ` +
      `the server sees forwarded connections come from ${from}. Ctrl-C stops it.`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      signals.off("SIGINT", stop);
      signals.off("SIGTERM", stop);
      resolve();
    };
    signals.on("SIGINT", stop);
    signals.on("SIGTERM", stop);
  });
  const { forwarded, failed, open } = router.stats();
  await router.close();
  io.out(`router: stopped (${forwarded} forwarded, ${failed} failed${open ? `, ${open} cut` : ""})`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`router: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
