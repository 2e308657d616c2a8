/**
 * PASV / EPSV / PORT / EPRT helpers and the data side of the transcript, against fake servers.
 */
import net, { type Socket } from "node:net";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { FtpSocket, expectBytes, parsePasv, parseReply } from "../harness/index.ts";
import { closeAllFakes, scripted } from "./fake-ftp.ts";

const sockets: FtpSocket[] = [];
const listeners: net.Server[] = [];
async function connect(port: number): Promise<FtpSocket> {
  const s = await FtpSocket.connect("127.0.0.1", port, { timeoutMs: 3000 });
  sockets.push(s);
  return s;
}
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const l of listeners.splice(0)) l.close();
  await closeAllFakes();
});

const FILE = Buffer.from("hello world\n\x00\xff binary", "latin1");

/** A fake with working PASV + EPSV + RETR: the data listener is opened per PASV/EPSV. */
function passiveFake(pasvReply?: (port: number) => string) {
  let dataServer: net.Server | null = null;
  let pending: Promise<Socket> | null = null;
  const openData = async () => {
    dataServer = net.createServer();
    listeners.push(dataServer);
    dataServer.listen(0, "127.0.0.1");
    await once(dataServer, "listening");
    pending = once(dataServer, "connection").then(([s]) => s as Socket);
    return (dataServer.address() as net.AddressInfo).port;
  };
  return scripted("220 ready\r\n", {
    PASV: (_a, sock) =>
      void openData().then((p) =>
        sock.write(pasvReply ? pasvReply(p) : `227 Entering Passive Mode (127,0,0,1,${p >> 8},${p & 255})\r\n`),
      ),
    EPSV: (_a, sock) => void openData().then((p) => sock.write(`229 Entering Extended Passive Mode (|||${p}|)\r\n`)),
    RETR: (_a, sock) => {
      sock.write("150 Opening data connection\r\n");
      void pending!.then((d) => {
        d.end(FILE, () => sock.write("226 Transfer complete\r\n"));
        dataServer!.close();
      });
    },
  });
}

