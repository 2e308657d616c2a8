/**
 * Lesson 7: port mapping, running behind a router.
 *
 * At home the server sits behind a router: clients on the internet reach the router's public
 * address, and the router forwards chosen ports to the server. For FTP that is the control
 * port AND every passive data port, and PASV replies must announce the public address. The
 * server helps the operator get this right:
 *
 *   $ ftpd -i 0.0.0.0 -p 2121 --range 60000-60010 --nat-address 203.0.113.7
 *   LISTENING 0.0.0.0:2121
 *   ...
 *   Behind a router: forward TCP port 2121 and ports 60000-60010 to this machine; PASV replies
 *   announce 203.0.113.7 (EPSV replies carry no address).
 *
 * and warns on stderr (`ftpd: warning: ...`) about setups that cannot work from outside:
 * --nat-address without --range (random passive ports cannot be forwarded), a private or a
 * carrier-grade NAT --nat-address, --nat-address while listening on a loopback address,
 * --masquerade-map without --nat-address, and a map that tells a network an address outside
 * it (hairpin NAT). These are advice:
 * the server starts anyway. Without --nat-address, --masquerade-map or --range it says nothing.
 *
 * The tests match the key facts (port, range, address, flag names), not your exact words.
 *
 * Run: npx vitest run test/lessons/07-port-mapping.test.ts
 *      (npm run lesson 7 runs them against your workspace)
 */
import path from "node:path";
import { describe, it } from "vitest";
import {
  FtpSocket,
  HarnessError,
  REPO_ROOT,
  connectData,
  expectCode,
  explainFailure,
  makeTempRoot,
  parsePasv,
  startServer,
  targetEntry,
  type RunningServer,
} from "../harness/index.ts";
import { REPLY_MS, expectTransferComplete, indent, listingLines, loopbackProblem, sleep, useStageServer } from "./stage-helpers.ts";

const PUBLIC = "203.0.113.7"; // a documentation address (RFC 5737) standing in for the router's public one
const PRIVATE = "192.168.1.10";

/** A random 11-port range below the usual ephemeral ports, so parallel runs rarely collide. */
function randomRange(): { from: number; to: number; text: string } {
  const from = 20000 + Math.floor(Math.random() * 9000);
  return { from, to: from + 10, text: `${from}-${from + 10}` };
}

const ENTRY = path.relative(REPO_ROOT, targetEntry());
const v6Problem = await loopbackProblem("::1");

/** The command a learner would type to see the same output (port 2121 instead of a random one). */
function repro(host: string, args: string[]): string {
  return `npx tsx ${ENTRY} -i ${host} -p 2121 -d /tmp ${args.join(" ")}`;
}

function describeOutput(server: RunningServer): string {
  return [`  server:    ${server.command}`, `  stdout:\n${indent(server.stdout())}`, `  stderr:\n${indent(server.stderr())}`].join("\n");
}

/** Start the stage with these flags, check it answers (220), run `fn`, always stop it. */
async function withServer(host: string, args: string[], fn: (server: RunningServer) => Promise<void>): Promise<void> {
  const root = makeTempRoot({ "readme.txt": "behind a router\n" });
  let server: RunningServer | undefined;
  try {
    server = await startServer({ entry: targetEntry(), root: root.dir, host, args });
    await expectServes(server);
    await fn(server);
  } finally {
    await server?.stop();
    root.cleanup();
  }
}

/** Advice is not an error: the server must still accept connections. */
async function expectServes(server: RunningServer): Promise<void> {
  const dial = server.host === "0.0.0.0" ? "127.0.0.1" : server.host;
  const ftp = await FtpSocket.connect(dial, server.port, { timeoutMs: REPLY_MS });
  try {
    expectCode(ftp.greeting, 220, { sent: "", host: dial, port: server.port, why: "router advice and warnings are advice: the server must still start and greet clients" });
  } finally {
    ftp.destroy();
  }
}

/** Lines of a stream (complete ones), waiting up to `ms` for one that `match` accepts. */
async function waitForLine(server: RunningServer, stream: "stdout" | "stderr", match: (line: string) => boolean, ms = 3000): Promise<string | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const line = server[stream]()
      .split("\n")
      .map((l) => l.replace(/\r$/, ""))
      .find(match);
    if (line !== undefined || Date.now() > deadline) return line;
    await sleep(50);
  }
}

const isNote = (l: string) => l.startsWith("Behind a router:");
const isWarning = (l: string) => l.startsWith("ftpd: warning: ");

interface Fact {
  re: RegExp;
  /** What the fact is, for the message: "the control port 2121". */
  what: string;
}

