/**
 * Lesson 6: active versus passive mode.
 *
 * In passive mode (PASV/EPSV, lessons 2-3) the server listens and the client connects. In
 * active mode the client listens and says where with PORT (RFC 959) or EPRT (RFC 2428, also
 * IPv6), and the server connects to it when a transfer starts:
 *
 *   C: PORT 127,0,0,1,195,80        (I listen on 127.0.0.1, port 195*256+80 = 50000)
 *   S: 200 PORT command successful.
 *   C: RETR data.bin
 *   S: 150 ...                      (the server now connects to 127.0.0.1:50000)
 *   S: 226 Transfer complete.       (after sending the file and closing that connection)
 *
 * RFC 2577 (FTP security): the server only connects back to the client's own address and
 * never to a privileged port (below 1024), or anyone could use it to attack a third machine.
 *
 * Run: npx vitest run test/lessons/06-active-passive.test.ts
 *      (npm run lesson 6 runs them against your workspace)
 */
import fs from "node:fs";
import path from "node:path";
import net, { type Socket } from "node:net";
import { describe, it } from "vitest";
import { HarnessError, expectBytes, explainFailure, makeTempRoot, type FtpSocket } from "../harness/index.ts";
import { itNeeding } from "../harness/tools-available.ts";
import {
  REPLY_MS,
  expectTransferComplete,
  fileText,
  indent,
  listingLines,
  loopbackProblem,
  passiveRead,
  payload,
  readJsonLines,
  runTool,
  sha256,
  toolFailure,
  useStageServer,
  waitFor,
  type StageServer,
} from "./stage-helpers.ts";

const DATA = payload(200 * 1024 + 13, 6); // every byte value, \r and \n included
const FILES = { "data.bin": DATA, "hello.txt": "hello, active mode\n", "docs/guide.txt": "read me\n" };

const WHY_PORT =
  "PORT h1,h2,h3,h4,p1,p2 tells the server where the client listens (address h1.h2.h3.h4, port p1*256+p2); " +
  "the server answers 200 and connects there when the next transfer starts (is PORT in your command table?)";
const WHY_EPRT =
  "EPRT |1|address|port| (IPv4) or |2|address|port| (IPv6) is PORT in the RFC 2428 format; the server answers 200 " +
  "(is EPRT in your command table?)";

/**
 * Active mode, start to finish: listen, PORT or EPRT, then `command` (150), accept the
 * server's connection, read it (or send `upload` on it), 226. Returns what was read.
 */
async function activeTransfer(
  stage: StageServer,
  ftp: FtpSocket,
  how: "PORT" | "EPRT",
  command: string,
  opts: { upload?: Buffer; listenOn?: string } = {},
): Promise<Buffer> {
  const l = await ftp.activeListener(opts.listenOn ?? "127.0.0.1");
  await ftp.sendExpect(`${how} ${how === "PORT" ? l.portArg : l.eprtArg}`, 200, how === "PORT" ? WHY_PORT : WHY_EPRT);
  await ftp.sendExpect(command, [150, 125], `${command} starts a transfer; in active mode the server says 150 and then connects to ${l.host}:${l.port}`);
  let sock: Socket;
  try {
    sock = await l.accept(REPLY_MS);
  } catch (err) {
    throw new HarnessError(
      `${(err as Error).message}\n` +
        `  cause:     after 150 the server must open a TCP connection to the address and port from ${how} (node: net.connect({ host, port })), ` +
        `send or receive the data on it, close it, then reply 226.\n` +
        `  transcript:\n${indent(ftp.transcriptText())}\n${stage.about()}`,
    );
  }
  let data: Buffer = Buffer.alloc(0);
  const upload = opts.upload;
  if (upload) await new Promise<void>((resolve) => sock.end(upload, () => resolve()));
  else data = await ftp.readAll(sock, REPLY_MS);
  await expectTransferComplete(ftp, `${command} over ${how}`, 15_000);
  return data;
}

const v4Extra = await loopbackProblem("127.0.0.2");
const v6Problem = await loopbackProblem("::1");

