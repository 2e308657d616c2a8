/**
 * Data connections and RFC 2577 section 3 ("protecting against the bounce attack") and
 * section 4 ("restricting access"... of data ports: "port stealing").
 *
 *  - PORT/EPRT may only name the client's own address: otherwise an attacker makes the server
 *    connect to (and send files to, or scan) a third host. Ports below 1024 are refused too.
 *    Both are allowed only when the operator says so (--permit-foreign-addresses,
 *    --permit-privileged-ports), each independently.
 *  - After PASV/EPSV, a connection to the data port from another address than the client's is
 *    dropped (no data), and the server keeps waiting for the real client.
 *
 * 127.0.0.0/8 is all loopback on Linux, so 127.0.0.2 plays "another host". Nothing here ever
 * connects outside loopback: the PORT commands naming 10.0.0.1 are only checked for their
 * refusal, never followed by a transfer.
 */
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import {
  HarnessError,
  connectData,
  escapeBytes,
  expectBytes,
  expectCode,
  makeTempRoot,
  reproLine,
  startServer,
  targetEntry,
  type ActiveListener,
  type FtpSocket,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";
import { Connections, connectFrom, expectNext, withTimeout } from "./security-helpers.ts";

/** A file with CR, LF, NUL and high bytes: TYPE I must deliver it unchanged. */
const FILE = Buffer.from("data-connection test file\r\n\x00\xff\xfe binary \n end\n", "latin1");
/** What a refused PORT/EPRT may be answered with (RFC 959/2428: 500, 501; 504/522 for EPRT variants). */
const REFUSED = [500, 501, 502, 504, 522];
/** RETR without a usable data connection set up. */
const NO_DATA_CHANNEL = [425, 503];
const FOREIGN = "127.0.0.2";

function portArg(host: string, port: number): string {
  return `${host.split(".").join(",")},${port >> 8},${port & 255}`;
}

let root: TempRoot;
const conns = new Connections();

beforeAll(() => {
  root = makeTempRoot({ "hello.bin": FILE });
});
afterAll(() => {
  conns.closeAll();
  root?.cleanup();
});
afterEach(() => conns.closeAll());

async function loginBinary(server: RunningServer): Promise<FtpSocket> {
  const ftp = await conns.login(server);
  await ftp.sendExpect("TYPE I", 200);
  return ftp;
}

/** The listener must not get any connection for `ms` (the server must not have dialed it). */
async function expectNoConnection(ftp: FtpSocket, l: ActiveListener, ms: number, after: string): Promise<void> {
  const got = await l.accept(ms).then(
    () => true,
    () => false,
  );
  if (got) {
    throw new HarnessError(
      `The server connected to ${l.host}:${l.port} after ${after}, although it refused (or should have refused) that address.\n` +
        `  reproduce: ${reproLine(ftp.context())}`,
    );
  }
}

/** RETR over an active connection the server makes to `l`, checking the bytes. */
async function retrActive(ftp: FtpSocket, l: ActiveListener): Promise<void> {
  await ftp.sendExpect("RETR hello.bin", [125, 150], "the data connection was accepted, so RETR starts");
  const sock = await l.accept(5000);
  expectBytes(await ftp.readAll(sock, 5000), FILE, { what: `RETR hello.bin over an active connection to ${l.host}` });
  await expectNext(ftp, 226, "the transfer completes");
}

describe("PORT/EPRT bounce protection (default settings)", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ entry: targetEntry(), root: root.dir });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("PORT to another loopback address (127.0.0.2) is refused and never dialed", async () => {
    const ftp = await loginBinary(server);
    const l = await ftp.activeListener(FOREIGN);
    await ftp.sendExpect(`PORT ${l.portArg}`, REFUSED, "RFC 2577: PORT must name the client's own address (127.0.0.1), not a third host");
    await ftp.sendExpect("RETR hello.bin", NO_DATA_CHANNEL, "the refused PORT must not have set up a data connection");
    await expectNoConnection(ftp, l, 500, `"PORT ${l.portArg}"`);
  });

  it("EPRT to another loopback address (127.0.0.2) is refused and never dialed", async () => {
    const ftp = await loginBinary(server);
    const l = await ftp.activeListener(FOREIGN);
    await ftp.sendExpect(`EPRT ${l.eprtArg}`, REFUSED, "RFC 2577: EPRT must name the client's own address (127.0.0.1), not a third host");
    await ftp.sendExpect("RETR hello.bin", NO_DATA_CHANNEL, "the refused EPRT must not have set up a data connection");
    await expectNoConnection(ftp, l, 500, `"EPRT ${l.eprtArg}"`);
  });

  // No transfer follows these: even a broken server would only dial on RETR/LIST.
  for (const line of [`PORT ${portArg("10.0.0.1", 40000)}`, "EPRT |1|10.0.0.1|40000|", "EPRT |2|::1|40000|", `PORT ${portArg("0.0.0.0", 40000)}`, "EPRT |2|::ffff:127.0.0.2|40000|"]) {
    it(`${line} (not the client's address) is refused`, async () => {
      const ftp = await loginBinary(server);
      await ftp.sendExpect(line, REFUSED, "RFC 2577: the data connection may only go to the client's own address");
      await ftp.sendExpect("QUIT", 221);
    });
  }

  for (const line of [`PORT ${portArg("127.0.0.1", 21)}`, `PORT ${portArg("127.0.0.1", 1023)}`, "EPRT |1|127.0.0.1|80|", "EPRT |1|127.0.0.1|1|"]) {
    it(`${line} (a privileged port, < 1024) is refused`, async () => {
      const ftp = await loginBinary(server);
      await ftp.sendExpect(line, REFUSED, "RFC 2577: PORT/EPRT to a port below 1024 must be refused (unless --permit-privileged-ports)");
      await ftp.sendExpect("QUIT", 221);
    });
  }

  it("PORT and EPRT to the client's own address and an unprivileged port work (control case)", async () => {
    const ftp = await loginBinary(server);
    let l = await ftp.activeListener("127.0.0.1");
    await ftp.sendExpect(`PORT ${l.portArg}`, 200);
    await retrActive(ftp, l);
    l = await ftp.activeListener("127.0.0.1");
    await ftp.sendExpect(`EPRT ${l.eprtArg}`, 200);
    await retrActive(ftp, l);
  });
});

