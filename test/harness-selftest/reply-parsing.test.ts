/**
 * The reply parser and FtpSocket against fake servers that split, merge and break replies.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FtpSocket, ReplyParser, expectCode, parseReply } from "../harness/index.ts";
import { closeAllFakes, fakeServer, scripted, writeBytewise } from "./fake-ftp.ts";

const sockets: FtpSocket[] = [];
async function connect(port: number, timeoutMs?: number): Promise<FtpSocket> {
  const s = await FtpSocket.connect("127.0.0.1", port, timeoutMs ? { timeoutMs } : {});
  sockets.push(s);
  return s;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await closeAllFakes();
});

describe("ReplyParser (no sockets)", () => {
  it("parses a multi-line reply fed one byte at a time", () => {
    const p = new ReplyParser();
    // "211-MDTM" and " 211 inside" look like codes but only "211 " at the line start ends it.
    const input = Buffer.from("211-Features:\r\n UTF8\r\n211-MDTM\r\n 211 inside is not the end\r\n211 End\r\n");
    const got = [];
    for (const b of input) got.push(...p.push(Buffer.from([b])).replies);
    expect(got).toHaveLength(1);
    expect(got[0]!.code).toBe(211);
    expect(got[0]!.lines).toEqual(["211-Features:", " UTF8", "211-MDTM", " 211 inside is not the end", "211 End"]);
    expect(got[0]!.text).toBe("Features:\n UTF8\n211-MDTM\n 211 inside is not the end\nEnd");
    expect(got[0]!.raw.equals(input)).toBe(true);
  });

  it("a line starting with another code does not end a multi-line reply", () => {
    const p = new ReplyParser();
    const r = p.push(Buffer.from("150-a\r\n226 not mine\r\n"));
    expect(r.replies).toEqual([]);
    expect(p.describePartial()).toContain('waiting for a line starting "150 "');
  });

  it("parseReply rejects a bare LF and leftovers", () => {
    expect(() => parseReply("220 hi\n")).toThrow(/bare \\n/);
    expect(() => parseReply("220 a\r\n221 b\r\n")).toThrow(/exactly one/);
    expect(parseReply("257 \"/\" ok\r\n").text).toBe('"/" ok');
  });
});

describe("FtpSocket reading replies", () => {
  it("parses a multi-line greeting sent in 1-byte TCP writes", async () => {
    const greeting = "220-Welcome\r\n to the\r\n220 fake server\r\n";
    const fake = await fakeServer((sock) => void writeBytewise(sock, greeting));
    const ftp = await connect(fake.port);
    expect(ftp.greeting.code).toBe(220);
    expect(ftp.greeting.lines).toEqual(["220-Welcome", " to the", "220 fake server"]);
    expect(ftp.greeting.raw.toString()).toBe(greeting);
    // The transcript re-assembles the 1-byte chunks into lines.
    expect(ftp.transcriptText()).toContain("S: 220-Welcome\nS:  to the\nS: 220 fake server");
  });

  it("parses two replies in one packet as two replies, in order", async () => {
    const fake = await fakeServer((sock) => sock.write("220 first\r\n331 second\r\n"));
    const ftp = await connect(fake.port);
    expect(ftp.greeting.code).toBe(220);
    const next = await ftp.readReply(2000);
    expect(next.code).toBe(331);
    expect(next.text).toBe("second");
  });

  it("reports a reply line ending in a bare LF instead of waiting", async () => {
    const fake = await fakeServer((sock) => sock.write("220 hi\n"));
    const started = Date.now();
    const err = await connect(fake.port, 5000).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("bare \\n");
    expect((err as Error).message).toContain('"220 hi\\n"');
    expect((err as Error).message).toContain("must end with \\r\\n");
    expect(Date.now() - started).toBeLessThan(4000); // an error, not a timeout
  });

  it("reports a reply with no line end at all (timeout shows what came)", async () => {
    const fake = await fakeServer((sock) => sock.write("220 hi"));
    const err = await connect(fake.port, 300).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain("No complete reply to the greeting within 300 ms");
    expect(msg).toContain('received 6 bytes: "220 hi"');
    expect(msg).toContain("no \\r\\n end");
    expect(msg).toContain("S: 220 hi [no CRLF]");
  });

  it("reports a line that does not start with a 3-digit code", async () => {
    const fake = await fakeServer((sock) => sock.write("Hello there\r\n"));
    const err = await connect(fake.port, 5000).catch((e: Error) => e);
    expect((err as Error).message).toContain('did not start with a 3-digit code followed by " " or "-": "Hello there\\r\\n"');
  });

  it("reports a connection closed in the middle of a multi-line reply, with the bytes so far", async () => {
    const fake = await fakeServer((sock) => sock.end("220-first line\r\n220-second"));
    const err = await connect(fake.port, 5000).catch((e: Error) => e);
    const msg = (err as Error).message;
    expect(msg).toContain("closed the connection before a complete reply to the greeting");
    expect(msg).toContain('"220-first line\\r\\n220-second"');
    expect(msg).toContain('waiting for a line starting "220 "');
  });

  it("reports a server that closes early, naming the command that got no reply", async () => {
    const fake = await scripted("220 ready\r\n", { USER: (_arg, sock) => sock.destroy() });
    const ftp = await connect(fake.port);
    const err = await ftp.send("USER alice").catch((e: Error) => e);
    const msg = (err as Error).message;
    expect(msg).toContain('closed the connection before a complete reply to "USER alice"; received nothing');
    expect(msg).toContain("C: USER alice");
    expect(msg).toContain(`printf 'USER alice\\r\\n' | nc 127.0.0.1 ${fake.port}`);
    await ftp.closed(); // resolves because the server closed
    expect(ftp.isClosed).toBe(true);
    // Later sends fail at once with the same story rather than hanging.
    await expect(ftp.send("NOOP")).rejects.toThrow(/closed the connection/);
  });

  it("times out with the command named when the server never answers", async () => {
    const fake = await scripted("220 ready\r\n", { NOOP: () => undefined });
    const ftp = await connect(fake.port, 300);
    await expect(ftp.send("NOOP")).rejects.toThrow(/No complete reply to "NOOP" within 300 ms .*received nothing/);
  });

  it("delivers a 421 greeting from a server that then hangs up (e.g. too many connections)", async () => {
    const fake = await fakeServer((sock) => sock.end("421 Too many connections\r\n"));
    const ftp = await connect(fake.port);
    expect(ftp.greeting.code).toBe(421);
    await ftp.closed();
    expect(ftp.transcriptText()).toMatch(/S: 421 Too many connections\nS: \[closes the control connection\]/);
    const msg = (() => {
      try {
        expectCode(ftp.greeting, 220, ftp.context());
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    })();
    expect(msg).toContain("Expected reply 220 as the greeting, got 421.");
    expect(msg).toContain(`reproduce: nc 127.0.0.1 ${fake.port}`);
  });

  it("explains a refused connection", async () => {
    const fake = await fakeServer(() => undefined);
    const port = fake.port;
    await fake.close();
    await expect(FtpSocket.connect("127.0.0.1", port, { timeoutMs: 2000 })).rejects.toThrow(
      new RegExp(`Could not connect to 127.0.0.1:${port} \\(ECONNREFUSED\\)`),
    );
  });

  it("send() adds CRLF to strings and sends Buffers as they are", async () => {
    const received: Buffer[] = [];
    const fake = await fakeServer((sock) => {
      sock.write("220 ready\r\n");
      sock.on("data", (d: Buffer) => {
        received.push(d);
        if (Buffer.concat(received).toString().endsWith("\n")) sock.write("200 ok\r\n");
      });
    });
    const ftp = await connect(fake.port);
    await ftp.send("NOOP");
    await ftp.send(Buffer.from("SYST\n"));
    expect(Buffer.concat(received).toString()).toBe("NOOP\r\nSYST\n");
    expect(ftp.sentLines()).toEqual(["NOOP", Buffer.from("SYST\n")]);
  });
});
