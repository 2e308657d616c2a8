/**
 * Lesson 2: passive ports. PASV and EPSV take their data port from a configured range
 * (--range FROM-TO, the ports a firewall or router forwards), and the server can listen on
 * every interface (-i 0.0.0.0) while still telling each client a real address.
 *
 *   C: PASV          S: 227 Entering Passive Mode (127,0,0,1,156,64)      port 156*256+64
 *   C: EPSV          S: 229 Entering Extended Passive Mode (|||40000|)    RFC 2428: port only
 *   C: EPSV 2        S: 522 ...                                           IPv6 asked on IPv4
 *   C: EPSV ALL      S: 200 ...     then PASV gets 503: the client promised EPSV only
 *
 * The ranges are chosen at random (below the ephemeral ports, see freeRange) from a seed that failure messages print
 * (STAGE_SEED=<n> reruns with the same ports).
 *
 * Run against your server:  FTP_TARGET=workspace npx vitest run test/lessons/02-passive-ports.test.ts
 */
import { afterAll, describe, it } from "vitest";
import { connectData, expectBytes, expectCode, type DataSocket, type FtpSocket } from "../harness/index.ts";
import net from "node:net";
import {
  download,
  expectAllowed,
  expectInRange,
  failWith,
  freePort,
  freeRange,
  lastReplyLine,
  listing,
  loopbackProblem,
  REPLY_MS,
  seedNote,
  useStageServer,
} from "./stage-helpers.ts";

/** LIST over a data connection that is already open (after PASV/EPSV): 150, data, 226. */
async function listOver(ftp: FtpSocket, ds: DataSocket, why: string): Promise<Buffer> {
  expectCode(await ftp.send("LIST"), [125, 150], ftp.context(`LIST must start (150) over the data connection ${why}`));
  const data = await ds.readAll();
  expectCode(await ftp.readReply(), 226, ftp.context(`LIST must end with 226 once the listing was sent over the data connection ${why}`));
  return data;
}

const EPSV_FORMAT = /^229 .*\((\|)\1\1(\d{1,5})\1\)/;

describe("--range FROM-TO: passive ports come from the range", () => {
  let range = { from: 0, to: 0 };
  const flag = () => `--range ${range.from}-${range.to}`;
  const srv = useStageServer({
    files: { "a.txt": "a\n", "b.txt": "b\n" },
    args: async () => {
      range = await freeRange(20);
      return ["--range", `${range.from}-${range.to}`];
    },
  });

  it("every PASV port is inside the range (8 PASVs in a row, each used for a LIST)", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    for (let i = 1; i <= 8; i++) {
      const ds = await ftp.openPassiveData("PASV");
      expectInRange(ftp, ds.remotePort, range, lastReplyLine(ftp), flag());
      const data = await listOver(ftp, ds, `of PASV number ${i}`);
      if (!data.toString("utf8").includes("a.txt")) {
        failWith(ftp, `The LIST over PASV number ${i} did not show a.txt: ${JSON.stringify(data.toString("utf8"))}.`);
      }
    }
  });

  it("EPSV answers '229 Entering Extended Passive Mode (|||port|)' with a port from the range, and a LIST over it works", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    const ds = await ftp.openPassiveData("EPSV");
    const line = lastReplyLine(ftp);
    if (!EPSV_FORMAT.test(line)) {
      failWith(ftp, `The EPSV reply "${line}" is not in RFC 2428's form.`, 'answer exactly "229 Entering Extended Passive Mode (|||PORT|)": three "|", the port, one "|"');
    }
    expectInRange(ftp, ds.remotePort, range, line, flag());
    const names = (await listOver(ftp, ds, "opened by EPSV")).toString("utf8");
    if (!names.includes("b.txt")) failWith(ftp, `The LIST over EPSV did not show b.txt: ${JSON.stringify(names)}.`);
  });

  it("if the server answers FEAT (lesson 0's going further), its list includes EPSV, so clients know they may use it", async () => {
    const ftp = await srv.connect();
    const feat = await ftp.send("FEAT");
    if (feat.code === 500 || feat.code === 502) return; // no FEAT at all: clients try EPSV anyway
    expectCode(feat, 211, ftp.context("FEAT, when a server has it, is answered with a multi-line 211 listing the extensions (RFC 2389)"));
    if (!feat.lines.slice(1, -1).some((l) => l.trim().toUpperCase() === "EPSV")) {
      failWith(ftp, `FEAT does not list EPSV: ${JSON.stringify(feat.lines)}.`, 'add a line " EPSV" to the FEAT reply (each feature on its own line, starting with a space)');
    }
  });

  it("'EPSV 2' asks for IPv6, which this IPv4 connection cannot use: the reply is 522", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    await ftp.sendExpect(
      "EPSV 2",
      522,
      'the argument is the network protocol: 1 = IPv4, 2 = IPv6; a protocol the control connection does not use gets "522 Network protocol not supported, use (1)" (RFC 2428)',
    );
  });

  it("'EPSV ALL' is accepted with 200; afterwards PASV gets 503 (the client promised EPSV only) and EPSV still works", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    await ftp.sendExpect("EPSV ALL", 200, "EPSV ALL tells the server that the client will use only EPSV from now on (RFC 2428); accept it with 200");
    await ftp.sendExpect("PASV", 503, "after EPSV ALL, PASV (and PORT, EPRT) must be refused with 503: remember the promise in the session");
    const names = await listing(ftp, "", "EPSV");
    if (!names.includes("a.txt")) failWith(ftp, `The LIST over EPSV after EPSV ALL did not show a.txt: ${JSON.stringify(names)}.`);
  });
});

