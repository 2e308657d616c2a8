/**
 * Known holes of other FTP servers, each tried against ours (docs/security.md explains them):
 *
 *   pyftpdlib: STOU skips the home check its other commands make (handlers.py checks the path
 *     "if cmd != 'STOU'"), so "STOU link/x" with link -> /elsewhere creates a file outside.
 *   pyftpdlib: a command line over its 2048-byte buffer gets "500 Command too long", the buffer
 *     is emptied, and the rest of the line runs as a command: two replies for one line, and
 *     the tail of the line can be any command the attacker likes.
 *   ftp-srv 4.6.3: REST + STOR opens the file with flags "w+" and writes at the offset: the file
 *     is truncated first, so a resumed upload leaves zeros where the old bytes were.
 *   ftp-srv 4.6.3: a passive data connection from another address is answered with
 *     "550 Remote addresses do not match" and then the session is closed: anyone who can reach
 *     the passive port range can cut other users' sessions.
 *
 * And RFC 2577 section 8 (port stealing): passive ports must not be predictable.
 */
import fs from "node:fs";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectBytes, makeTempRoot, startServer, targetEntry, type RunningServer, type TempRoot } from "../harness/index.ts";
import { Connections, connectFrom, expectNext, expectSilence, sleep } from "./security-helpers.ts";
import { seededBytes, SEED, seedNote } from "./fault-helpers.ts";

const USER = "anna";
const PASSWORD = "pw-for-anna";

let outside: TempRoot;
let root: TempRoot;
let server: RunningServer;
const conns = new Connections();

beforeAll(async () => {
  outside = makeTempRoot({ "keep.txt": "outside\n" });
  root = makeTempRoot({ "victim.txt": "victim\n", "sub/inner.txt": "inner\n" });
  fs.symlinkSync(outside.dir, root.path("out"));
  fs.symlinkSync("out", root.path("chain"));
  server = await startServer({ entry: targetEntry(), args: ["--user", `${USER}:${PASSWORD}:elradfmwMT:${root.dir}`, "--auth-failed-delay", "0"] });
});
afterAll(async () => {
  conns.closeAll();
  await server?.stop();
  root?.cleanup();
  outside?.cleanup();
});
afterEach(() => conns.closeAll());

const login = () => conns.login(server, USER, PASSWORD);

function outsideEntries(): string[] {
  return fs.readdirSync(outside.dir).sort();
}

