/**
 * Transfers (RFC 959, RFC 3659 REST STREAM, RFC 1123 STOU): byte-exact RETR/STOR, 150 vs
 * 125, REST in both directions, APPE, STOU, data-connection failures, TYPE A line endings,
 * ABOR and QUIT during a transfer.
 */
import fs from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { connectData, expectBytes, expectCode, type FtpSocket } from "../harness/index.ts";
import { connectOutcome, download, expectClosed, expectSilence, sleep, upload, useServer } from "./conformance-helpers.ts";

/** Deterministic pseudo-random bytes (xorshift32), so a failure can be replayed from its seed. */
function seededBytes(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  for (let i = size - (size % 4); i < size; i++) buf[i] = i & 0xff;
  return buf;
}

const SEED = Number(process.env.FTP_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
const seedNote = `seed ${SEED} (rerun with FTP_TEST_SEED=${SEED})`;

/** A local port with nobody listening on it (for data connections that must fail). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function portArg(port: number): string {
  return `127,0,0,1,${port >> 8},${port & 255}`;
}

/** After a command that needs a data connection that cannot be opened: optional 1xx, then 425. */
async function expectDataFailure(ftp: FtpSocket, command: string): Promise<void> {
  let r = await ftp.send(command);
  if (r.code === 150 || r.code === 125) r = await ftp.readReply();
  expectCode(r, 425, ftp.context(`${command}: the data connection could not be opened, so the reply must be 425`));
}

describe("binary transfers", () => {
  const ctx = useServer({ args: ["-w"], files: { "small.bin": Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x0a, 0x0d]), "folder/x.txt": "x" } });

  it(`RETR and STOR of a few MB of random bytes are byte-exact in TYPE I (${seedNote})`, async () => {
    const data = seededBytes(3 * 1024 * 1024 + 123, SEED);
    fs.writeFileSync(ctx.root.path("random.bin"), data);
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const got = await download(ftp, "RETR random.bin");
    expectBytes(got.data, data, { what: `RETR random.bin, ${seedNote}` });
    await upload(ftp, "STOR random-up.bin", data, "EPSV");
    expectBytes(ctx.root.read("random-up.bin"), data, { what: `file written by STOR random-up.bin, ${seedNote}` });
  });

  it("RETR of a small binary file with CR, LF and 0xFF bytes is byte-exact in TYPE I", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const got = await download(ftp, "RETR small.bin");
    expectBytes(got.data, ctx.root.read("small.bin"), { what: "RETR small.bin" });
  });

  it("STOR replaces a longer existing file completely (no old tail left)", async () => {
    fs.writeFileSync(ctx.root.path("replace.txt"), "a much longer old content\n");
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await upload(ftp, "STOR replace.txt", "new");
    expect(ctx.root.read("replace.txt").toString()).toBe("new");
  });

  it("150 when the data connection is not open yet at RETR", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const hp = await ftp.pasv();
    const first = await ftp.sendExpect("RETR small.bin", 150, "no data connection was open yet, so the preliminary reply is 150");
    expect(first.lines[0]).toMatch(/^150 /);
    const ds = await connectData(hp.host, hp.port, 5000);
    expectBytes(await ds.readAll(), ctx.root.read("small.bin"), { what: "RETR small.bin" });
    await ftp.readReply().then((r) => expectCode(r, 226, ftp.context()));
  });

  it("125 when the client already connected to the PASV port before RETR", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const ds = await ftp.openPassiveData("PASV");
    await sleep(50); // let the server accept the connection
    await ftp.sendExpect("NOOP", 200);
    await ftp.sendExpect("RETR small.bin", 125, "the data connection was already open, so RFC 959 says 125");
    expectBytes(await ds.readAll(), ctx.root.read("small.bin"), { what: "RETR small.bin" });
    expectCode(await ftp.readReply(), 226, ftp.context());
  });

  it("RETR of a folder is 550, of a missing file 550; the session goes on", async () => {
    const ftp = await ctx.login();
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("RETR folder", 550);
    await ftp.sendExpect("RETR no-such-file", 550);
    await ftp.sendExpect("NOOP", 200);
  });

  it("REST n + RETR: 350, then only the bytes from n on; the next RETR starts at 0 again", async () => {
    const data = seededBytes(100_000, SEED + 1);
    fs.writeFileSync(ctx.root.path("rest.bin"), data);
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await ftp.sendExpect("REST 12345", 350);
    const part = await download(ftp, "RETR rest.bin");
    expectBytes(part.data, data.subarray(12345), { what: `RETR rest.bin after REST 12345, ${seedNote}` });
    const whole = await download(ftp, "RETR rest.bin");
    expectBytes(whole.data, data, { what: "RETR rest.bin without REST (the offset must not stick)" });
    await ftp.sendExpect(`REST ${data.length}`, 350);
    const empty = await download(ftp, "RETR rest.bin");
    expect(empty.data.length, "REST at the exact end gives 0 bytes").toBe(0);
  });

  it("REST past the end of the file: RETR is 554", async () => {
    fs.writeFileSync(ctx.root.path("short.bin"), "0123456789");
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("REST 11", 350);
    await ftp.sendExpect("RETR short.bin", 554);
    await ftp.sendExpect("NOOP", 200);
  });

  it("REST in TYPE A is 501; REST with a non-number is 501", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE A", 200);
    await ftp.sendExpect("REST 10", 501);
    await ftp.sendExpect("TYPE I", 200);
    for (const bad of ["abc", "-1", "1.5", "10x", "0x10"]) await ftp.sendExpect(`REST ${bad}`, 501);
    await ftp.sendExpect("REST 0", 350);
  });

  it(`REST + STOR resumes an upload: first half, then the second half at its offset, byte-exact (${seedNote})`, async () => {
    const data = seededBytes(1_000_003, SEED + 2);
    const half = 400_001;
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await upload(ftp, "STOR resumed.bin", data.subarray(0, half));
    expect(fs.statSync(ctx.root.path("resumed.bin")).size).toBe(half);
    await ftp.sendExpect(`REST ${half}`, 350);
    await upload(ftp, "STOR resumed.bin", data.subarray(half));
    expectBytes(ctx.root.read("resumed.bin"), data, { what: `resumed.bin after REST ${half} + STOR, ${seedNote}` });
  });

  it("a resumed upload shorter than the old tail leaves exactly offset + written bytes", async () => {
    const old = Buffer.alloc(1000, "o");
    fs.writeFileSync(ctx.root.path("tail.bin"), old);
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await ftp.sendExpect("REST 400", 350);
    await upload(ftp, "STOR tail.bin", Buffer.alloc(100, "n"));
    expectBytes(ctx.root.read("tail.bin"), Buffer.concat([old.subarray(0, 400), Buffer.alloc(100, "n")]), {
      what: "tail.bin: 400 old bytes then 100 new ones, nothing of the old tail",
    });
  });

  it("REST past the end + STOR is refused (no zero-filled hole) and leaves the file as it was", async () => {
    fs.writeFileSync(ctx.root.path("hole.bin"), "0123456789");
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("REST 20", 350);
    const r = await ftp.send("STOR hole.bin");
    expect([550, 554], `REST 20 + STOR of a 10-byte file got "${r.lines[0]}"`).toContain(r.code);
    expect(ctx.root.read("hole.bin").toString()).toBe("0123456789");
  });

  it("REST n + STOR of a file that does not exist is refused and creates nothing", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("REST 5", 350);
    const r = await ftp.send("STOR not-there.bin");
    expect([550, 554], `REST 5 + STOR of a new file got "${r.lines[0]}"`).toContain(r.code);
    expect(fs.existsSync(ctx.root.path("not-there.bin"))).toBe(false);
  });

  it("APPE appends to an existing file, and creates a missing one", async () => {
    fs.writeFileSync(ctx.root.path("log.txt"), "abc");
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await upload(ftp, "APPE log.txt", "def");
    await upload(ftp, "APPE log.txt", "ghi");
    expect(ctx.root.read("log.txt").toString()).toBe("abcdefghi");
    await upload(ftp, "APPE fresh-log.txt", "first");
    expect(ctx.root.read("fresh-log.txt").toString()).toBe("first");
  });

  it("STOU replies '150 FILE: <name>' and makes a new file each time, never overwriting", async () => {
    fs.mkdirSync(ctx.root.path("stou"));
    fs.writeFileSync(ctx.root.path("stou/ftp.file"), "original");
    fs.writeFileSync(ctx.root.path("stou/report.txt"), "original report");
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await ftp.sendExpect("CWD stou", 250);
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const hp = await ftp.pasv();
      const r = await ftp.sendExpect("STOU", 150, "STOU before the data connection is open: 150");
      const m = /^150 FILE: (.+)$/.exec(r.lines[0]!);
      expect(m, `STOU reply must be "150 FILE: <name>" (RFC 1123 4.1.2.9), got ${JSON.stringify(r.lines[0])}`).not.toBeNull();
      const ds = await connectData(hp.host, hp.port, 5000);
      await ds.end(`upload ${i}`);
      expectCode(await ftp.readReply(), 226, ftp.context());
      names.push(m![1]!);
    }
    expect(new Set(names).size, `STOU names: ${names.join(", ")}`).toBe(3);
    names.forEach((n, i) => expect(fs.readFileSync(ctx.root.path(`stou/${n.replace(/^.*\//, "")}`), "utf8")).toBe(`upload ${i}`));
    expect(fs.readFileSync(ctx.root.path("stou/ftp.file"), "utf8")).toBe("original");
    // With a name that exists, and with the data connection already open: 125 and another name.
    const ds = await ftp.openPassiveData("PASV");
    await sleep(50);
    await ftp.sendExpect("NOOP", 200);
    const r = await ftp.sendExpect("STOU report.txt", 125);
    const m = /^125 FILE: (.+)$/.exec(r.lines[0]!);
    expect(m, `got ${JSON.stringify(r.lines[0])}`).not.toBeNull();
    expect(m![1]).not.toBe("report.txt");
    await ds.end("unique");
    expectCode(await ftp.readReply(), 226, ftp.context());
    expect(fs.readFileSync(ctx.root.path("stou/report.txt"), "utf8")).toBe("original report");
    expect(fs.readFileSync(ctx.root.path(`stou/${m![1]!.replace(/^.*\//, "")}`), "utf8")).toBe("unique");
  });

  it("STOR without PASV/PORT is 425 and neither creates nor changes a file", async () => {
    fs.writeFileSync(ctx.root.path("keep.txt"), "keep me");
    const ftp = await ctx.login();
    await ftp.sendExpect("STOR never.txt", 425);
    await ftp.sendExpect("STOR keep.txt", 425);
    await ftp.sendExpect("RETR keep.txt", 425);
    expect(fs.existsSync(ctx.root.path("never.txt")), "no empty file may be left behind").toBe(false);
    expect(ctx.root.read("keep.txt").toString()).toBe("keep me");
  });

  it("a data connection that cannot be opened (PORT to a closed port) is 425, and the target file is untouched", async () => {
    fs.writeFileSync(ctx.root.path("precious.txt"), "precious content");
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    await ftp.sendExpect(`PORT ${portArg(await closedPort())}`, 200);
    await expectDataFailure(ftp, "STOR precious.txt");
    expect(ctx.root.read("precious.txt").toString(), "an existing file must keep its content when the upload never starts").toBe("precious content");
    await ftp.sendExpect(`PORT ${portArg(await closedPort())}`, 200);
    await expectDataFailure(ftp, "STOR brand-new.txt");
    // Checked after one more round trip: the server may remove the file just after its 425.
    await ftp.sendExpect("NOOP", 200);
    expect(fs.existsSync(ctx.root.path("brand-new.txt")), "no empty file may be left behind").toBe(false);
    await ftp.sendExpect(`EPRT |1|127.0.0.1|${await closedPort()}|`, 200);
    await expectDataFailure(ftp, "RETR precious.txt");
    await ftp.sendExpect("NOOP", 200);
  });
});

