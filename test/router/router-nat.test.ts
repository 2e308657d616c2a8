/**
 * Lesson 7 on one machine: the server behind a router (`npm run router`), in the three cases
 * the lesson describes, plus a passive range that is not forwarded and EPSV.
 *
 *   WAN client 127.0.0.3  ->  router 127.0.0.2 (npm run router)  ->  server 127.0.0.1 (-i 127.0.0.1)
 *
 * The model, honestly:
 *
 * - 127.0.0.1 plays the server's private LAN address (192.168.1.10 at home), 127.0.0.2 the
 *   router's public address (203.0.113.7), 127.0.0.3 a client on the internet. The server
 *   listens on 127.0.0.1 only, so 127.0.0.2 is the router's alone.
 * - On the internet a private address leads nowhere; on loopback every address reaches this
 *   machine. So a WAN client here may connect to the router's public address only: connecting
 *   anywhere else fails as a real WAN client's connection would (wanConnect, ENETUNREACH). That
 *   is the failure of case 1 for a client that trusts the 227 address.
 * - Case 1 also shows the loopback shortcut a WAN client does not have: connecting exactly where
 *   the 227 says reaches the server without the router, and the server refuses that data
 *   connection, because it comes from 127.0.0.3 while the control connection came from the
 *   router (RFC 2577: data connections only from the client's address). No listing either way.
 * - The router is a userland forwarder: the server sees the router (127.0.0.2, the address it
 *   connects from) as the client, not 127.0.0.3; a kernel NAT keeps the real address
 *   (test/router/real-nat.test.ts plays the same cases over iptables in network namespaces).
 *   For the server's checks it comes to the same: control and data connections through the
 *   router both come from 127.0.0.2, and LAN clients (127.0.0.1) are told apart from it.
 *
 * Cases (one server each, one router for all, as a learner would run them):
 *   1. no --nat-address: 227 carries 127,0,0,1, useless from outside; curl's default (ignore the
 *      227 address) still works because the range is forwarded;
 *   2. --nat-address 127.0.0.2 and the range forwarded: LIST, RETR and STOR through the router;
 *   3. --masquerade-map 127.0.0.1/32=127.0.0.1 --nat-address 127.0.0.2: the LAN client (direct,
 *      from 127.0.0.1) is told 127,0,0,1, the WAN client (through the router) 127,0,0,2;
 *   and: the range not forwarded (only the control port) refuses the data connection; EPSV
 *   works through the router without any masquerade.
 *
 * Run: npx vitest run test/router/router-nat.test.ts
 *      (FTP_TARGET=solutions/07-port-mapping for the lesson's solution)
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import net, { type Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { itNeeding } from "../harness/tools-available.ts";
import {
  FtpSocket,
  HarnessError,
  expectCode,
  makeTempRoot,
  parsePasv,
  recordDataSocket,
  startServer,
  targetEntry,
  wrapDataSocket,
  type DataSocket,
  type HostPort,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";
import { REPLY_MS, indent, lastLines, listNames, loginOn, loopbackProblem, payload, sha256, targetName } from "../lessons/stage-helpers.ts";
import { allocatePorts, routerLines, startRouter, type RouterProcess } from "./router-helpers.ts";

const SERVER = "127.0.0.1"; // the LAN address
const PUBLIC = "127.0.0.2"; // the router's public address
const WAN = "127.0.0.3"; // a client on the internet
const PASSIVE_TIMEOUT_S = 2; // the server gives up waiting for a data connection after this

const loopback = (await Promise.all([PUBLIC, WAN].map(loopbackProblem))).find((p) => p !== null) ?? null;

const FILES = { "readme.txt": "behind a router\n", "big.bin": payload(200_000, 7) };

interface Case {
  name: string;
  args: string[];
  /** Forward the passive range too (false: only the control port). */
  forwardRange: boolean;
  root?: TempRoot;
  server?: RunningServer;
  range?: { from: number; to: number };
}