describe("a one-port range: when it is taken, PASV fails cleanly", () => {
  let port = 0;
  const srv = useStageServer({
    files: { "only.txt": "the only file\n" },
    args: async () => {
      port = await freePort();
      return ["--range", `${port}-${port}`];
    },
  });

  it("when the range's only port is held by one session's PASV, another session's PASV gets 425 (no crash), and the first session can still use its port", async () => {
    const first = await srv.login("anonymous", "one@example.com");
    // PASV only: the port stays held (listening) until the client connects, which it does later.
    const hp = await first.pasv();
    expectInRange(first, hp.port, { from: port, to: port }, lastReplyLine(first), `--range ${port}-${port}`);

    const second = await srv.login("anonymous", "two@example.com");
    await second.sendExpect(
      "PASV",
      425,
      `the range ${port}-${port} has one port and the first session is waiting on it: when every port of the range is busy, ` +
        `answer 425 (can't open data connection) instead of using a port outside the range or crashing ${seedNote()}`,
    );
    await second.sendExpect("NOOP", 200, "after the 425 the session (and the server) must go on working");

    const ds = await connectData(srv.host, hp.port, REPLY_MS);
    const names = (await listOver(first, ds, `on port ${port}, which the first session still holds`)).toString("utf8");
    if (!names.includes("only.txt")) failWith(first, `The first session's LIST did not show only.txt: ${JSON.stringify(names)}.`);
  });
});

describe("-i 0.0.0.0: listening on every interface", () => {
  const srv = useStageServer({ listen: "0.0.0.0", files: { "hello.txt": "hello from every interface\n" } });

  it("a client on 127.0.0.1 is told 127,0,0,1 in the 227 reply (never 0,0,0,0), and a download over it works", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    const hp = await ftp.pasv();
    if (hp.host !== "127.0.0.1") {
      failWith(
        ftp,
        `The 227 reply announces ${hp.host} ("${lastReplyLine(ftp)}"); the client connected to 127.0.0.1.`,
        hp.host === "0.0.0.0"
          ? "0.0.0.0 means 'every interface' to listen(), but no client can connect to it: announce the address the client reached, i.e. the control connection's local address (socket.localAddress)"
          : "announce the address the client reached: the control connection's local address (socket.localAddress)",
      );
    }
    const t = await download(ftp, "RETR hello.txt");
    expectAllowed(ftp, t, "anonymous may download");
    expectBytes(t.data, Buffer.from("hello from every interface\n"), { ...ftp.context(), what: "RETR hello.txt" });
  });
});