const portFact = (port: number): Fact => ({ re: new RegExp(`(?<!\\d)${port}(?!\\d)`), what: `the control port ${port}` });
const rangeFact = (r: { from: number; to: number }): Fact => ({ re: new RegExp(`(?<!\\d)${r.from}\\s*(?:-|–|to)\\s*${r.to}(?!\\d)`), what: `the passive range ${r.from}-${r.to}` });
const addressFact = (a: string): Fact => ({ re: new RegExp(`(?<![\\d.])${a.replace(/\./g, "\\.")}(?![\\d.])`), what: `the address ${a}` });

/** The stdout note: exactly one line starting "Behind a router:", containing every fact. */
async function expectNote(server: RunningServer, facts: Fact[], cmd: string): Promise<string> {
  const note = await waitForLine(server, "stdout", isNote);
  const cause =
    "after the LISTENING line, when --nat-address, --masquerade-map or --range is given, print one line on stdout starting " +
    '"Behind a router:" that says which TCP ports to forward (the control port and the passive range) and what PASV replies announce';
  if (note === undefined) {
    throw new HarnessError(`The server printed no line starting "Behind a router:" on stdout.\n  cause:     ${cause}\n  reproduce: ${cmd}\n${describeOutput(server)}`);
  }
  const count = server.stdout().split("\n").filter(isNote).length;
  const missing = facts.filter((f) => !f.re.test(note)).map((f) => f.what);
  if (count !== 1 || missing.length) {
    throw new HarnessError(
      [
        count !== 1 ? `The server printed ${count} "Behind a router:" lines; one is enough.` : `The "Behind a router:" line does not name ${missing.join(", ")}.`,
        `  line:      ${note}`,
        `  cause:     ${cause}`,
        `  reproduce: ${cmd}`,
        describeOutput(server),
      ].join("\n"),
    );
  }
  return note;
}

/** A stderr line starting "ftpd: warning: " that contains every fact. */
async function expectWarning(server: RunningServer, facts: Fact[], cause: string, cmd: string): Promise<string> {
  const warning = await waitForLine(server, "stderr", (l) => isWarning(l) && facts.every((f) => f.re.test(l)));
  if (warning === undefined) {
    const seen = server.stderr().split("\n").filter(isWarning);
    throw new HarnessError(
      [
        `No warning on stderr that mentions ${facts.map((f) => f.what).join(" and ")}.`,
        `  expected:  a line "ftpd: warning: ..." (the server still starts)`,
        `  warnings:  ${seen.length ? seen.join("\n             ") : "(none)"}`,
        `  cause:     ${cause}`,
        `  reproduce: ${cmd}`,
        describeOutput(server),
      ].join("\n"),
    );
  }
  return warning;
}

function expectNoWarnings(server: RunningServer, why: string, cmd: string): void {
  const seen = server.stderr().split("\n").filter(isWarning);
  if (seen.length) {
    throw new HarnessError(`The server printed a warning, but ${why}.\n  warnings:  ${seen.join("\n             ")}\n  reproduce: ${cmd}\n${describeOutput(server)}`);
  }
}

// ---- the router note -------------------------------------------------------------------------

const e2eRange = randomRange();
const e2eArgs = ["--range", e2eRange.text, "--nat-address", PUBLIC];

