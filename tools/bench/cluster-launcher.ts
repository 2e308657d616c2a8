// Ours on both cores, for the bench's "ours-cluster" variant: node:cluster forks workers that
// each run the whole server. The primary accepts control connections and hands them to the
// workers in turn; each worker opens its own passive ports (passive.ts listens with
// `exclusive: true`, so not through the primary), which is why a session's data connections
// always reach the worker that owns the session.
//
//   node --import tsx tools/bench/cluster-launcher.ts 2 dist/bench-server/main.js -p 0 ...
//
// Not a server feature: bans, per-address limits and quota counts live in each worker's
// memory, so two workers would allow twice as many failed logins or connections per address,
// and two quota counters would overwrite each other's file. The bench measures what a shared
// version of that state would buy.

import cluster from "node:cluster";

const [count = "2", main = "", ...args] = process.argv.slice(2);
const workers = Number(count);
if (!Number.isInteger(workers) || workers < 1 || !main) {
  process.stderr.write("usage: cluster-launcher.ts WORKERS MAIN [server arguments...]\n");
  process.exit(2);
}

// A TypeScript main (the source) needs tsx in the workers too; the compiled one does not.
cluster.setupPrimary({ exec: main, args, execArgv: main.endsWith(".ts") ? ["--import", "tsx"] : [] });
for (let i = 0; i < workers; i++) cluster.fork();
cluster.on("exit", (worker, code, signal) => {
  process.stderr.write(`cluster-launcher: worker ${worker.process.pid} exited (${signal ?? code})\n`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill(signal);
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
