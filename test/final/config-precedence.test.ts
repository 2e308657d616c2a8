/**
 * Precedence (defaults < config file < command line) and --print-config, plus `listen`, which
 * needs a server started without the harness's -i flag.
 *
 * `listen` is tested with 127.0.0.2, a loopback address like 127.0.0.1 (all of 127.0.0.0/8 is
 * loopback on Linux) but different from the default, so the setting is observable: the server
 * must answer there and not on 127.0.0.1. No other interface is ever bound.
 */
import net from "node:net";
import { afterAll, describe, it } from "vitest";
import { makeTempRoot, stopAll, type TempRoot } from "../harness/index.ts";
import { Ctl, describeRun, lineOf, runCli, spawnListening, withConfig } from "./config-helpers.ts";

afterAll(stopAll);

const roots: TempRoot[] = [];
afterAll(() => {
  for (const r of roots) r.cleanup();
});

function connectResult(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe.concurrent("config: precedence and --print-config", () => {
  it("listen = 127.0.0.2 from the file: the server listens there and not on 127.0.0.1", async ({ expect }) => {
    const root = makeTempRoot({ "ftpd.ini": "[server]\nlisten = 127.0.0.2\nport = 2121\n[users]\nanonymous_folder = pub\n", "pub/a.txt": "a" });
    roots.push(root);
    const srv = await spawnListening(["--config", root.path("ftpd.ini"), "-p", "0"]);
    try {
      expect(srv.host, `LISTENING line; output:\n${srv.output()}`).toBe("127.0.0.2");
      const ctl = await Ctl.connect(srv.port, { host: "127.0.0.2" });
      try {
        ctl.check(ctl.greeting, 220, "the server answers on the listen address");
        await ctl.login("anonymous", "me@example.com");
      } finally {
        ctl.destroy();
      }
      expect(await connectResult("127.0.0.1", srv.port), "nothing listens on 127.0.0.1 at that port").toBe("ECONNREFUSED");
    } finally {
      await srv.stop();
    }
  });

  it("listen = 127.0.0.1 from the file (given with -c): LISTENING 127.0.0.1 and the server answers there", async ({ expect }) => {
    const root = makeTempRoot({ "ftpd.ini": "[server]\nlisten = 127.0.0.1\n[users]\nanonymous_folder = pub\n", "pub/a.txt": "a" });
    roots.push(root);
    const srv = await spawnListening(["-c", root.path("ftpd.ini"), "-p", "0"]);
    try {
      expect(srv.host, `LISTENING line; output:\n${srv.output()}`).toBe("127.0.0.1");
      const ctl = await Ctl.connect(srv.port, { host: "127.0.0.1" });
      try {
        await ctl.login("anonymous", "me@example.com");
      } finally {
        ctl.destroy();
      }
    } finally {
      await srv.stop();
    }
  });

  it("the command line overrides the file (-i over listen, --banner over banner, --max-cons over max_connections); the rest comes from the file", async ({
    expect,
  }) => {
    const ini = [
      "[server]",
      "listen = 127.0.0.2",
      "port = 2121",
      "banner = Banner from the file.",
      "quit_message = Quit message from the file.",
      "max_connections = 5",
      "[users]",
      "anonymous_folder = pub",
    ].join("\n");
    // startServer adds -i 127.0.0.1 -p 0: both override the file too.
    await withConfig(ini, { "pub/a.txt": "a" }, async ({ server }) => {
      expect(server.host, "-i 127.0.0.1 beats listen = 127.0.0.2").toBe("127.0.0.1");
      expect(server.port, "-p 0 beats port = 2121").not.toBe(2121);
      const first = await Ctl.connect(server.port);
      try {
        expect(first.greeting.text, "--banner beats banner").toBe("Banner from the flag.");
        const second = await Ctl.connect(server.port, { from: "127.0.0.2" });
        second.check(second.greeting, 421, "--max-cons 1 beats max_connections = 5", "Too many connections");
        second.destroy();
        await first.login("anonymous", "me@example.com");
        const bye = await first.expect("QUIT", 221, "QUIT");
        expect(bye.text, "quit_message has no flag: the file's value").toBe("Quit message from the file.");
      } finally {
        first.destroy();
      }
    }, ["--banner", "Banner from the flag.", "--max-cons", "1"]);
  });

  it("--print-config shows each value and its source (default, FILE:LINE, command line FLAG) and exits 0 without listening", async ({ expect }) => {
    // A port we hold ourselves: a server that tried to listen there would fail (or we would see it).
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", () => resolve()));
    const held = (holder.address() as net.AddressInfo).port;
    const ini = [
      "; comments and blank lines count for line numbers",
      "",
      "[server]",
      "listen = 127.0.0.1",
      `port = ${held}`,
      "banner = Banner from the file.",
      "quit_message = Quit from the file.",
      "[users]",
      "users_file = etc/users.txt",
      "[limits]",
      "read_limit = 100K",
      "",
    ].join("\n");
    const root = makeTempRoot({ "ftpd.ini": ini, "etc/users.txt": "anna pw elr home\n", "etc/home": null });
    roots.push(root);
    const file = root.path("ftpd.ini");
    try {
      const run = await runCli(["--config", file, "--print-config", "--banner", "Banner from the flag.", "--write-limit", "1M"]);
      const info = describeRun(run);
      expect(run.timedOut, `--print-config must exit by itself\n${info}`).toBe(false);
      expect(run.code, info).toBe(0);
      expect(run.stdout, `--print-config must not start the server\n${info}`).not.toMatch(/^LISTENING/m);
      expect(run.stderr, info).toBe("");
      const row = (name: string) => {
        const line = run.stdout.split("\n").find((l) => l.startsWith(`${name} = `));
        if (!line) throw new Error(`no "${name} = " line in --print-config output\n${info}`);
        return line;
      };
      const src = (name: string, value: string, source: string) => {
        const line = row(name);
        expect(line, `${name}: value`).toMatch(new RegExp(`^${name.replace(".", "\\.")} = ${escapeRe(value)}\\s+#`));
        expect(line, `${name}: source`).toContain(`# ${source};`);
      };
      src("server.banner", "Banner from the flag.", "command line --banner");
      src("limits.write_limit", "1048576", "command line --write-limit");
      src("server.port", String(held), `${file}:${lineOf(ini, "port =")}`);
      src("server.listen", "127.0.0.1", `${file}:${lineOf(ini, "listen =")}`);
      src("server.quit_message", "Quit from the file.", `${file}:${lineOf(ini, "quit_message")}`);
      src("limits.read_limit", "102400", `${file}:${lineOf(ini, "read_limit")}`);
      src("users.users_file", root.path("etc/users.txt"), `${file}:${lineOf(ini, "users_file")}`);
      src("server.login_message", "Login successful.", "default");
      src("limits.idle_timeout", "300", "default");
      expect(row("passive.masquerade_address"), "unset settings say so").toMatch(/= \(not set\)/);
      expect(await connectResult("127.0.0.1", held), "our port is still ours").toBe("connected");
    } finally {
      holder.close();
    }
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
