/**
 * Lesson 3: the masquerade address. Behind a router (NAT), the address the server sees on its
 * own socket is private; clients on the internet must be told the router's public address in
 * the 227 reply, while clients on the LAN must be told the LAN address:
 *
 *   --nat-address 203.0.113.7                    everyone (outside the map) is told 203,0,113,7
 *   --masquerade-map 192.168.1.0/24=192.168.1.10  clients from 192.168.1.x are told 192,168,1,10
 *   (neither)                                    the address the client connected to
 *
 * The tests play two networks on one machine: on Linux all of 127.0.0.0/8 is loopback, so a
 * client whose connection comes from 127.0.0.2 is "another network" than one from 127.0.0.1.
 * The announced public address is never connected to: the tests check the 227 reply, then
 * connect to the announced port on 127.0.0.1 (what the router would forward to).
 *
 * Run against your server:  FTP_TARGET=workspace npx vitest run test/lessons/03-masquerade.test.ts
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { expectCode, FtpSocket, makeTempRoot, runCli, targetEntry, type TempRoot } from "../harness/index.ts";
import {
  download,
  expectAllowed,
  expectStartupError,
  failWith,
  lastReplyWith,
  listNames,
  loginOn,
  loopbackProblem,
  REPLY_MS,
  useStageServer,
  type StageServer,
} from "./stage-helpers.ts";

/** The address in a 227 reply line, e.g. "203.0.113.7" (null if the line has no h1,...,p2 tuple). */
function announced(line: string): string | null {
  const m = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),\d{1,3},\d{1,3}/.exec(line);
  return m ? m.slice(1, 5).join(".") : null;
}

/**
 * PASV, check the announced address, then LIST over the announced port on the server's real
 * (loopback) address, as the router would forward it. Returns the listed names.
 */
async function pasvAnnounces(srv: StageServer, ftp: FtpSocket, want: string, cause: string): Promise<string[]> {
  const t = await download(ftp, "LIST", "PASV", srv.host);
  const line = lastReplyWith(ftp, 227);
  const got = announced(line);
  if (got !== want) {
    failWith(ftp, `The 227 reply announces ${got ?? "no address"} ("${line}"); this client must be told ${want}.`, cause);
  }
  expectAllowed(ftp, t, "anonymous may list");
  return listNames(t.data);
}

const NAT = "203.0.113.7";
const NAT_CAUSE =
  `with --nat-address ${NAT}, the 227 reply must carry that public address (clients outside reach the server through the router), ` +
  "not the control connection's local address";

describe(`--nat-address ${NAT}`, () => {
  const srv = useStageServer({ files: { "seen-through-nat.txt": "x\n" }, args: ["--nat-address", NAT] });

  it(`PASV announces the public address: the 227 reply carries 203,0,113,7, and its port is real (a LIST over 127.0.0.1:port works)`, async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    const names = await pasvAnnounces(srv, ftp, NAT, NAT_CAUSE);
    if (!names.includes("seen-through-nat.txt")) {
      failWith(ftp, `The LIST over the announced port did not show seen-through-nat.txt: ${JSON.stringify(names)}.`, "the port in the 227 reply must be the one the server listens on");
    }
  });

  it("EPSV is not affected: its 229 reply has only a port (|||port|), no address, and a LIST over it works", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    const t = await download(ftp, "LIST", "EPSV");
    const line = lastReplyWith(ftp, 229);
    if (!/\((\|)\1\1\d{1,5}\1\)/.test(line)) {
      failWith(ftp, `The EPSV reply "${line}" is not "229 Entering Extended Passive Mode (|||port|)".`, "EPSV never carries an address (RFC 2428): the masquerade address only changes PASV's 227");
    }
    expectAllowed(ftp, t, "anonymous may list");
    if (!listNames(t.data).includes("seen-through-nat.txt")) failWith(ftp, "The LIST over EPSV did not show seen-through-nat.txt.");
  });
});

describe(`--masquerade-map 127.0.0.2/32=10.0.0.2 --nat-address ${NAT}`, () => {
  const srv = useStageServer({ files: { "lan.txt": "x\n" }, args: ["--masquerade-map", "127.0.0.2/32=10.0.0.2", "--nat-address", NAT] });

  it("a client from a mapped network (its control connection comes from 127.0.0.2) is told that network's address: 10,0,0,2", async () => {
    const ftp = await srv.login("anonymous", "lan@example.com", { localAddress: "127.0.0.2" });
    await pasvAnnounces(
      srv,
      ftp,
      "10.0.0.2",
      "the client's address (the control connection's remote address, 127.0.0.2) is inside 127.0.0.2/32, so the map's address wins over --nat-address",
    );
  });

  it(`a client from outside every mapped network (127.0.0.1) is told the --nat-address: 203,0,113,7`, async () => {
    const ftp = await srv.login("anonymous", "wan@example.com", { localAddress: "127.0.0.1" });
    await pasvAnnounces(srv, ftp, NAT, `127.0.0.1 is not inside 127.0.0.2/32, so it gets the --nat-address (${NAT_CAUSE})`);
  });
});

describe("--masquerade-map 127.0.0.2/32=10.0.0.2 without --nat-address", () => {
  const srv = useStageServer({ files: { "lan.txt": "x\n" }, args: ["--masquerade-map", "127.0.0.2/32=10.0.0.2"] });

  it("clients outside the map are told the address they connected to (127,0,0,1); clients inside still get 10,0,0,2", async () => {
    const outside = await srv.login("anonymous", "wan@example.com", { localAddress: "127.0.0.1" });
    await pasvAnnounces(
      srv,
      outside,
      "127.0.0.1",
      "no rule of the map matches 127.0.0.1 and there is no --nat-address: announce the control connection's local address",
    );
    const inside = await srv.login("anonymous", "lan@example.com", { localAddress: "127.0.0.2" });
    await pasvAnnounces(srv, inside, "10.0.0.2", "127.0.0.2 is inside 127.0.0.2/32: the map applies even without --nat-address");
  });
});