describe("TYPE A line endings", () => {
  const ctx = useServer({
    args: ["-w"],
    files: { "unix.txt": "one\ntwo\n\nthree", "dos.txt": "one\r\ntwo\r\n\r\nthree\r\n", "mixed.txt": "a\nb\r\nc\rd\n" },
  });

  it("RETR in TYPE A sends a LF file with CRLF", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE A", 200);
    const got = await download(ftp, "RETR unix.txt");
    expectBytes(got.data, Buffer.from("one\r\ntwo\r\n\r\nthree"), { what: "RETR unix.txt in TYPE A" });
  });

  it("RETR in TYPE A keeps a CRLF file as it is (no CR CR LF)", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE A", 200);
    const got = await download(ftp, "RETR dos.txt");
    expectBytes(got.data, Buffer.from("one\r\ntwo\r\n\r\nthree\r\n"), { what: "RETR dos.txt in TYPE A" });
    const mixed = await download(ftp, "RETR mixed.txt");
    expectBytes(mixed.data, Buffer.from("a\r\nb\r\nc\rd\r\n"), { what: "RETR mixed.txt in TYPE A" });
  });

  it("TYPE A is the default, and TYPE I sends the bytes unchanged", async () => {
    const ftp = await ctx.login();
    const def = await download(ftp, "RETR unix.txt");
    expectBytes(def.data, Buffer.from("one\r\ntwo\r\n\r\nthree"), { what: "RETR unix.txt without TYPE (ASCII is the default, RFC 959)" });
    await ftp.sendExpect("TYPE I", 200);
    const bin = await download(ftp, "RETR unix.txt");
    expectBytes(bin.data, ctx.root.read("unix.txt"), { what: "RETR unix.txt in TYPE I" });
  });

  it("STOR in TYPE A turns CRLF into LF and keeps a lone CR", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE A", 200);
    await upload(ftp, "STOR up.txt", "l1\r\nl2\r\nlone\rcr\r\n\r\nend\r");
    expectBytes(ctx.root.read("up.txt"), Buffer.from("l1\nl2\nlone\rcr\n\nend\r"), { what: "up.txt stored in TYPE A" });
  });

  it("a big TYPE A upload whose CRLFs straddle many chunk boundaries converts every one", async () => {
    const line = "x".repeat(1023) + "\r\n"; // 1025 bytes: CRLFs fall on every possible offset of 64 kB chunks
    const text = line.repeat(3000);
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE A", 200);
    await upload(ftp, "STOR big-ascii.txt", text);
    const stored = ctx.root.read("big-ascii.txt");
    expect(stored.includes(0x0d), "no CR may be left").toBe(false);
    expect(stored.length).toBe(text.length - 3000);
    const back = await download(ftp, "RETR big-ascii.txt");
    expect(back.data.equals(Buffer.from(text)), "RETR in TYPE A gives the CRLF text back").toBe(true);
  });
});