describe("a range whose ports are partly taken by other programs: PASV skips the busy ones", () => {
  let range = { from: 0, to: 0 };
  const squatters: net.Server[] = [];
  const srv = useStageServer({
    files: { "x.txt": "x\n" },
    args: async () => {
      range = await freeRange(3);
      // Another program holds the first two ports of the range (on every interface).
      for (const port of [range.from, range.from + 1]) {
        const squatter = net.createServer((c) => c.destroy());
        await new Promise<void>((resolve, reject) => {
          squatter.once("error", reject);
          squatter.listen({ host: "0.0.0.0", port }, () => resolve());
        });
        squatters.push(squatter);
      }
      return ["--range", `${range.from}-${range.to}`];
    },
  });
  afterAll(() => {
    for (const s of squatters) s.close();
  });

  it("with two of three ports busy, every PASV gets the free one (a busy port is skipped, not an error), and a LIST over it works", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    for (let i = 1; i <= 4; i++) {
      const ds = await ftp.openPassiveData("PASV");
      if (ds.remotePort !== range.to) {
        failWith(
          ftp,
          `PASV number ${i} announced port ${ds.remotePort}; of the range ${range.from}-${range.to} only ${range.to} is free (another program listens on the other two). ${seedNote()}`,
          "try the ports of the range one after the other: when listening fails with EADDRINUSE, go on with the next port; 425 only when none is left",
        );
      }
      const data = await listOver(ftp, ds, `of PASV number ${i}`);
      if (!data.toString("utf8").includes("x.txt")) failWith(ftp, `The LIST over PASV number ${i} did not show x.txt.`);
    }
  });
});

const v6Problem = await loopbackProblem("::1");

describe.skipIf(v6Problem !== null)(`IPv6 (server on ::1): EPSV is the passive command that works${v6Problem ? ` (skipped: ::1 unusable here: ${v6Problem})` : ""}`, () => {
  const srv = useStageServer({ listen: "::1", files: { "six.txt": "over IPv6\n" } });

  it("EPSV over IPv6 answers 229 (|||port|), and a download over it works", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    const t = await download(ftp, "RETR six.txt", "EPSV");
    const line = lastReplyLine(ftp);
    expectAllowed(ftp, t, "EPSV must work over IPv6: its reply has only a port, and the client connects to the address it already uses");
    if (!EPSV_FORMAT.test(ftp.transcriptText().split("\n").find((l) => l.startsWith("S: 229"))?.slice(3) ?? "")) {
      failWith(ftp, `No "229 Entering Extended Passive Mode (|||port|)" reply before the download (last reply: "${line}").`);
    }
    expectBytes(t.data, Buffer.from("over IPv6\n"), { ...ftp.context(), what: "RETR six.txt over EPSV on ::1" });
  });

  it("'EPSV 1' (IPv4) on an IPv6 connection gets 522, and PASV (which cannot carry an IPv6 address) is refused", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    await ftp.sendExpect("EPSV 1", 522, 'this control connection is IPv6: the network protocol 1 (IPv4) is not supported here, "522 Network protocol not supported, use (2)"');
    const pasv = await ftp.send("PASV");
    if (pasv.code < 400) {
      failWith(ftp, `PASV over IPv6 was answered "${pasv.lines[0]}".`, "a 227 reply has room for four IPv4 numbers only: over IPv6 refuse PASV (425, or 5xx) and let the client use EPSV");
    }
    await ftp.sendExpect("NOOP", 200, "after the refused PASV the session goes on");
  });
});