describe("--masquerade-map with two rules (comma-separated): each network gets its own address", () => {
  const srv = useStageServer({
    files: { "lan.txt": "x\n" },
    args: ["--masquerade-map", "127.0.0.2/32=10.0.0.2, 127.0.0.3/32=10.0.0.3", "--nat-address", NAT],
  });

  it("a client from 127.0.0.3 matches the second rule (10,0,0,3), one from 127.0.0.2 the first (10,0,0,2), one from 127.0.0.1 neither", async () => {
    const third = await srv.login("anonymous", "c@example.com", { localAddress: "127.0.0.3" });
    await pasvAnnounces(srv, third, "10.0.0.3", "the map has two rules separated by a comma; 127.0.0.3 is inside the second one, 127.0.0.3/32: check every rule, not only the first");
    const second = await srv.login("anonymous", "b@example.com", { localAddress: "127.0.0.2" });
    await pasvAnnounces(srv, second, "10.0.0.2", "127.0.0.2 is inside the first rule, 127.0.0.2/32");
    const outside = await srv.login("anonymous", "a@example.com", { localAddress: "127.0.0.1" });
    await pasvAnnounces(srv, outside, NAT, `127.0.0.1 is in neither network: it gets the --nat-address (${NAT_CAUSE})`);
  });
});

describe("--masquerade-map 127.0.0.0/8=10.0.0.8: a network wider than one address", () => {
  const srv = useStageServer({ files: { "lan.txt": "x\n" }, args: ["--masquerade-map", "127.0.0.0/8=10.0.0.8"] });

  it("clients from 127.0.0.1 and from 127.0.0.5 are both inside 127.0.0.0/8 (the first 8 bits decide) and are told 10,0,0,8", async () => {
    for (const from of ["127.0.0.1", "127.0.0.5"]) {
      const ftp = await srv.login("anonymous", "lan@example.com", { localAddress: from });
      await pasvAnnounces(srv, ftp, "10.0.0.8", `${from} is inside 127.0.0.0/8: compare the first 8 bits of the client's address with the network's, not the whole address`);
      ftp.destroy();
    }
  });
});

const dualStack = await loopbackProblem("::");

describe.skipIf(dualStack !== null)(`-i :: (IPv4 clients arrive as ::ffff:a.b.c.d)${dualStack ? ` (skipped: :: unusable here: ${dualStack})` : ""}`, () => {
  const srv = useStageServer({ listen: "::", files: { "lan.txt": "x\n" }, args: ["--masquerade-map", "127.0.0.2/32=10.0.0.2"] });

  it("a client from 127.0.0.2 on a dual-stack listener (its address reads ::ffff:127.0.0.2) still matches 127.0.0.2/32 and is told 10,0,0,2", async () => {
    const ftp = await FtpSocket.connect("127.0.0.1", srv.port, { timeoutMs: REPLY_MS, localAddress: "127.0.0.2" });
    try {
      expectCode(ftp.greeting, 220, ftp.context("a new connection is greeted with 220"));
      await loginOn(ftp, "anonymous", "lan@example.com");
      const t = await download(ftp, "LIST", "PASV", "127.0.0.1");
      const line = lastReplyWith(ftp, 227);
      if (announced(line) !== "10.0.0.2") {
        failWith(
          ftp,
          `The 227 reply announces ${announced(line) ?? "no address"} ("${line}"); this client (127.0.0.2) must be told 10.0.0.2.`,
          "on a listener for :: (IPv6 and IPv4), an IPv4 client's address is written ::ffff:127.0.0.2 (an IPv4-mapped IPv6 address): turn it back into 127.0.0.2 before matching it against IPv4 networks",
        );
      }
      expectAllowed(ftp, t, "anonymous may list");
    } finally {
      ftp.destroy();
    }
  });
});

describe.concurrent("a bad masquerade setting stops the server at start", () => {
  let root: TempRoot;
  beforeAll(() => {
    root = makeTempRoot();
  });
  afterAll(() => root.cleanup());
  const run = (...flags: string[]) => runCli(["-i", "127.0.0.1", "-p", "0", "-d", root.dir, ...flags], { entry: targetEntry(), stopWhenListening: true });

  it("--nat-address 300.1.1.1 (not an IPv4 address) stops the server: exit code 2 and an error naming the value", async () => {
    expectStartupError(await run("--nat-address", "300.1.1.1"), ["300.1.1.1"], "--nat-address 300.1.1.1 (300 is not a byte)");
  });

  it("--nat-address ftp.example.com (a name, not an address) stops the server: exit code 2 and an error naming the value", async () => {
    expectStartupError(await run("--nat-address", "ftp.example.com"), ["ftp.example.com"], "--nat-address ftp.example.com (227 replies carry four numbers, not a name)");
  });

  it("--masquerade-map 127.0.0.2=10.0.0.2 (no /BITS) stops the server: exit code 2 and an error naming the value", async () => {
    expectStartupError(await run("--masquerade-map", "127.0.0.2=10.0.0.2"), ["127.0.0.2=10.0.0.2"], "--masquerade-map 127.0.0.2=10.0.0.2 (rules are NETWORK/BITS=ADDRESS)");
  });
});
