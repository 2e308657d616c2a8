/**
 * Setting up data connections: PASV (RFC 959), EPSV and EPRT (RFC 2428), PORT; reply
 * formats, the -r port range, EPSV ALL, active-mode transfers, malformed arguments.
 * (PORT bounce and foreign addresses are the security tests' business.)
 */
import { describe, expect, it } from "vitest";
import { expectBytes, expectCode, readAll, type FtpSocket } from "../harness/index.ts";
import { connectOutcome, download, listingLines, useServer } from "./conformance-helpers.ts";

const FILES = { "data.txt": "some data\n", "sub/a.txt": "a" };

/** An active-mode transfer: PORT or EPRT to a local listener, then `command`; returns the data. */
async function activeDownload(ftp: FtpSocket, how: "PORT" | "EPRT", command: string): Promise<Buffer> {
  const l = await ftp.activeListener();
  await ftp.sendExpect(how === "PORT" ? `PORT ${l.portArg}` : `EPRT ${l.eprtArg}`, 200);
  await ftp.sendExpect(command, 150, "active mode: the server connects when the transfer starts, after 150");
  const sock = await l.accept();
  const data = await readAll(sock);
  expectCode(await ftp.readReply(), 226, ftp.context());
  return data;
}

describe("PASV, EPSV, PORT, EPRT", () => {
  const ctx = useServer({ files: FILES });

  it("PASV is 227 with six numbers in parentheses: our address and a port", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("PASV", 227);
    const m = /\((\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})\)/.exec(r.lines[0]!);
    expect(m, `227 reply: ${r.lines[0]}`).not.toBeNull();
    const n = m!.slice(1).map(Number);
    expect(n.slice(0, 4).join(".")).toBe("127.0.0.1");
    for (const x of n) expect(x).toBeLessThanOrEqual(255);
    expect(n[4]! * 256 + n[5]!).toBeGreaterThan(0);
  });

  it("a transfer over PASV works, and a second PASV replaces the first", async () => {
    const ftp = await ctx.login();
    const first = await ftp.pasv();
    const got = await download(ftp, "RETR data.txt", "PASV");
    expect(got.data.toString()).toBe("some data\r\n");
    expect(await connectOutcome(first.host, first.port), `the first PASV port ${first.port} must be closed by the second PASV`).toBe("ECONNREFUSED");
  });

  it("EPSV is 229 '(|||port|)' and a transfer over it works", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("EPSV", 229);
    expect(r.lines[0]).toMatch(/^229 .*\(\|\|\|\d{1,5}\|\)/);
    await ftp.sendExpect("TYPE I", 200);
    const got = await download(ftp, "RETR data.txt", "EPSV");
    expectBytes(got.data, ctx.root.read("data.txt"), { what: "RETR over EPSV" });
  });

  it("EPSV 1 is accepted on IPv4; EPSV 2 is 522 (network protocol not supported)", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("EPSV 1", 229);
    const r = await ftp.sendExpect("EPSV 2", 522);
    expect(r.text, "RFC 2428: the 522 reply names the supported protocols, e.g. (1)").toMatch(/\(1\)/);
  });

  it("EPSV ALL is 200; afterwards PASV, PORT and EPRT are 503, EPSV still works", async () => {
    const ftp = await ctx.login();
    const l = await ftp.activeListener();
    await ftp.sendExpect("EPSV ALL", 200);
    await ftp.sendExpect("PASV", 503);
    await ftp.sendExpect(`PORT ${l.portArg}`, 503);
    await ftp.sendExpect(`EPRT ${l.eprtArg}`, 503);
    const got = await download(ftp, "RETR data.txt", "EPSV");
    expect(got.data.toString()).toBe("some data\r\n");
  });

  it("EPSV ALL ends with REIN (a new login may use PASV again)", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("EPSV ALL", 200);
    await ftp.sendExpect("REIN", 220);
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS x", 230);
    await ftp.sendExpect("PASV", 227);
  });

  it("PORT: the server connects to the client for RETR (active mode)", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    expectBytes(await activeDownload(ftp, "PORT", "RETR data.txt"), ctx.root.read("data.txt"), { what: "RETR over PORT" });
  });

  it("PORT and EPRT: LIST over an active connection", async () => {
    const ftp = await ctx.login();
    const viaPort = listingLines(await activeDownload(ftp, "PORT", "LIST"), "LIST over PORT");
    expect(viaPort.some((l) => / data\.txt$/.test(l)), viaPort.join("\n")).toBe(true);
    const viaEprt = listingLines(await activeDownload(ftp, "EPRT", "LIST sub"), "LIST over EPRT");
    expect(viaEprt.some((l) => / a\.txt$/.test(l)), viaEprt.join("\n")).toBe(true);
  });

  it("EPRT: RETR over an active connection", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    expectBytes(await activeDownload(ftp, "EPRT", "RETR data.txt"), ctx.root.read("data.txt"), { what: "RETR over EPRT" });
  });

  it.each([["1,2,3"], ["256,0,0,1,1,1"], ["127,0,0,1,1"], ["127,0,0,1,300,1"], ["a,b,c,d,e,f"], ["127.0.0.1:5000"]])(
    "malformed PORT %j is 501",
    async (arg) => {
      const ftp = await ctx.login();
      await ftp.sendExpect(`PORT ${arg}`, 501);
      await ftp.sendExpect("NOOP", 200);
    },
  );

  it("EPRT with an unknown network protocol |3| is 522; a malformed EPRT is 501", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("EPRT |3|127.0.0.1|50000|", 522);
    await ftp.sendExpect("EPRT |1|127.0.0.1|", 501);
    await ftp.sendExpect("EPRT |1|not-an-ip|50000|", 501);
    await ftp.sendExpect("EPRT |1|127.0.0.1|99999|", 501);
  });
});

describe("PASV with a port range (-r)", () => {
  // A random 11-port range below the usual ephemeral ports, so parallel runs rarely meet.
  const from = 20000 + Math.floor(Math.random() * 9000);
  const to = from + 10;
  const ctx = useServer({ files: FILES, args: ["-r", `${from}-${to}`] });

  it(`PASV and EPSV ports stay inside -r ${from}-${to}, and transfers work there`, async () => {
    const ftp = await ctx.login();
    for (let i = 0; i < 6; i++) {
      const hp = await ftp.pasv();
      expect(hp.port, `PASV port ${hp.port} must be inside ${from}-${to}`).toBeGreaterThanOrEqual(from);
      expect(hp.port).toBeLessThanOrEqual(to);
    }
    const e = await ftp.epsv();
    expect(e.port).toBeGreaterThanOrEqual(from);
    expect(e.port).toBeLessThanOrEqual(to);
    const got = await download(ftp, "RETR data.txt");
    expect(got.data.toString()).toBe("some data\r\n");
  });
});
