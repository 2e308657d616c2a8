/**
 * Regressions: bugs the property, hostile and fault suites found in the final server, each
 * kept as the test that failed until it was fixed (replies buffered for a client that never
 * reads, uploads interleaving or mixing without --atomic-uploads, ABOR stuck behind pipelined
 * lines, look-alike Unicode letters spelling verbs, users-file and INI lines read differently
 * by the line counter and the ini package). The server here runs with --atomic-uploads.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectBytes, makeTempRoot, type FtpSocket, type TempRoot } from "../harness/index.ts";
import { buildCommandTable } from "../../final/src/commands/table.ts";
import { parseCommandLine } from "../../final/src/protocol/command-line.ts";
import { loadUsersFile } from "../../final/src/auth/users-file.ts";
import { readIniFile } from "../../final/src/config/ini-file.ts";
import { effectiveSettings } from "../../final/src/config/effective.ts";
import { ConfigError } from "../../final/src/config-error.ts";
import { Connections, expectNext } from "./security-helpers.ts";
import { mib, rssBytes, SEED, seededBytes, sleep, sparseFile, startLogged, type LoggedServer } from "./fault-helpers.ts";
import { params, PROPERTY_TIMEOUT_MS } from "./property-arbitraries.ts";
import { iniText } from "./property-config-arbitraries.ts";

const USER = "anna";
const PASSWORD = "pw-for-anna";

let root: TempRoot;
let logged: LoggedServer;
const conns = new Connections();

beforeAll(async () => {
  root = makeTempRoot({ "small.txt": "small\n" });
  sparseFile(root.path("big.bin"), 256 * 1024 * 1024);
  logged = await startLogged({ level: "warn", args: ["--user", `${USER}:${PASSWORD}:elradfmwMT:${root.dir}`, "--auth-failed-delay", "0", "--write-limit", "4M", "--atomic-uploads"] });
});
afterAll(async () => {
  conns.closeAll();
  await logged?.stop();
  root?.cleanup();
});
afterEach(() => conns.closeAll());

const login = () => conns.login(logged.server, USER, PASSWORD, { type: "I" });

describe("regression 1: replies are not buffered without limit for a client that does not read them", () => {
  it("an unauthenticated client pipelining HELP and never reading: the server's memory stays bounded", async () => {
    const before = rssBytes(logged.pid);
    const sock = net.connect({ host: logged.server.host, port: logged.server.port });
    sock.pause(); // never read a reply
    sock.on("error", () => {});
    await new Promise<void>((resolve) => sock.once("connect", () => resolve()));
    const chunk = Buffer.from("HELP\r\n".repeat(10_000));
    const t0 = Date.now();
    let peak = before;
    while (Date.now() - t0 < 3000) {
      if (!sock.write(chunk)) await Promise.race([new Promise((r) => sock.once("drain", r)), sleep(100)]);
      peak = Math.max(peak, rssBytes(logged.pid));
    }
    sock.destroy();
    expect(peak - before, `server RSS ${mib(before)} -> ${mib(peak)} in 3 s from one client that sends "HELP" and reads nothing`).toBeLessThan(64 * 1024 * 1024);
  });
});

describe("regression 2: a STOR over a file that another session is downloading", () => {
  it("the download gets the old content or the new one, whole, or fails; never a mix with 226", async () => {
    const A = Buffer.alloc(8 * 1024 * 1024, 0x41);
    const B = Buffer.alloc(8 * 1024 * 1024, 0x42);
    fs.writeFileSync(root.path("shared.bin"), A);
    const reader = await login();
    const rd = await reader.openPassiveData("PASV");
    await reader.sendExpect("RETR shared.bin", [125, 150]);
    const got = rd.readAll(20_000);
    await sleep(500); // the download is under way (4 MiB/s)
    const writer = await login();
    const wd = await writer.openPassiveData("PASV");
    await writer.sendExpect("STOR shared.bin", [125, 150]);
    await wd.end(B);
    await expectNext(writer, 226);
    const data = await got;
    const final = await reader.readReply(20_000);
    if (final.code === 226) {
      const whole = data.equals(A) || data.equals(B);
      expect(whole, `226 for a download of ${data.length} bytes: ${data.filter((b) => b === 0x41).length} old + ${data.filter((b) => b === 0x42).length} new`).toBe(true);
    }
  });
});

describe("regression 3: two sessions storing the same name at once", () => {
  it("the file ends as one upload or the other, exactly; or the second is refused", async () => {
    const C = Buffer.alloc(4 * 1024 * 1024, 0x43);
    const D = Buffer.alloc(3 * 1024 * 1024, 0x44);
    const s1 = await login();
    const s2 = await login();
    const d1 = await s1.openPassiveData("PASV");
    const d2 = await s2.openPassiveData("PASV");
    await s1.sendExpect("STOR same.bin", [125, 150]);
    const r2 = await s2.send("STOR same.bin");
    if (r2.code !== 125 && r2.code !== 150) return; // refusing the second writer is fine
    for (let i = 0; i < 16; i++) {
      await d1.write(C.subarray((i * C.length) / 16, ((i + 1) * C.length) / 16));
      await d2.write(D.subarray((i * D.length) / 16, ((i + 1) * D.length) / 16));
    }
    await d1.end();
    await d2.end();
    const f1 = await s1.readReply();
    const f2 = await s2.readReply();
    const file = root.read("same.bin");
    const mixed = !file.equals(C) && !file.equals(D);
    expect(mixed, `replies ${f1.code}/${f2.code}; same.bin has ${file.length} bytes: ${file.filter((b) => b === 0x43).length} from one upload, ${file.filter((b) => b === 0x44).length} from the other`).toBe(false);
  });
});

describe("regression 4: with --atomic-uploads, an interrupted STOR over an existing file keeps the old file", () => {
  it("STOR over a good file, connection reset half-way: the good file survives (with atomic uploads), not a partial one", async () => {
    const good = seededBytes(2 * 1024 * 1024, SEED);
    fs.writeFileSync(root.path("good.bin"), good);
    const ftp = await login();
    const ds = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("STOR good.bin", [125, 150]);
    await ds.write(seededBytes(512 * 1024, SEED + 1));
    await sleep(200);
    ds.socket.resetAndDestroy();
    await expectNext(ftp, 426);
    expectBytes(root.read("good.bin"), good, { what: "good.bin after an interrupted STOR over it" });
  });
});

describe("regression 5: urgent commands do not wait behind pipelined lines during a transfer", () => {
  it("RETR running, 70 NOOPs pipelined, then (a moment later) ABOR: the ABOR is answered within a second", async () => {
    const ftp = await login();
    const d = await ftp.openPassiveData("PASV");
    d.socket.pause();
    await ftp.sendExpect("RETR big.bin", [125, 150]);
    ftp.sendRaw("NOOP\r\n".repeat(70));
    await sleep(100); // the server has queued them and stopped reading
    ftp.sendRaw("ABOR\r\n");
    const r = await ftp.readReply(1000).catch(() => null);
    expect(r?.code, "the transfer's 426 (ABOR) within 1 s").toBe(426);
    d.destroy();
  });
});

describe("regression 6: non-ASCII look-alike letters do not spell commands", () => {
  const TABLE = buildCommandTable();
  it("'ſtor', 'ﬆat', 'lıst' are not STOR, STAT, LIST (RFC 959 verbs are ASCII letters)", () => {
    for (const line of ["\u017Ftor x", "\uFB06at", "l\u0131st", "\u017Fyst"]) {
      const { verb } = parseCommandLine(line);
      expect(TABLE.has(verb), `${JSON.stringify(line)} parsed as ${verb}`).toBe(false);
    }
  });
  it("over TCP: 'ſyst' is 500, not 215", async () => {
    const ftp = await conns.connect(logged.server);
    const r = await ftp.send(Buffer.from("\u017Fyst\r\n", "utf8"));
    expect(r.code).toBe(500);
  });
  it("every command of the table, spelled with look-alike letters (ſ for s, ı for i, ﬆ for st, K for k), is unknown", () => {
    const lookAlike = (v: string) => v.toLowerCase().replace(/st/g, "\uFB06").replace(/s/g, "\u017F").replace(/i/g, "\u0131").replace(/k/g, "\u212A");
    const spelled = [...TABLE.keys()].map(lookAlike).filter((v) => /[^\x00-\x7f]/.test(v));
    expect(spelled.filter((v) => TABLE.has(parseCommandLine(v).verb))).toEqual([]);
  });
});

describe("regression 7: users file: 'anonymous' and 'Anonymous' on two lines", () => {
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-regression-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is a ConfigError naming the second line (today: a plain Error without file or line)", () => {
    const file = path.join(dir, "users.txt");
    fs.writeFileSync(file, "anonymous - elr .\nAnonymous - elr .\n");
    let err: unknown;
    try {
      loadUsersFile(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).line).toBe(2);
  });

});

describe("regression 8: INI lines read alike by the line counter and the ini package", () => {
  let dir = "";
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-regression-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const read = (text: string) => {
    const file = path.join(dir, "ftpd.ini");
    fs.writeFileSync(file, text);
    return effectiveSettings({ file, values: readIniFile(file) }, new Map());
  };

  it("a UTF-8 BOM (Windows editors) is read as if it were not there", () => {
    expect(read("\uFEFF[server]\nport = 2200\n").get("server.port")?.value).toBe(2200);
  });

  for (const [text, line] of [
    ["[server] ; the main section\nport = 1\n", 1],
    ["[server]\nprot\n", 2],
    ['[server]\n"prot" = 1\n', 2],
    ["[server.x]\nport = 1\n", 1],
    ["[server]\nport\n", 2],
  ] as const) {
    it(`${JSON.stringify(text)}: a ConfigError naming line ${line}`, () => {
      let err: unknown;
      try {
        read(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).line, (err as Error).message).toBe(line);
    });
  }

  it("a lone CR (old Mac line end) cannot hide a second value of the same key", () => {
    let err: unknown;
    try {
      read("[server]\nport = 2200\rport = 2300\n");
    } catch (e) {
      err = e;
    }
    expect(err, "port given twice must be refused, as it is with LF").toBeInstanceOf(ConfigError);
  });

  it("property (all line shapes): any mistake is a ConfigError with its line", () => {
    fc.assert(
      fc.property(iniText({ knownBugShapes: true }), (text) => {
        try {
          read(text);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as ConfigError).line, (e as Error).message).toBeGreaterThanOrEqual(1);
        }
      }),
      params(0.5),
    );
  }, PROPERTY_TIMEOUT_MS);
});