describe("pyftpdlib: STOU through a symbolic link out of the home", () => {
  for (const arg of ["out/x", "out", "chain/x", "out/../out/x", `${"out/"}keep.txt`]) {
    it(`STOU ${arg}: refused, or stored under a new name inside the home; nothing appears outside`, async () => {
      const ftp = await login();
      const data = await ftp.openPassiveData("PASV");
      const r = await ftp.send(`STOU ${arg}`);
      if (r.code === 125 || r.code === 150) {
        await data.end(Buffer.from("stou data\n"));
        await expectNext(ftp, 226);
      } else {
        expect([550, 553], `STOU ${arg}: ${r.lines[0]}`).toContain(r.code);
      }
      await ftp.sendExpect("NOOP", 200);
      expect(outsideEntries(), `STOU ${arg} (${r.lines[0]}) created a file in the folder the link points to, outside the home`).toEqual(["keep.txt"]);
      expect(fs.readFileSync(outside.path("keep.txt"), "utf8")).toBe("outside\n");
      if (r.code === 125 || r.code === 150) {
        // Whatever the reply named, it is a new regular file in the home itself.
        const name = (/FILE:\s*(\S+)/.exec(r.text)?.[1] ?? "").replace(/^.*\//, "");
        expect(fs.lstatSync(root.path(name)).isFile(), `STOU ${arg}: ${name} is a file in the home`).toBe(true);
      }
    });
  }
});

describe("pyftpdlib: an overlong line gets two replies, and its tail runs as a command", () => {
  // Ours refuses lines longer than 4096 bytes (ServerOptions.maxLineLength; no flag changes it).
  const LIMIT = 4096;

  for (const split of ["one write", "tail in a second write, starting exactly at the limit", "byte after byte around the limit"]) {
    it(`${LIMIT + 1}+ bytes whose tail is "DELE victim.txt" (${split}): one 500, victim.txt survives, session in step`, async () => {
      const ftp = await login();
      const head = Buffer.from("NOOP " + "A".repeat(LIMIT - 5));
      const tail = Buffer.from("DELE victim.txt\r\n");
      if (split === "one write") ftp.sendRaw(Buffer.concat([head, tail]));
      else if (split.startsWith("tail")) {
        ftp.sendRaw(head);
        await sleep(50);
        ftp.sendRaw(tail);
      } else {
        ftp.sendRaw(head.subarray(0, LIMIT - 3));
        for (const b of [...head.subarray(LIMIT - 3), ...tail.subarray(0, 8)]) {
          ftp.sendRaw(Buffer.from([b]));
          await sleep(2);
        }
        ftp.sendRaw(tail.subarray(8));
      }
      await expectNext(ftp, 500, "the overlong line is refused, once");
      await ftp.sendExpect("SYST", 215, "the next reply is SYST's: no second reply for the overlong line");
      await expectSilence(ftp, 300, "exactly one reply for the overlong line");
      expect(fs.readFileSync(root.path("victim.txt"), "utf8")).toBe("victim\n");
    });
  }
});

describe("ftp-srv: a resumed upload truncates the file and leaves zeros", () => {
  const ORIGINAL = seededBytes(1024 * 1024, SEED);
  const MORE = seededBytes(300_000, SEED + 1);

  for (const offset of [1, 300_000, 1024 * 1024 - 1, 1024 * 1024]) {
    it(`REST ${offset} + STOR: the first ${offset} bytes are the old ones, then exactly the new data (${seedNote})`, async () => {
      fs.writeFileSync(root.path("resume.bin"), ORIGINAL);
      const ftp = await login();
      await ftp.sendExpect("TYPE I", 200);
      const data = await ftp.openPassiveData("PASV");
      await ftp.sendExpect(`REST ${offset}`, 350);
      await ftp.sendExpect("STOR resume.bin", [125, 150]);
      await data.end(MORE);
      await expectNext(ftp, 226);
      expectBytes(root.read("resume.bin"), Buffer.concat([ORIGINAL.subarray(0, offset), MORE]), { what: `resume.bin after REST ${offset} + STOR` });
    });
  }

  it("REST + STOR whose data connection never comes (425): the file is untouched, not truncated", async () => {
    fs.writeFileSync(root.path("resume.bin"), ORIGINAL);
    const ftp = await login();
    await ftp.sendExpect("TYPE I", 200);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await ftp.sendExpect(`PORT 127,0,0,1,${port >> 8},${port & 255}`, 200);
    await ftp.sendExpect("REST 4096", 350);
    let r = await ftp.send("STOR resume.bin");
    if (r.code === 150 || r.code === 125) r = await ftp.readReply();
    expect(r.code).toBe(425);
    expectBytes(root.read("resume.bin"), ORIGINAL, { what: "resume.bin after a REST + STOR that never got its data connection" });
  });
});

describe("ftp-srv: a third party connecting to a passive port kills the session", () => {
  it("a connection from 127.0.0.2 to our PASV port is dropped; the session goes on and its own connection gets the file", async () => {
    fs.writeFileSync(root.path("shared.bin"), seededBytes(200_000, SEED + 2));
    const ftp = await login();
    await ftp.sendExpect("TYPE I", 200);
    const { port } = await ftp.pasv();
    const intruder = connectFrom("127.0.0.2", "127.0.0.1", port, conns);
    await intruder.connected.catch(() => {});
    const how = await Promise.race([intruder.closed, sleep(3000).then(() => "still open" as const)]);
    expect(how, "the foreign data connection is closed by the server").not.toBe("still open");
    expect(intruder.data().length).toBe(0);
    // The victim's session did not notice: no reply arrived, and it still works.
    await expectSilence(ftp, 200, "nothing is said to the victim about the foreign connection");
    await ftp.sendExpect("NOOP", 200);
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    await ftp.sendExpect("RETR shared.bin", [125, 150]);
    await ended;
    await expectNext(ftp, 226);
    expectBytes(Buffer.concat(chunks), root.read("shared.bin"), { what: "RETR shared.bin after the intruder was dropped" });
  });
});

describe("RFC 2577 section 8, port stealing: passive ports are not predictable", () => {
  it("20 PASV ports in a row: all different, and not a sequence an attacker could guess from the last one", async () => {
    const ftp = await login();
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push((await ftp.pasv()).port);
    expect(new Set(ports).size, ports.join(" ")).toBe(ports.length);
    const close = ports.slice(1).filter((p, i) => Math.abs(p - ports[i]!) <= 4).length;
    expect(close, `successive ports ${ports.join(" ")}: ${close} of 19 steps are +-4 or less`).toBeLessThanOrEqual(3);
    // Guessing right would not be enough anyway: a connection from another address is dropped (above).
  });
});