describe("PASV / EPSV", () => {
  it("rejects a malformed PASV tuple, naming it", async () => {
    const fake = await scripted("220 ready\r\n", { PASV: "227 Entering Passive Mode (127,0,0,1,300,1)\r\n" });
    const ftp = await connect(fake.port);
    const err = await ftp.pasv().catch((e: Error) => e);
    const msg = (err as Error).message;
    expect(msg).toContain("Malformed PASV reply: PASV tuple (127,0,0,1,300,1) is invalid: p1=300 is not a byte (0-255)");
    expect(msg).toContain("received:  227 Entering Passive Mode (127,0,0,1,300,1)\\r\\n");
    expect(msg).toContain(`printf 'PASV\\r\\n' | nc 127.0.0.1 ${fake.port}`);
  });

  it("rejects a PASV tuple with the wrong number of fields", () => {
    const r = parsePasv(parseReply("227 Entering Passive Mode (127,0,0,1,4)\r\n"));
    expect(r).toEqual({ error: "PASV tuple (127,0,0,1,4) is not six comma-separated numbers h1,h2,h3,h4,p1,p2" });
    // Without parentheses the tuple is found anyway (RFC 1123 4.1.2.6).
    expect(parsePasv(parseReply("227 =127,0,0,1,4,1\r\n"))).toEqual({ host: "127.0.0.1", port: 1025 });
  });

  it("explains a wrong code to PASV", async () => {
    const fake = await scripted("220 ready\r\n", { PASV: "530 Please login\r\n" });
    const ftp = await connect(fake.port);
    await expect(ftp.pasv()).rejects.toThrow(/Expected reply 227 to "PASV", got 530/);
  });

  it("rejects a malformed EPSV reply", async () => {
    const fake = await scripted("220 ready\r\n", { EPSV: "229 Entering Extended Passive Mode (|||99999|)\r\n" });
    const ftp = await connect(fake.port);
    await expect(ftp.epsv()).rejects.toThrow("EPSV argument (|||99999|) has port 99999, not 1-65535");
  });

  it("refuses to connect to a non-loopback PASV address", async () => {
    const fake = await scripted("220 ready\r\n", { PASV: "227 Entering Passive Mode (203,0,113,5,4,1)\r\n" });
    const ftp = await connect(fake.port);
    await expect(ftp.openPassiveData()).rejects.toThrow(/points at 203\.0\.113\.5:1025, which is not a loopback address/);
  });

  it.each(["PASV", "EPSV"] as const)("downloads through %s and records it in the transcript", async (mode) => {
    const fake = await passiveFake();
    const ftp = await connect(fake.port);
    const data = await ftp.openPassiveData(mode);
    await ftp.sendExpect("RETR hello.bin", 150);
    const got = await ftp.readAll(data);
    expect((await ftp.readReply()).code).toBe(226);
    expectBytes(got, FILE, { what: "RETR hello.bin" });
    const text = ftp.transcriptText();
    expect(text).toContain(`D: [connect: client port ${data.localPort} -> server port ${data.remotePort}]`);
    expect(text).toContain(`D: ${FILE.length} bytes (server port ${data.remotePort} -> client port ${data.localPort})`);
    expect(text).toContain("S: 226 Transfer complete");
    const dataEntries = ftp.transcript().filter((e) => e.conn === "data" && !e.event);
    expect(Buffer.concat(dataEntries.map((e) => e.bytes)).equals(FILE)).toBe(true);
  });

  it("connects to the given host instead of a masqueraded PASV address", async () => {
    const fake = await passiveFake((p) => `227 Entering Passive Mode (203,0,113,5,${p >> 8},${p & 255})\r\n`);
    const ftp = await connect(fake.port);
    const data = await ftp.openPassiveData("PASV", { host: "127.0.0.1" });
    await ftp.send("RETR x");
    expect((await data.readAll()).equals(FILE)).toBe(true);
  });

  it("explains a data port nobody listens on", async () => {
    const fake = await scripted("220 ready\r\n", { PASV: "227 Entering Passive Mode (127,0,0,1,0,1)\r\n" });
    const ftp = await connect(fake.port);
    await expect(ftp.openPassiveData()).rejects.toThrow(/Could not open the data connection to 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });
});

describe("active mode (PORT / EPRT)", () => {
  /** A fake that connects back to the PORT/EPRT address on RETR and sends FILE. */
  function activeFake() {
    let target: { host: string; port: number } | null = null;
    return scripted("220 ready\r\n", {
      PORT: (arg, sock) => {
        const n = arg.split(",").map(Number);
        target = { host: n.slice(0, 4).join("."), port: n[4]! * 256 + n[5]! };
        sock.write("200 PORT ok\r\n");
      },
      EPRT: (arg, sock) => {
        const [, , host, port] = arg.split("|");
        target = { host: host!, port: Number(port) };
        sock.write("200 EPRT ok\r\n");
      },
      RETR: (_a, sock) => {
        sock.write("150 Connecting\r\n");
        const d = net.connect(target!);
        d.on("connect", () => d.end(FILE, () => sock.write("226 Done\r\n")));
      },
    });
  }

  it.each(["PORT", "EPRT"] as const)("accepts the server's connection after %s", async (verb) => {
    const fake = await activeFake();
    const ftp = await connect(fake.port);
    const l = await ftp.activeListener();
    expect(l.portArg).toBe(`127,0,0,1,${l.port >> 8},${l.port & 255}`);
    expect(l.eprtArg).toBe(`|1|127.0.0.1|${l.port}|`);
    await ftp.sendExpect(`${verb} ${verb === "PORT" ? l.portArg : l.eprtArg}`, 200);
    await ftp.sendExpect("RETR hello.bin", 150);
    const sock = await l.accept();
    expect((await ftp.readAll(sock)).equals(FILE)).toBe(true);
    expect((await ftp.readReply()).code).toBe(226);
    expect(ftp.transcriptText()).toMatch(new RegExp(`D: \\[connect: server port \\d+ -> client port ${l.port}\\]`));
    await l.close();
  });

  it("accept() times out with a hint when the server never connects", async () => {
    const fake = await scripted("220 ready\r\n", { PORT: "200 ok\r\n" });
    const ftp = await connect(fake.port);
    const l = await ftp.activeListener();
    await ftp.send(`PORT ${l.portArg}`);
    await expect(l.accept(200)).rejects.toThrow(/No data connection arrived at 127\.0\.0\.1:\d+ within 200 ms/);
  });
});

describe("uploads", () => {
  it("records bytes the test writes on a data connection", async () => {
    const uploaded: Buffer[] = [];
    let dataServer: net.Server;
    const fake = await scripted("220 ready\r\n", {
      PASV: (_a, sock) => {
        dataServer = net.createServer((d) => {
          d.on("data", (c: Buffer) => uploaded.push(c));
          d.on("end", () => {
            d.end();
            sock.write("226 Stored\r\n");
          });
        });
        listeners.push(dataServer);
        dataServer.listen(0, "127.0.0.1", () => {
          const p = (dataServer.address() as net.AddressInfo).port;
          sock.write(`227 Entering Passive Mode (127,0,0,1,${p >> 8},${p & 255})\r\n`);
        });
      },
      STOR: "150 Send it\r\n",
    });
    const ftp = await connect(fake.port);
    const data = await ftp.openPassiveData();
    await ftp.sendExpect("STOR up.bin", 150);
    await data.write("abc");
    await data.end(Buffer.from("defg"));
    expect((await ftp.readReply()).code).toBe(226);
    expect(Buffer.concat(uploaded).toString()).toBe("abcdefg");
    expect(ftp.transcriptText()).toContain(`D: 7 bytes (client port ${data.localPort} -> server port ${data.remotePort})`);
    expect(ftp.transcriptText()).toContain(`D: [EOF from client: client port ${data.localPort}`);
  });
});
