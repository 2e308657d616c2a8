/**
 * `npm run router` itself (tools/router): --forward values, the log of each forwarded
 * connection, a port that cannot be listened on, a server that is not there, and Ctrl-C.
 * The FTP cases through the router are in router-nat.test.ts.
 *
 * Run: npx vitest run test/router/router-cli.test.ts
 */
import { EventEmitter } from "node:events";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { main } from "../../tools/router/main.ts";
import { BindError, parseForward, parseForwards, portList, startRouter as startRouterLib } from "../../tools/router/router.ts";
import { loopbackProblem } from "../lessons/stage-helpers.ts";
import { allocatePorts, spawnRouter, startRouter } from "./router-helpers.ts";

const PUBLIC = "127.0.0.2";
const loopback = await loopbackProblem(PUBLIC);

function listen(host: string, port: number, onConnection: (s: net.Socket) => void = (s) => s.end()): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onConnection);
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function connect(host: string, port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Runs main() in this process with a fake terminal; stop() plays Ctrl-C. */
function runMain(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const signals = new EventEmitter();
  const done = main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, signals);
  return {
    out,
    err,
    done,
    async waitFor(re: RegExp, ms = 5000): Promise<string> {
      const deadline = Date.now() + ms;
      for (;;) {
        const line = out.find((l) => re.test(l));
        if (line !== undefined) return line;
        if (Date.now() > deadline) throw new Error(`no line matching ${re} within ${ms} ms; out:\n${out.join("\n")}\nerr:\n${err.join("\n")}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: () => {
      signals.emit("SIGINT");
      return done;
    },
  };
}

describe("--forward values", () => {
  it("a port, a range, and PUBLIC:SERVER", () => {
    expect(parseForward("2121")).toEqual({ from: 2121, to: 2121, target: 2121 });
    expect(parseForward("60000-60010")).toEqual({ from: 60000, to: 60010, target: 60000 });
    expect(parseForward("2121:21")).toEqual({ from: 2121, to: 2121, target: 21 });
    expect(parseForward("61000-61010:60000")).toEqual({ from: 61000, to: 61010, target: 60000 });
    expect(parseForwards(["2121,60000-60001"])).toHaveLength(2);
  });

  it("refuses nonsense, reversed ranges, ports out of 1-65535 and overlaps, saying why", () => {
    expect(() => parseForward("ftp")).toThrow(/expected PORT, FROM-TO/);
    expect(() => parseForward("60010-60000")).toThrow(/ends before it starts \(write 60000-60010\)/);
    expect(() => parseForward("70000")).toThrow(/70000 is not 1-65535/);
    expect(() => parseForwards(["2121", "2000-3000"])).toThrow(/both claim port 2121/);
  });

  it("port lists read as ranges", () => {
    expect(portList([60002, 60000, 60001, 60005])).toBe("60000-60002, 60005");
  });

  it("a wrong flag or value exits with 2 and an example; --help exits with 0", async () => {
    const bad = runMain(["--forward", "21-"]);
    expect(await bad.done).toBe(2);
    expect(bad.err.join("\n")).toMatch(/--forward "21-".*\n.*npm run router -- --public 127\.0\.0\.2 --forward 2121/);
    const none = runMain([]);
    expect(await none.done).toBe(2);
    expect(none.err[0]).toMatch(/nothing to forward/);
    const unknown = runMain(["--forwrd", "2121"]);
    expect(await unknown.done).toBe(2);
    const help = runMain(["--help"]);
    expect(await help.done).toBe(0);
    expect(help.out.join("\n")).toContain("--forward PORTS");
  });
});

describe.skipIf(loopback !== null).concurrent(`forwarding on ${PUBLIC}${loopback ? ` (skipped: ${loopback})` : ""}`, () => {
  it("forwards bytes both ways, half-closes pass through, and each connection is logged (from, to, bytes, duration)", async () => {
    const { from: port } = await allocatePorts(1);
    // An echo server that answers after the client's FIN, as an FTP upload's 226 follows the data.
    const echo = await listen("127.0.0.1", port, (s) => {
      const chunks: Buffer[] = [];
      s.on("data", (c: Buffer) => chunks.push(c));
      s.on("end", () => s.end(Buffer.concat([Buffer.from("got "), ...chunks])));
    });
    const run = runMain(["--forward", String(port)]);
    try {
      await run.waitFor(/^router: ready: 1 port on 127\.0\.0\.2; the server sees forwarded connections come from 127\.0\.0\.2/);
      expect(run.out[0]).toBe(`router: forwarding 127.0.0.2:${port} -> 127.0.0.1:${port}`);
      const client = await connect(PUBLIC, port, "127.0.0.3");
      const localPort = client.localPort;
      const reply = new Promise<string>((resolve) => {
        let text = "";
        client.on("data", (c: Buffer) => (text += c.toString()));
        client.on("end", () => resolve(text));
      });
      client.end("hello");
      expect(await reply).toBe("got hello");
      const line = await run.waitFor(/ closed: /);
      expect(line).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d #1 127\\.0\\.0\\.3:${localPort} -> 127\\.0\\.0\\.2:${port} -> 127\\.0\\.0\\.1:${port} closed: 5 B to the server, 9 B to the client, \\d+ ms$`));
      expect(run.out.some((l) => / #1 .* open$/.test(l))).toBe(true);
    } finally {
      expect(await run.stop()).toBe(0);
      echo.close();
    }
    expect(run.out.at(-1)).toBe("router: stopped (1 forwarded, 0 failed)");
  });

  it("a forwarded port where the server does not listen: the client's connection is reset and the router says why", async () => {
    const { from: port } = await allocatePorts(1);
    const run = runMain(["--forward", String(port)]);
    try {
      await run.waitFor(/^router: ready/);
      const client = await connect(PUBLIC, port);
      const ended = await new Promise<string>((resolve) => {
        client.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        client.on("close", () => resolve("closed"));
      });
      expect(ended).toBe("ECONNRESET");
      expect(await run.waitFor(/ failed: /)).toMatch(new RegExp(`-> 127\\.0\\.0\\.1:${port} failed: ECONNREFUSED \\(nothing listens on 127\\.0\\.0\\.1:${port}\\), after \\d+ ms$`));
    } finally {
      await run.stop();
    }
  });

  it("a port of a range that cannot be listened on is named with the reason, and nothing is left listening (exit 1)", async () => {
    const range = await allocatePorts(5);
    const busy = range.from + 2;
    const blocker = await listen("0.0.0.0", busy); // like an FTP server started with -i 0.0.0.0
    try {
      const router = spawnRouter(["--forward", `${range.from}-${range.to}`]);
      const { code } = await router.exited;
      expect(code).toBe(1);
      expect(router.stderr()).toContain(`router: cannot listen on 127.0.0.2 port ${busy} (EADDRINUSE): in use`);
      expect(router.stderr()).toContain("run the FTP server with -i 127.0.0.1");
      expect(router.stderr()).toContain("router: nothing is forwarded");
      expect(router.stdout()).not.toMatch(/ready/);
      // The other ports of the range were given back.
      const again = await listen(PUBLIC, range.from);
      again.close();
    } finally {
      blocker.close();
    }
    // The library says the same, with the failures as data.
    const blocker2 = await listen(PUBLIC, range.to);
    try {
      const err = await startRouterLib({ publicAddress: PUBLIC, serverAddress: "127.0.0.1", forwards: parseForwards([`${range.from}-${range.to}`]) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BindError);
      expect((err as BindError).failures).toEqual([{ port: range.to, code: "EADDRINUSE" }]);
    } finally {
      blocker2.close();
    }
  });

  it("Ctrl-C stops it (exit 0): open connections are cut and counted", async () => {
    const { from: port } = await allocatePorts(1);
    const quiet = await listen("127.0.0.1", port, () => {}); // accepts and says nothing
    const router = await startRouter(["--forward", String(port)]);
    const client = await connect(PUBLIC, port);
    const cut = new Promise<void>((resolve) => client.on("close", () => resolve()));
    client.on("error", () => {});
    await router.waitFor(/ open$/);
    const { code, signal } = await router.stop();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    await cut;
    expect(router.stdout().trimEnd().split("\n").at(-1)).toBe("router: stopped (1 forwarded, 0 failed, 1 cut)");
    quiet.close();
  });
});