const cases = {
  private: { name: "no --nat-address", args: [], forwardRange: true } as Case,
  nat: { name: `--nat-address ${PUBLIC}`, args: ["-w", "--nat-address", PUBLIC], forwardRange: true } as Case,
  map: { name: `--masquerade-map ${SERVER}/32=${SERVER} --nat-address ${PUBLIC}`, args: ["--masquerade-map", `${SERVER}/32=${SERVER}`, "--nat-address", PUBLIC], forwardRange: true } as Case,
  unforwarded: { name: `--nat-address ${PUBLIC}, range not forwarded`, args: ["--nat-address", PUBLIC], forwardRange: false } as Case,
};

let router: RouterProcess | undefined;
let setupError: Error | undefined;
let configDir: string | undefined;
const open = new Set<{ destroy(): void }>();

beforeAll(async () => {
  if (loopback) return;
  try {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-router-"));
    const config = path.join(configDir, "ftpd.ini");
    fs.writeFileSync(config, `[limits]\npassive_timeout = ${PASSIVE_TIMEOUT_S}\n`);
    await Promise.all(
      Object.values(cases).map(async (c) => {
        c.range = await allocatePorts(5);
        c.root = makeTempRoot(FILES);
        c.server = await startServer({
          entry: targetEntry(),
          host: SERVER,
          root: c.root.dir,
          timeoutMs: 25_000, // generous: tsx starts slowly on a busy machine
          args: ["--config", config, "--auth-failed-delay", "0", "--range", `${c.range.from}-${c.range.to}`, ...c.args],
        });
      }),
    );
    const forwards = Object.values(cases).flatMap((c) => [String(c.server!.port), ...(c.forwardRange ? [`${c.range!.from}-${c.range!.to}`] : [])]);
    router = await startRouter(["--public", PUBLIC, "--to", SERVER, ...forwards.flatMap((f) => ["--forward", f])]);
  } catch (err) {
    setupError = err instanceof Error ? err : new Error(String(err));
    setupError.message = `[target: ${targetName()}] the setup failed, so this case cannot be checked:\n${setupError.message}`;
  }
}, 45_000);

afterAll(async () => {
  for (const s of open) s.destroy();
  await router?.stop();
  await Promise.all(Object.values(cases).map((c) => c.server?.stop()));
  for (const c of Object.values(cases)) c.root?.cleanup();
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
});

function ready(c: Case): { server: RunningServer; router: RouterProcess; root: TempRoot; range: { from: number; to: number } } {
  if (setupError) throw setupError;
  if (!c.server || !router || !c.root || !c.range) throw new Error("the setup did not finish (see beforeAll)");
  return { server: c.server, router, root: c.root, range: c.range };
}

function about(c: Case): string {
  const { server, router } = ready(c);
  return [`  server:  ${server.command}`, `  server output:\n${indent(lastLines(server.output()))}`, router.about()].join("\n");
}

/** A client on the internet: control connection to the router's public address, from 127.0.0.3, logged in. */
async function wanLogin(c: Case): Promise<FtpSocket> {
  const { server } = ready(c);
  const ftp = await FtpSocket.connect(PUBLIC, server.port, { localAddress: WAN, timeoutMs: REPLY_MS, server: server.command });
  open.add(ftp);
  expectCode(ftp.greeting, 220, ftp.context(`the router forwards ${PUBLIC}:${server.port} to the server's ${SERVER}:${server.port}`));
  await loginOn(ftp, "anonymous", "wan@example.com");
  return ftp;
}

/** A client on the LAN: straight to the server's address, from 127.0.0.1, logged in. */
async function lanLogin(c: Case): Promise<FtpSocket> {
  const { server } = ready(c);
  const ftp = await FtpSocket.connect(SERVER, server.port, { localAddress: SERVER, timeoutMs: REPLY_MS, server: server.command });
  open.add(ftp);
  expectCode(ftp.greeting, 220, ftp.context("a LAN client reaches the server directly"));
  await loginOn(ftp, "anonymous", "lan@example.com");
  return ftp;
}