describe("ABOR and QUIT around transfers", () => {
  const BIG = 64 * 1024 * 1024;
  const ctx = useServer({
    args: ["-w"],
    prepare(root) {
      // A sparse 64 MB file: instant to create, long enough to still be running at ABOR.
      const fd = fs.openSync(root.path("big.bin"), "w");
      fs.ftruncateSync(fd, BIG);
      fs.closeSync(fd);
    },
  });

  it("ABOR with nothing running is 225", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("ABOR", 225);
  });

  it("ABOR during a big RETR: 426 for the transfer, then 226 for ABOR, and the session goes on", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const ds = await ftp.openPassiveData("PASV");
    ds.socket.pause(); // do not read: the server stays blocked on a full socket
    await ftp.sendExpect("RETR big.bin", [125, 150]);
    await sleep(100);
    const stat = await ftp.sendExpect("STAT", [211, 213], "STAT during a transfer must be answered at once");
    expect(stat.text, "the transfer must still be running when ABOR is sent").toMatch(/progress/i);
    const first = await ftp.send("ABOR");
    expectCode(first, 426, ftp.context("RFC 959: the aborted transfer's command gets 426 first"));
    expectCode(await ftp.readReply(), 226, ftp.context("then ABOR itself gets 226"));
    await expectSilence(ftp, 300, "RETR + ABOR must get exactly 426 + 226; RETR may not get a second final reply");
    await ftp.sendExpect("NOOP", 200);
    ds.socket.resume();
    const got = await ds.readAll().catch(() => Buffer.alloc(0));
    expect(got.length, "the data connection must be cut short").toBeLessThan(BIG);
    // And the next transfer works.
    const small = await download(ftp, "NLST");
    expect(small.data.toString()).toMatch(/big\.bin/);
  });

  it("the client closing the data connection during RETR gives one 426, and the session goes on", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const ds = await ftp.openPassiveData("PASV");
    ds.socket.pause();
    await ftp.sendExpect("RETR big.bin", [125, 150]);
    await sleep(100);
    ds.destroy();
    expectCode(await ftp.readReply(), 426, ftp.context("RFC 959: connection closed; transfer aborted"));
    await expectSilence(ftp, 300, "RETR must get exactly one final reply (426)");
    await ftp.sendExpect("NOOP", 200);
  });

  it("ABOR during a STOR: 426 then 226, nothing more, and the session goes on", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const ds = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("STOR aborted-upload.bin", [125, 150]);
    await ds.write(Buffer.alloc(256 * 1024, 7)); // some data, and no end: the upload is running
    await sleep(100);
    expectCode(await ftp.send("ABOR"), 426, ftp.context("the aborted STOR gets 426"));
    expectCode(await ftp.readReply(), 226, ftp.context("then ABOR gets 226"));
    await expectSilence(ftp, 300, "STOR + ABOR must get exactly 426 + 226; STOR may not get a second final reply");
    await ftp.sendExpect("NOOP", 200);
  });

  it("ABOR while RETR waits for the data connection: 426 then 226", async () => {
    const ftp = await ctx.login();
    await ftp.pasv();
    await ftp.sendExpect("RETR big.bin", 150);
    expectCode(await ftp.send("ABOR"), 426, ftp.context());
    expectCode(await ftp.readReply(), 226, ftp.context());
    await ftp.sendExpect("NOOP", 200);
  });

  it("ABOR after PASV without a transfer is 225 and closes the passive port", async () => {
    const ftp = await ctx.login();
    const hp = await ftp.pasv();
    await ftp.sendExpect("ABOR", 225);
    const outcome = await connectOutcome(hp.host, hp.port);
    expect(outcome, `after ABOR, connecting to the old passive port ${hp.port} must be refused`).toBe("ECONNREFUSED");
  });

  it(`QUIT during a transfer: the transfer completes (all bytes, 226), then 221 and close (${seedNote})`, async () => {
    const data = seededBytes(6 * 1024 * 1024, SEED + 3);
    fs.writeFileSync(ctx.root.path("quit.bin"), data);
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const ds = await ftp.openPassiveData("PASV");
    ds.socket.pause();
    await ftp.sendExpect("RETR quit.bin", [125, 150]);
    ftp.sendRaw("QUIT\r\n");
    await expectSilence(ftp, 150, "QUIT must wait for the running transfer");
    ds.socket.resume();
    const got = await ds.readAll();
    expectBytes(got, data, { what: `RETR quit.bin with QUIT sent during the transfer, ${seedNote}` });
    expectCode(await ftp.readReply(), 226, ftp.context("the transfer finishes first"));
    expectCode(await ftp.readReply(), 221, ftp.context("then QUIT is answered"));
    await expectClosed(ftp, 3000, "after 221 the server must close the control connection");
  });
});