describe("passive mode: data connections from a foreign address (default settings)", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ entry: targetEntry(), root: root.dir });
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const mode of ["PASV", "EPSV"] as const) {
    it(`${mode}: a connection from ${FOREIGN} is dropped without data; the client's own then gets the file`, async () => {
      const ftp = await loginBinary(server);
      const hp = mode === "PASV" ? await ftp.pasv() : await ftp.epsv();
      // Not waiting for "connect": the server may reset the connection before we even see it open.
      const thief = connectFrom(FOREIGN, hp.host, hp.port, conns);
      const how = await withTimeout(
        thief.closed,
        3000,
        `RFC 2577: the server kept a data connection from ${FOREIGN} open for 3 s, but the client is 127.0.0.1; it must close it at once.\n` +
          `  reproduce: ${reproLine(ftp.context())}  (and connect to port ${hp.port} from ${FOREIGN})`,
      );
      if (thief.data().length) throw new HarnessError(`The foreign data connection received ${thief.data().length} bytes: ${escapeBytes(thief.data())}`);
      // The port must still be open for the real client.
      const ds = await connectData(hp.host, hp.port, 5000);
      await ftp.sendExpect("RETR hello.bin", [125, 150], `the client's own data connection is the one to use (the foreign one ended with ${how})`);
      expectBytes(await ds.readAll(5000), FILE, { what: `RETR hello.bin after a foreign ${mode} connection was dropped` });
      await expectNext(ftp, 226);
      ds.destroy();
    });
  }

  it(`PASV, RETR waiting: a connection from ${FOREIGN} gets no data and is dropped; the client's own then gets the file`, async () => {
    const ftp = await loginBinary(server);
    const hp = await ftp.pasv();
    await ftp.sendExpect("RETR hello.bin", 150, "nobody has connected yet, so the server opens (150) and waits");
    const thief = connectFrom(FOREIGN, hp.host, hp.port, conns);
    await withTimeout(thief.closed, 3000, `the server kept the data connection from ${FOREIGN} open for 3 s while a RETR was waiting`);
    if (thief.data().length) {
      throw new HarnessError(
        `RFC 2577 port stealing: the foreign connection from ${FOREIGN} received the file (${thief.data().length} bytes: ${escapeBytes(thief.data().subarray(0, 80))}).\n` +
          `  reproduce: ${reproLine(ftp.context())}`,
      );
    }
    const ds = await connectData(hp.host, hp.port, 5000);
    expectBytes(await ds.readAll(5000), FILE, { what: "RETR hello.bin after the foreign connection was dropped" });
    await expectNext(ftp, 226);
    ds.destroy();
  });
});