/** A TCP connection from `from`, recorded in the control connection's transcript. */
async function connectFrom(from: string, host: string, port: number): Promise<DataSocket> {
  const socket: Socket = net.connect({ host, port, localAddress: from });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error("no answer"), { code: "ETIMEDOUT" })), REPLY_MS);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  }).catch((err: NodeJS.ErrnoException) => {
    socket.destroy();
    throw err;
  });
  const ds = wrapDataSocket(recordDataSocket(socket, undefined, "C"));
  open.add(ds);
  return ds;
}

/**
 * The internet, as a WAN client sees it: only the router's public address exists. A private
 * address (here 127.0.0.1) is unreachable from outside, whatever loopback would allow.
 */
async function wanConnect(host: string, port: number): Promise<DataSocket> {
  if (host !== PUBLIC) {
    throw Object.assign(new Error(`connect ENETUNREACH ${host}:${port} (from the internet only the router's ${PUBLIC} is reachable)`), { code: "ENETUNREACH" });
  }
  return connectFrom(WAN, host, port);
}

async function pasv(ftp: FtpSocket, c: Case, expectHost: string, why: string): Promise<HostPort> {
  const reply = await ftp.sendExpect("PASV", 227, "PASV is answered with 227 (h1,h2,h3,h4,p1,p2)");
  const hp = parsePasv(reply);
  if ("error" in hp) throw new HarnessError(`Malformed 227: ${hp.error}\n${about(c)}`);
  const { range } = ready(c);
  if (hp.host !== expectHost || hp.port < range.from || hp.port > range.to) {
    throw new HarnessError(
      `PASV said "${reply.lines[0]}": expected ${expectHost} and a port in ${range.from}-${range.to}.\n  why: ${why}\n  transcript:\n${indent(ftp.transcriptText())}\n${about(c)}`,
    );
  }
  return hp;
}

/** LIST over an open data connection: the names, with 150 and 226 checked. */
async function list(ftp: FtpSocket, ds: DataSocket, c: Case): Promise<string[]> {
  await ftp.sendExpect("LIST", [125, 150], "LIST starts the listing over the data connection");
  const data = await ds.readAll(REPLY_MS);
  const final = await ftp.readReply();
  expectCode(final, 226, ftp.context(`after the listing the server says 226\n${about(c)}`));
  return listNames(data);
}

const dots = (a: string) => a.replace(/\./g, "\\.");

/** The router's log line (open or closed) for the data connection `ds` through public port `port`, once it is there. */
async function routerLine(ds: DataSocket, port: number, kind: "open" | "closed"): Promise<string> {
  const re = new RegExp(`^\\S+ #\\d+ ${dots(WAN)}:${ds.localPort} -> ${dots(PUBLIC)}:${port} -> ${dots(SERVER)}:${port} ${kind}`);
  return router!.waitFor(re, 5000);
}

/** The router's log lines about a connection from this local port (there must be none for a direct one). */
function routerLinesFrom(ds: DataSocket): string[] {
  return router!
    .stdout()
    .split("\n")
    .filter((l) => l.includes(`:${ds.localPort} -> `));
}