describe.concurrent(`lesson 7: a server set up for a router (-i 0.0.0.0 ${e2eArgs.join(" ")})`, () => {
  const stage = useStageServer({ files: { "pub.txt": "from behind the router\n" }, listen: "0.0.0.0", args: e2eArgs });
  const cmd = () => repro("0.0.0.0", e2eArgs);

  it("prints one line 'Behind a router:' naming the control port, the passive range and the announced address, and no warning", async () => {
    const server = stage.server;
    await expectNote(server, [portFact(server.port), rangeFact(e2eRange), addressFact(PUBLIC)], cmd());
    expectNoWarnings(server, `this setup is right (all interfaces, a port range, a public --nat-address): warnings are for mistakes`, cmd());
  });

  it(`PASV announces ${PUBLIC.replace(/\./g, ",")} with a port inside the range, and a LIST over that port works`, async () => {
    await stage.session(async (ftp) => {
      const reply = await ftp.sendExpect("PASV", 227, "PASV is answered with 227 (h1,h2,h3,h4,p1,p2)");
      const hp = parsePasv(reply);
      if ("error" in hp) throw explainFailure(`Malformed PASV reply: ${hp.error}.`, reply, ftp.context("227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)"));
      if (hp.host !== PUBLIC) {
        throw explainFailure(
          `PASV announced ${hp.host}, not the --nat-address ${PUBLIC}.`,
          reply,
          ftp.context("behind a router, clients must be told the router's public address (lesson 3's masquerade), still true with -i 0.0.0.0"),
        );
      }
      if (hp.port < e2eRange.from || hp.port > e2eRange.to) {
        throw explainFailure(`PASV announced port ${hp.port}, outside --range ${e2eRange.text}.`, reply, ftp.context("the router only forwards the range: every passive port must come from it (lesson 2)"));
      }
      // The router would forward PUBLIC:port to us; on this machine we connect to 127.0.0.1:port directly.
      const ds = await connectData("127.0.0.1", hp.port, REPLY_MS);
      try {
        await ftp.sendExpect("LIST", [125, 150], "LIST starts the listing over the passive connection");
        const lines = listingLines(await ds.readAll(REPLY_MS));
        await expectTransferComplete(ftp, "LIST");
        if (!lines.some((l) => l.endsWith(" pub.txt"))) {
          throw new HarnessError(`LIST over the passive port did not list pub.txt.\n  received:\n${indent(lines.join("\n"))}\n${stage.about()}`);
        }
      } finally {
        ds.destroy();
      }
    });
  });

  it("EPSV gives a port inside the range (EPSV carries no address, so there is nothing to masquerade) and a LIST over it works", async () => {
    await stage.session(async (ftp) => {
      const hp = await ftp.epsv();
      if (hp.port < e2eRange.from || hp.port > e2eRange.to) {
        throw new HarnessError(`EPSV gave port ${hp.port}, outside --range ${e2eRange.text}.\n  transcript:\n${indent(ftp.transcriptText())}\n${stage.about()}`);
      }
      const ds = await connectData("127.0.0.1", hp.port, REPLY_MS);
      try {
        await ftp.sendExpect("LIST", [125, 150], "LIST starts the listing over the EPSV connection");
        const lines = listingLines(await ds.readAll(REPLY_MS));
        await expectTransferComplete(ftp, "LIST");
        if (!lines.some((l) => l.endsWith(" pub.txt"))) {
          throw new HarnessError(`LIST over the EPSV port did not list pub.txt.\n  received:\n${indent(lines.join("\n"))}\n${stage.about()}`);
        }
      } finally {
        ds.destroy();
      }
    });
  });
});

describe.concurrent("lesson 7: the router note for the other router settings, and silence without them", () => {
  it("--range alone: the note names the control port and the passive range", async () => {
    const range = randomRange();
    const args = ["--range", range.text];
    await withServer("0.0.0.0", args, async (server) => {
      await expectNote(server, [portFact(server.port), rangeFact(range)], repro("0.0.0.0", args));
    });
  });

  it("--masquerade-map with --nat-address: the note names the control port, each mapped network with its address, and the address everyone else is told", async () => {
    const range = randomRange();
    const args = ["--range", range.text, "--masquerade-map", `192.168.1.0/24=${PRIVATE}`, "--nat-address", PUBLIC];
    await withServer("0.0.0.0", args, async (server) => {
      await expectNote(
        server,
        [portFact(server.port), { re: /192\.168\.1\.0\/24/, what: "the mapped network 192.168.1.0/24" }, addressFact(PRIVATE), addressFact(PUBLIC)],
        repro("0.0.0.0", args),
      );
      expectNoWarnings(server, "this setup is right (the LAN is told the LAN address, everyone else the public one)", repro("0.0.0.0", args));
    });
  });

  it("without --nat-address, --masquerade-map or --range: no router note and no warning", async () => {
    await withServer("127.0.0.1", [], async (server) => {
      await sleep(300); // anything printed right after LISTENING has arrived by now
      const cmd = repro("127.0.0.1", []);
      const note = server.stdout().split("\n").find(isNote);
      if (note !== undefined) {
        throw new HarnessError(`The server printed a router note although no router setting was given.\n  line:      ${note}\n  cause:     the note is only for --nat-address, --masquerade-map or --range; a plain local server says nothing about routers\n  reproduce: ${cmd}\n${describeOutput(server)}`);
      }
      expectNoWarnings(server, "no router setting was given, so there is nothing to warn about", cmd);
    });
  });
});

// ---- warnings --------------------------------------------------------------------------------