describe.concurrent("lesson 6: PORT and EPRT, the server connects to the client", () => {
  const stage = useStageServer({ files: FILES, args: ["-w"] });

  it("PORT to a port the client listens on is answered 200; LIST then arrives over a connection the server opens (150, listing, 226)", async () => {
    await stage.session(async (ftp) => {
      const listing = await activeTransfer(stage, ftp, "PORT", "LIST");
      const lines = listingLines(listing);
      for (const name of ["hello.txt", "data.bin", "docs"]) {
        if (!lines.some((l) => l.endsWith(` ${name}`))) {
          throw new HarnessError(`The LIST sent over the active connection has no line for ${name}.\n  received:\n${indent(lines.join("\n"))}\n${stage.about()}`);
        }
      }
    });
  });

  it("RETR over PORT delivers the file byte for byte", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("TYPE I", 200, "TYPE I switches to binary mode");
      const data = await activeTransfer(stage, ftp, "PORT", "RETR data.bin");
      expectBytes(data, DATA, { what: `RETR data.bin over PORT (sha256 expected ${sha256(DATA)}, received ${sha256(data)})`, ...ftp.context() });
    });
  });

  it("STOR over PORT: the server connects, reads the upload, and the file lands on disk intact", async () => {
    const upload = payload(150_001, 61);
    await stage.session(async (ftp) => {
      await ftp.sendExpect("TYPE I", 200, "TYPE I switches to binary mode");
      await activeTransfer(stage, ftp, "PORT", "STOR uploaded-active.bin", { upload });
      const onDisk = fs.existsSync(stage.root.path("uploaded-active.bin")) ? stage.root.read("uploaded-active.bin") : Buffer.alloc(0);
      expectBytes(onDisk, upload, { what: "the file written by STOR uploaded-active.bin over PORT", ...ftp.context() });
    });
  });

  it("EPRT |1|127.0.0.1|port| works like PORT: RETR arrives byte for byte", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("TYPE I", 200, "TYPE I switches to binary mode");
      const data = await activeTransfer(stage, ftp, "EPRT", "RETR data.bin");
      expectBytes(data, DATA, { what: "RETR data.bin over EPRT", ...ftp.context() });
    });
  });

  it("one session can use both modes: the same file downloaded in passive mode, then in active mode, is identical", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("TYPE I", 200, "TYPE I switches to binary mode");
      const viaPassive = await passiveRead(ftp, "RETR data.bin", "PASV");
      expectBytes(viaPassive, DATA, { what: "RETR data.bin in passive mode (PASV)", ...ftp.context() });
      const viaActive = await activeTransfer(stage, ftp, "PORT", "RETR data.bin");
      expectBytes(viaActive, DATA, {
        what: "RETR data.bin in active mode (PORT), right after a passive download in the same session",
        ...ftp.context("PORT must replace the passive setup of an earlier PASV: the data connection is chosen by the last PASV/EPSV/PORT/EPRT"),
      });
      // And back: a PASV after PORT must switch to passive again.
      const again = await passiveRead(ftp, "RETR data.bin", "EPSV");
      expectBytes(again, DATA, { what: "RETR data.bin in passive mode (EPSV) after an active transfer", ...ftp.context() });
    });
  });

  it("one PORT serves one transfer: a second LIST after it gets 425", async () => {
    await stage.session(async (ftp) => {
      await activeTransfer(stage, ftp, "PORT", "LIST");
      const r = await ftp.send("LIST");
      if (r.code !== 425) {
        throw explainFailure(
          `A second LIST after one PORT got ${r.code}, expected 425.`,
          r,
          ftp.context("like a PASV, a PORT sets up the data connection of ONE transfer; the transfer uses it up, and the next one needs a new PORT/EPRT/PASV/EPSV (425 otherwise)"),
        );
      }
    });
  });

  it(`PORT to another address than the client's own is refused with 501 and the server never connects there (RFC 2577)`, async () => {
    await stage.session(async (ftp) => {
      // A machine the client does not own: documentation address 192.0.2.1 (RFC 5737), port 50000.
      await ftp.sendExpect(
        "PORT 192,0,2,1,195,80",
        501,
        "RFC 2577 (bounce attack): PORT may only name the client's own address (the one its control connection comes from); anything else is refused with 501",
      );
      if (v4Extra !== null) return; // no 127.0.0.2 here: cannot watch for the connection
      // 127.0.0.2 is another loopback address (Linux): we can listen there and watch.
      const l = await ftp.activeListener("127.0.0.2");
      await ftp.sendExpect(
        `PORT ${l.portArg}`,
        501,
        `the client is 127.0.0.1, so PORT to 127.0.0.2 names someone else's address: refuse it with 501 (compare with the control connection's remoteAddress)`,
      );
      const r = await ftp.send("LIST");
      if (r.code === 150 || r.code === 125) {
        throw explainFailure(
          "After a refused PORT, LIST started a transfer: the refused address was kept.",
          r,
          ftp.context("a refused PORT must not set up a data connection; LIST should fail with 425 (no data connection)"),
        );
      }
      const came = await l.accept(500).then(
        () => true,
        () => false,
      );
      if (came) {
        throw new HarnessError(`The server connected to 127.0.0.2:${l.port} although it refused "PORT ${l.portArg}".\n  transcript:\n${indent(ftp.transcriptText())}\n${stage.about()}`);
      }
    });
  });

  it("PORT to a privileged port (below 1024) is refused with 501 (RFC 2577)", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("PORT 127,0,0,1,0,25", 501, "RFC 2577: ports below 1024 belong to system services (25 is mail); a PORT naming one is refused with 501");
      await ftp.sendExpect("EPRT |1|127.0.0.1|80|", 501, "the same rule holds for EPRT: port 80 is below 1024");
    });
  });

  it("a malformed PORT (five numbers, a number above 255, no numbers) is refused with 501 and the session goes on", async () => {
    await stage.session(async (ftp) => {
      for (const arg of ["127,0,0,1,195", "127,0,0,1,256,80", "127,0,0,256,195,80", "127.0.0.1:50000"]) {
        await ftp.sendExpect(`PORT ${arg}`, 501, "PORT needs exactly six numbers h1,h2,h3,h4,p1,p2, each 0-255 (one byte); anything else is a syntax error in the argument: 501");
      }
      await ftp.sendExpect("NOOP", 200, "a refused PORT is not a reason to drop the session: NOOP still works");
    });
  });

  it("a malformed EPRT (missing field, wrong family for the address, port 0 or above 65535) is refused with 501", async () => {
    await stage.session(async (ftp) => {
      for (const arg of ["|1|127.0.0.1|", "|1|::1|50000|", "|2|127.0.0.1|50000|", "|1|127.0.0.1|0|", "|1|127.0.0.1|70000|", "|1|127.0.0.1|5x000|", "1|127.0.0.1|50000"]) {
        await ftp.sendExpect(
          `EPRT ${arg}`,
          501,
          "EPRT's argument is <d>proto<d>address<d>port<d> with the same delimiter four times; the address must belong to the protocol (1 = IPv4, 2 = IPv6) and the port be 1-65535; anything else is 501",
        );
      }
      await ftp.sendExpect("NOOP", 200, "a refused EPRT is not a reason to drop the session: NOOP still works");
    });
  });

  it("PORT follows the command table's rules: 530 before login, 501 without an argument", async () => {
    const ftp = await stage.connect();
    try {
      await ftp.sendExpect("PORT 127,0,0,1,195,80", 530, "like every data-connection command, PORT needs a login: 530 before USER/PASS (the table entry says so)");
      await ftp.sendExpect("EPRT |1|127.0.0.1|50000|", 530, "EPRT needs a login too: 530");
      await ftp.sendExpect("USER anonymous", 331, "USER is answered with 331");
      await ftp.sendExpect("PASS guest@example.com", 230, "PASS is answered with 230");
      await ftp.sendExpect("PORT", 501, "PORT without an argument is a syntax error in the parameters: 501");
    } finally {
      ftp.destroy();
    }
  });

  it("when the server cannot connect to the PORT address (nobody listens there), the transfer fails with 425 and the session goes on", async () => {
    // A port that was free a moment ago and has nobody listening now.
    const closedPort = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    await stage.session(async (ftp) => {
      await ftp.sendExpect(`PORT 127,0,0,1,${closedPort >> 8},${closedPort & 255}`, 200, WHY_PORT);
      let r = await ftp.send("RETR hello.txt", 15_000);
      if (r.code === 150 || r.code === 125) r = await ftp.readReply(15_000);
      if (r.code !== 425) {
        throw explainFailure(
          `RETR over a PORT nobody listens on got ${r.code}, expected 425.`,
          r,
          ftp.context("when connecting to the client fails (connection refused, or no answer within a timeout), the reply is 425 Can't open data connection; never 226"),
        );
      }
      await ftp.sendExpect("NOOP", 200, "after a failed active connection the session goes on: NOOP still works");
    });
  });

  it("EPRT with an unknown network protocol (|3|) is refused with 522 (RFC 2428)", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("EPRT |3|127.0.0.1|50000|", 522, "RFC 2428: protocol 1 is IPv4 and 2 is IPv6; for any other the reply is 522, naming the supported ones, e.g. (1,2)");
    });
  });

  it("FEAT lists EPRT (clients look there before they use it)", async () => {
    await stage.session(async (ftp) => {
      const r = await ftp.sendExpect("FEAT", 211, "FEAT is answered with a multi-line 211 listing the extensions");
      const features = r.lines.slice(1, -1).map((l) => l.trim().toUpperCase());
      if (!features.some((f) => f === "EPRT" || f.startsWith("EPRT "))) {
        throw explainFailure(
          "FEAT does not list EPRT.",
          r,
          ftp.context('each extension the server supports is one line " EPRT" in the FEAT reply (RFC 2389); a command can announce its feature in the command table'),
        );
      }
    });
  });

  it("after EPSV ALL, PORT and EPRT are refused with 503 (RFC 2428: the client promised to use EPSV only)", async () => {
    await stage.session(async (ftp) => {
      const l = await ftp.activeListener();
      await ftp.sendExpect("EPSV ALL", 200, "EPSV ALL is answered with 200");
      await ftp.sendExpect(`PORT ${l.portArg}`, 503, "after EPSV ALL every other way of setting up a data connection is refused with 503 (bad sequence)");
      await ftp.sendExpect(`EPRT ${l.eprtArg}`, 503, "after EPSV ALL, EPRT is refused with 503 too");
    });
  });

  itNeeding(["curl"], "curl in active mode (curl -P 127.0.0.1) downloads a file intact", async () => {
    const url = `ftp://127.0.0.1:${stage.server.port}/data.bin`;
    const r = await runTool("curl", ["-sS", "-v", "--connect-timeout", "5", "--max-time", "15", "-P", "127.0.0.1", url], { timeoutMs: 20_000 });
    const cmds = r.stderr.split("\n").filter((l) => l.startsWith("> ")).map((l) => l.slice(2).trim());
    if (r.code !== 0) {
      throw toolFailure(
        `curl -P 127.0.0.1 ${url} failed.`,
        r,
        "with -P curl listens itself and sends EPRT (then PORT if EPRT is refused); exit code 30 means the server refused both",
        stage,
      );
    }
    if (!cmds.some((c) => /^(EPRT|PORT) /.test(c)) || cmds.some((c) => /^(EPSV|PASV)\b/.test(c))) {
      throw toolFailure("curl did not use active mode (no EPRT/PORT in its log, or a PASV/EPSV).", r, "the test asked curl for active mode with -P", stage);
    }
    expectBytes(r.stdout, DATA, { what: `data.bin downloaded by curl in active mode (${r.command})` });
  });

  itNeeding(["lftp"], "lftp in active mode (set ftp:passive-mode off) downloads a file intact", async () => {
    const local = makeTempRoot();
    try {
      const target = path.join(local.dir, "data.bin");
      const script =
        "set ftp:passive-mode off; set ftp:auto-passive-mode off; set net:max-retries 1; set net:timeout 5; " +
        `set net:reconnect-interval-base 1; set cmd:fail-exit yes; open -p ${stage.server.port} 127.0.0.1; get data.bin -o ${target}`;
      const r = await runTool("lftp", ["-d", "-c", script], { timeoutMs: 25_000, cwd: local.dir });
      const sent = r.stderr.split("\n").filter((l) => l.startsWith("---> ")).map((l) => l.slice(5).trim());
      if (r.code !== 0 || !fs.existsSync(target)) {
        throw toolFailure(`lftp (active mode) could not download data.bin.`, r, "with ftp:passive-mode off lftp listens and sends PORT (EPRT on IPv6); look for the server's reply to it in the log", stage);
      }
      if (!sent.some((c) => /^(PORT|EPRT) /.test(c)) || sent.some((c) => /^(PASV|EPSV)\b/.test(c))) {
        throw toolFailure("lftp did not use active mode (no PORT/EPRT in its log, or a PASV/EPSV).", r, "the test asked lftp for active mode", stage);
      }
      expectBytes(fs.readFileSync(target), DATA, { what: `data.bin downloaded by lftp in active mode (${r.command})` });
    } finally {
      local.cleanup();
    }
  });
});