describe("--permit-foreign-addresses", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ entry: targetEntry(), root: root.dir, args: ["--permit-foreign-addresses"] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("PORT and EPRT to 127.0.0.2 are accepted and the server connects there", async () => {
    const ftp = await loginBinary(server);
    let l = await ftp.activeListener(FOREIGN);
    await ftp.sendExpect(`PORT ${l.portArg}`, 200, "--permit-foreign-addresses allows a data connection to another address (FXP)");
    await retrActive(ftp, l);
    l = await ftp.activeListener(FOREIGN);
    await ftp.sendExpect(`EPRT ${l.eprtArg}`, 200, "--permit-foreign-addresses allows a data connection to another address (FXP)");
    await retrActive(ftp, l);
  });

  it("privileged ports stay refused (the two flags are independent)", async () => {
    const ftp = await loginBinary(server);
    await ftp.sendExpect(`PORT ${portArg("127.0.0.1", 21)}`, REFUSED, "only --permit-privileged-ports allows ports below 1024");
    await ftp.sendExpect("EPRT |1|127.0.0.2|80|", REFUSED, "only --permit-privileged-ports allows ports below 1024");
  });

  it(`a passive connection from ${FOREIGN} is accepted and gets the file`, async () => {
    const ftp = await loginBinary(server);
    const hp = await ftp.pasv();
    const peer = connectFrom(FOREIGN, hp.host, hp.port, conns);
    await withTimeout(peer.connected, 3000, `could not connect from ${FOREIGN} to the PASV port ${hp.port}`);
    await ftp.sendExpect("RETR hello.bin", [125, 150], "with --permit-foreign-addresses the connection from 127.0.0.2 is the data connection");
    await withTimeout(peer.closed, 5000, "the server did not finish the transfer to 127.0.0.2");
    expectBytes(peer.data(), FILE, { what: `RETR hello.bin to a passive connection from ${FOREIGN}` });
    await expectNext(ftp, 226);
  });
});

describe("--permit-privileged-ports", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ entry: targetEntry(), root: root.dir, args: ["--permit-privileged-ports"] });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("PORT and EPRT to the client's address and a port < 1024 are accepted (200; no transfer is made)", async () => {
    const ftp = await loginBinary(server);
    await ftp.sendExpect(`PORT ${portArg("127.0.0.1", 21)}`, 200, "--permit-privileged-ports allows ports below 1024");
    await ftp.sendExpect("EPRT |1|127.0.0.1|1023|", 200, "--permit-privileged-ports allows ports below 1024");
    // Drop the prepared channel without ever using it.
    expectCode(await ftp.send("QUIT"), 221, ftp.context());
  });

  it("foreign addresses stay refused (the two flags are independent)", async () => {
    const ftp = await loginBinary(server);
    const l = await ftp.activeListener(FOREIGN);
    await ftp.sendExpect(`PORT ${l.portArg}`, REFUSED, "only --permit-foreign-addresses allows another address");
    await ftp.sendExpect(`EPRT ${l.eprtArg}`, REFUSED, "only --permit-foreign-addresses allows another address");
    await ftp.sendExpect("RETR hello.bin", NO_DATA_CHANNEL, "the refused PORT/EPRT must not have set up a data connection");
    await expectNoConnection(ftp, l, 500, "the refused PORT/EPRT");
  });
});