describe.concurrent("lesson 7: warnings for setups that cannot work from the internet (the server still starts)", () => {
  it("--nat-address without --range: warns that passive ports are random (a router cannot forward them) and names --range", async () => {
    const args = ["--nat-address", PUBLIC];
    await withServer("0.0.0.0", args, async (server) => {
      await expectWarning(
        server,
        [
          { re: /random/i, what: "that passive ports are random" },
          { re: /--range/, what: "the flag --range" },
        ],
        "without --range the OS picks any free port for each PASV, and a router can only forward ports it knows in advance",
        repro("0.0.0.0", args),
      );
    });
  });

  it(`--nat-address ${PRIVATE} (a private address): warns that it is private and clients on the internet need the public one`, async () => {
    const range = randomRange();
    const args = ["--range", range.text, "--nat-address", PRIVATE];
    await withServer("0.0.0.0", args, async (server) => {
      await expectWarning(
        server,
        [addressFact(PRIVATE), { re: /private/i, what: 'the word "private"' }, { re: /public/i, what: "that a public address is needed" }],
        "10.x, 172.16-31.x and 192.168.x addresses exist only inside a LAN; announced to a client on the internet they lead nowhere. Put the router's public address in --nat-address",
        repro("0.0.0.0", args),
      );
    });
  });

  it("--nat-address 100.64.12.34 (carrier-grade NAT, 100.64.0.0/10): warns that forwarding on your router cannot help", async () => {
    const range = randomRange();
    const args = ["--range", range.text, "--nat-address", "100.64.12.34"];
    await withServer("0.0.0.0", args, async (server) => {
      await expectWarning(
        server,
        [addressFact("100.64.12.34"), { re: /carrier[- ]grade|CGN/i, what: 'the words "carrier-grade NAT"' }],
        "100.64.0.0/10 is shared address space (RFC 6598): a router whose WAN address is in it sits behind the provider's own NAT, so its port forwarding is never reached from the internet",
        repro("0.0.0.0", args),
      );
    });
  });

  it("--masquerade-map without --nat-address: warns that everyone outside the map is told this machine's own address, and names --nat-address", async () => {
    const range = randomRange();
    const args = ["--range", range.text, "--masquerade-map", `192.168.1.0/24=${PRIVATE}`];
    await withServer("0.0.0.0", args, async (server) => {
      await expectWarning(
        server,
        [{ re: /--nat-address/, what: "the flag --nat-address" }],
        "the map covers the LAN; a client from the internet matches no rule and is told the address it connected to, which behind a router is the server's private address",
        repro("0.0.0.0", args),
      );
    });
  });

  it(`--masquerade-map 192.168.1.0/24=${PUBLIC} (an address outside the network): warns about hairpin NAT`, async () => {
    const range = randomRange();
    const args = ["--range", range.text, "--masquerade-map", `192.168.1.0/24=${PUBLIC}`, "--nat-address", PUBLIC];
    await withServer("0.0.0.0", args, async (server) => {
      await expectWarning(
        server,
        [{ re: /192\.168\.1\.0\/24/, what: "the network 192.168.1.0/24" }, { re: /hairpin/i, what: 'the word "hairpin"' }],
        "the map exists to tell LAN clients the LAN address; telling them one outside their network (the public one) only works if the router does hairpin NAT",
        repro("0.0.0.0", args),
      );
    });
  });

  it("--nat-address while listening on 127.0.0.1: warns that other machines cannot reach it and suggests -i 0.0.0.0", async () => {
    const range = randomRange();
    const args = ["--range", range.text, "--nat-address", PUBLIC];
    await withServer("127.0.0.1", args, async (server) => {
      await expectWarning(
        server,
        [
          { re: /127\.0\.0\.1|loopback/i, what: "the loopback address it listens on (127.0.0.1)" },
          { re: /-i 0\.0\.0\.0/, what: "the fix -i 0.0.0.0" },
        ],
        "127.0.0.1 is reachable from this machine only, so a router cannot forward anything to it; listen on all interfaces with -i 0.0.0.0",
        repro("127.0.0.1", args),
      );
    });
  });

  it.skipIf(v6Problem !== null)(`--nat-address while listening on ::1 (IPv6 loopback) warns the same way${v6Problem ? ` (skipped: ::1 unusable here: ${v6Problem})` : ""}`, async () => {
    const range = randomRange();
    const args = ["--range", range.text, "--nat-address", PUBLIC];
    await withServer("::1", args, async (server) => {
      await expectWarning(
        server,
        [
          { re: /::1|loopback/i, what: "the loopback address it listens on (::1)" },
          { re: /-i 0\.0\.0\.0/, what: "the fix -i 0.0.0.0" },
        ],
        "::1 is the IPv6 loopback address: like 127.0.0.1 it is reachable from this machine only",
        repro("::1", args),
      );
    });
  });
});