/** curl straight to the address given: proxy settings in the environment would send it elsewhere. */
function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string; command: string }> {
  const command = `curl ${args.join(" ")}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)));
  return new Promise((resolve) => {
    execFile("curl", ["--noproxy", "*", ...args], { timeout: 15_000, env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr, command });
    });
  });
}

const trusting = ["-sS", "--max-time", "10", "--disable-epsv", "--no-ftp-skip-pasv-ip"];

describe.skipIf(loopback !== null)(`lesson 7 through npm run router (${PUBLIC} -> ${SERVER})${loopback ? ` (skipped: ${PUBLIC}/${WAN} unusable here: ${loopback})` : ""}`, () => {
  describe.concurrent(`case 1: ${cases.private.name}: 227 carries the private address`, () => {
    const c = cases.private;

    it(`PASV through the router announces 127,0,0,1, which a WAN client cannot reach (it may connect to ${PUBLIC} only)`, async () => {
      const ftp = await wanLogin(c);
      const hp = await pasv(ftp, c, SERVER, "without --nat-address the server announces the address the connection reached it on, its own (private) one");
      await expect(wanConnect(hp.host, hp.port)).rejects.toMatchObject({ code: "ENETUNREACH" });
      ftp.destroy();
    });

    it(`connecting exactly where the 227 says (a loopback shortcut) bypasses the router, and the server refuses it: no listing`, async () => {
      const { server } = ready(c);
      const ftp = await wanLogin(c);
      const hp = await pasv(ftp, c, SERVER, "the private address, as above");
      const ds = await connectFrom(WAN, hp.host, hp.port); // TCP accepts it; the server then drops it
      const listed = await ds.readAll(REPLY_MS).catch(() => Buffer.alloc(0));
      const first = await ftp.send("LIST");
      const final = first.code >= 400 ? first : await ftp.readReply(REPLY_MS + PASSIVE_TIMEOUT_S * 1000);
      if (listed.length > 0 || final.code < 400) {
        throw new HarnessError(`The data connection from ${WAN} straight to ${SERVER}:${hp.port} was served (${listed.length} bytes, "${final.lines[0]}").\n  transcript:\n${indent(ftp.transcriptText())}\n${about(c)}`);
      }
      expect(server.output()).toMatch(new RegExp(`refused data connection from a foreign address.*${WAN.replace(/\./g, "\\.")}`));
      expect(routerLinesFrom(ds)).toEqual([]); // it never went through the router
      ftp.destroy();
    });

    it(`a client that ignores the 227 address and uses ${PUBLIC} with the announced port (curl's default) lists through the router`, async () => {
      const ftp = await wanLogin(c);
      const hp = await pasv(ftp, c, SERVER, "the private address, as above");
      const ds = await wanConnect(PUBLIC, hp.port);
      expect(await list(ftp, ds, c)).toContain("readme.txt");
      await routerLine(ds, hp.port, "open");
      ftp.destroy();
    });

    itNeeding(["curl"], `curl ${trusting.slice(3).join(" ")} ftp://${PUBLIC}:PORT/ fails; curl with its defaults (EPSV) lists`, async () => {
      const { server } = ready(c);
      const url = `ftp://${PUBLIC}:${server.port}/`;
      const bad = await curl([...trusting, url]);
      if (bad.code === 0) throw new HarnessError(`${bad.command} worked, but the 227 address is the private ${SERVER}.\n  stdout:\n${indent(bad.stdout)}\n${about(c)}`);
      const good = await curl(["-sS", "--max-time", "10", url]);
      if (good.code !== 0 || !good.stdout.includes("readme.txt")) throw new HarnessError(`${good.command} failed (${good.code}): ${good.stderr}\n${about(c)}`);
    });
  });

  describe.concurrent(`case 2: ${cases.nat.name} with the passive range forwarded`, () => {
    const c = cases.nat;

    it(`227 carries 127,0,0,2; LIST, RETR and STOR go ${WAN} -> ${PUBLIC}:port -> router -> ${SERVER}:port`, async () => {
      const { root } = ready(c);
      const ftp = await wanLogin(c);
      const why = "--nat-address makes the server announce the router's public address";
      let hp = await pasv(ftp, c, PUBLIC, why);
      let ds = await wanConnect(hp.host, hp.port);
      expect(await list(ftp, ds, c)).toEqual(["big.bin", "readme.txt"]);
      await routerLine(ds, hp.port, "open");

      await ftp.sendExpect("TYPE I", 200);
      hp = await pasv(ftp, c, PUBLIC, why);
      ds = await wanConnect(hp.host, hp.port);
      await ftp.sendExpect("RETR big.bin", [125, 150]);
      const got = await ds.readAll(REPLY_MS);
      expectCode(await ftp.readReply(), 226, ftp.context("RETR through the router completes"));
      expect(sha256(got)).toBe(sha256(FILES["big.bin"]));
      // The router logs the connection: from, to, bytes each way, duration.
      const line = await routerLine(ds, hp.port, "closed");
      expect(line).toMatch(new RegExp(`closed: \\d+ B to the server, ${FILES["big.bin"].length} B to the client, [\\d.]+ m?s`));

      const upload = payload(150_000, 3);
      hp = await pasv(ftp, c, PUBLIC, why);
      ds = await wanConnect(hp.host, hp.port);
      await ftp.sendExpect("STOR up.bin", [125, 150]);
      await ds.end(upload);
      expectCode(await ftp.readReply(), 226, ftp.context("STOR through the router completes once the client's FIN passes the router"));
      expect(sha256(fs.readFileSync(root.path("up.bin")))).toBe(sha256(upload));
      ftp.destroy();
    });

    itNeeding(["curl"], `curl ${trusting.slice(3).join(" ")} ftp://${PUBLIC}:PORT/ lists the folder`, async () => {
      const { server } = ready(c);
      const r = await curl([...trusting, "--interface", WAN, `ftp://${PUBLIC}:${server.port}/`]);
      if (r.code !== 0 || !r.stdout.includes("readme.txt")) throw new HarnessError(`${r.command} failed (${r.code}): ${r.stderr}\n${about(c)}`);
    });
  });

  describe.concurrent(`case 3: ${cases.map.name}: LAN and WAN clients each get their address`, () => {
    const c = cases.map;

    it(`a LAN client connecting to ${SERVER} directly is told 127,0,0,1 and lists without the router`, async () => {
      const ftp = await lanLogin(c);
      const hp = await pasv(ftp, c, SERVER, `the client (${SERVER}) is inside ${SERVER}/32, so the map's address applies`);
      const ds = await connectFrom(SERVER, hp.host, hp.port);
      expect(await list(ftp, ds, c)).toContain("readme.txt");
      expect(routerLinesFrom(ds)).toEqual([]);
      ftp.destroy();
    });

    it(`a WAN client through the router is told 127,0,0,2 and lists through it`, async () => {
      const ftp = await wanLogin(c);
      const hp = await pasv(ftp, c, PUBLIC, `the server sees the router (${PUBLIC}), outside ${SERVER}/32, so it gets --nat-address`);
      const ds = await wanConnect(hp.host, hp.port);
      expect(await list(ftp, ds, c)).toContain("readme.txt");
      await routerLine(ds, hp.port, "open");
      ftp.destroy();
    });

    itNeeding(["curl"], `curl ${trusting.slice(3).join(" ")} lists both from ftp://${SERVER}:PORT/ and from ftp://${PUBLIC}:PORT/`, async () => {
      const { server } = ready(c);
      for (const host of [SERVER, PUBLIC]) {
        const r = await curl([...trusting, "-v", `ftp://${host}:${server.port}/`]);
        if (r.code !== 0 || !r.stdout.includes("readme.txt")) throw new HarnessError(`${r.command} failed (${r.code}):\n${indent(r.stderr)}\n${about(c)}`);
        expect(r.stderr).toContain(`227 Entering Passive Mode (${host.replace(/\./g, ",")},`);
      }
    });
  });

  describe.concurrent("a passive range that is not forwarded, and EPSV", () => {
    it(`only the control port forwarded: 227 says ${PUBLIC} and a port in the range, and the data connection there is refused`, async () => {
      const c = cases.unforwarded;
      const ftp = await wanLogin(c);
      const hp = await pasv(ftp, c, PUBLIC, "--nat-address, as in case 2");
      await expect(wanConnect(hp.host, hp.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
      expect(routerLines(router!, hp.port)).toEqual([]); // nobody else uses this server's range
      ftp.destroy();
    });

    it(`EPSV through the router without any masquerade: 229 carries only the port, the client uses ${PUBLIC}`, async () => {
      const c = cases.private;
      const { range } = ready(c);
      const ftp = await wanLogin(c);
      const hp = await ftp.epsv(); // the control connection's host: 127.0.0.2
      expect(hp.host).toBe(PUBLIC);
      expect(hp.port).toBeGreaterThanOrEqual(range.from);
      expect(hp.port).toBeLessThanOrEqual(range.to);
      const ds = await wanConnect(hp.host, hp.port);
      expect(await list(ftp, ds, c)).toContain("readme.txt");
      await routerLine(ds, hp.port, "open");
      ftp.destroy();
    });
  });
});