describe.concurrent("lesson 6: refused PORTs are logged, and the operator can allow what RFC 2577 refuses", () => {
  const stage = useStageServer({ files: FILES, args: (root) => ["--log-file", root.path("ftpd.log")] });
  const open = useStageServer({ files: FILES, args: ["--permit-foreign-addresses", "--permit-privileged-ports"] });

  it("a PORT to a foreign address is logged as a warning that names the address (it may be an attack)", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("PORT 192,0,2,1,195,80", 501, "RFC 2577: PORT to an address that is not the client's own is refused with 501");
    });
    const file = stage.root.path("ftpd.log");
    await waitFor(
      () => readJsonLines(file).find((e) => (e.level === "warn" || e.level === "warning" || e.level === 40) && Object.values(e).some((v) => String(v).includes("192.0.2.1"))),
      5000,
      () =>
        `a log line at level "warn" naming 192.0.2.1 in ${file}.\n` +
        `  cause:     a PORT to someone else's address is what a bounce attack looks like: the operator wants to see it (log it as a warning with the address asked for and the client's)\n` +
        `  the file has:\n${indent(fileText(file))}\n${stage.about()}`,
    );
  });

  it("with --permit-privileged-ports, PORT to a port below 1024 is accepted (200)", async () => {
    await open.session(async (ftp) => {
      await ftp.sendExpect("PORT 127,0,0,1,0,25", 200, "--permit-privileged-ports lifts the rule 'port 1024 or above' (the operator asked for it): PORT is answered 200");
    });
  });

  it.skipIf(v4Extra !== null)(`with --permit-foreign-addresses, PORT to another address is accepted and the server connects there${v4Extra ? ` (skipped: ${v4Extra})` : ""}`, async () => {
    await open.session(async (ftp) => {
      const data = await activeTransfer(open, ftp, "PORT", "LIST", { listenOn: "127.0.0.2" });
      if (!listingLines(data).some((l) => l.endsWith(" hello.txt"))) {
        throw new HarnessError(`The LIST sent to 127.0.0.2 has no line for hello.txt.\n  received:\n${indent(data.toString("latin1"))}\n${open.about()}`);
      }
    });
  });
});

describe.skipIf(v6Problem !== null)(`lesson 6: EPRT over IPv6 (server on ::1)${v6Problem ? ` (skipped: ::1 unusable here: ${v6Problem})` : ""}`, () => {
  const stage = useStageServer({ files: FILES, listen: "::1" });

  it("EPRT |2|::1|port| is answered 200, and RETR arrives over a connection the server opens to [::1]", async () => {
    await stage.session(async (ftp) => {
      await ftp.sendExpect("TYPE I", 200, "TYPE I switches to binary mode");
      const data = await activeTransfer(stage, ftp, "EPRT", "RETR data.bin", { listenOn: "::1" });
      expectBytes(data, DATA, { what: "RETR data.bin over EPRT |2|::1|...|", ...ftp.context() });
    });
  });
});
