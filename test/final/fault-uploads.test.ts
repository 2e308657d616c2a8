/**
 * Uploads never corrupt data: a resumed upload (REST + STOR) at any offset keeps exactly the
 * old bytes before the offset and then exactly the new ones, never truncating the file first
 * or filling a hole with zeros; APPE appends exactly; and what ABOR or a dropped connection
 * leaves is always a prefix of what was sent.
 *
 * Concurrent writers and readers of one file (a STOR over a file another session is
 * downloading, two STORs of one name) are in test/final/known-bugs.test.ts: without an
 * "atomic uploads" mode (write to a temporary name, rename at 226) the server cannot keep them
 * apart today.
 */
import fs from "node:fs";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectBytes, makeTempRoot, type FtpSocket, type TempRoot } from "../harness/index.ts";
import { Connections, expectNext } from "./security-helpers.ts";
import { SEED, seedNote, seededBytes, startLogged, waitUntil, stderrComplaints, type LoggedServer } from "./fault-helpers.ts";

const USER = "anna";
const PASSWORD = "pw-for-anna";

let root: TempRoot;
let logged: LoggedServer;
const conns = new Connections();

beforeAll(async () => {
  root = makeTempRoot({});
  logged = await startLogged({ level: "warn", args: ["--user", `${USER}:${PASSWORD}:elradfmwMT:${root.dir}`, "--auth-failed-delay", "0"] });
});
afterAll(async () => {
  conns.closeAll();
  await logged?.stop();
  root?.cleanup();
});
afterEach(() => conns.closeAll());

const login = () => conns.login(logged.server, USER, PASSWORD, { type: "I" });

async function upload(ftp: FtpSocket, lines: string[], data: Buffer): Promise<void> {
  const ds = await ftp.openPassiveData("PASV");
  for (const l of lines.slice(0, -1)) await ftp.sendExpect(l, 350);
  await ftp.sendExpect(lines[lines.length - 1]!, [125, 150]);
  await ds.end(data);
  await expectNext(ftp, 226);
}

describe("REST + STOR at any offset (a property over TCP)", () => {
  it(`old[0, offset) + new, for random sizes, offsets and data: no truncation, no zeros, no old tail (${seedNote})`, async () => {
    const ftp = await login();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 600_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.nat(),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (oldSize, newSize, offsetSeed, dataSeed) => {
          const offset = oldSize === 0 ? 0 : offsetSeed % (oldSize + 1);
          const old = seededBytes(oldSize, dataSeed);
          const fresh = seededBytes(newSize, dataSeed + 1);
          fs.writeFileSync(root.path("resume.bin"), old);
          await upload(ftp, offset > 0 ? [`REST ${offset}`, "STOR resume.bin"] : ["STOR resume.bin"], fresh);
          expectBytes(root.read("resume.bin"), Buffer.concat([old.subarray(0, offset), fresh]), {
            what: `resume.bin: ${oldSize} old bytes, REST ${offset}, ${newSize} new bytes`,
          });
        },
      ),
      { numRuns: 25, seed: SEED },
    );
  });
});

describe("APPE", () => {
  it("appends exactly to an existing file, twice; creates a missing one", async () => {
    const a = seededBytes(100_000, SEED + 1);
    const b = seededBytes(70_000, SEED + 2);
    const c = seededBytes(1, SEED + 3);
    fs.writeFileSync(root.path("log.bin"), a);
    const ftp = await login();
    await upload(ftp, ["APPE log.bin"], b);
    await upload(ftp, ["APPE log.bin"], c);
    expectBytes(root.read("log.bin"), Buffer.concat([a, b, c]), { what: "log.bin after two APPEs" });
    await upload(ftp, ["APPE fresh.bin"], b);
    expectBytes(root.read("fresh.bin"), b, { what: "fresh.bin made by APPE" });
  });

  it("a REST before APPE does not move the append point: the data goes at the end", async () => {
    const a = seededBytes(50_000, SEED + 4);
    const b = seededBytes(20_000, SEED + 5);
    fs.writeFileSync(root.path("appe-rest.bin"), a);
    const ftp = await login();
    await upload(ftp, ["REST 10", "APPE appe-rest.bin"], b);
    expectBytes(root.read("appe-rest.bin"), Buffer.concat([a, b]), { what: "appe-rest.bin after REST 10 + APPE" });
  });
});

describe("interrupted uploads leave a prefix of what was sent", () => {
  for (const how of ["ABOR", "the data connection reset"] as const) {
    it(`STOR interrupted by ${how}: the file is a prefix of the data, and a later REST + STOR completes it exactly`, async () => {
      const full = seededBytes(4 * 1024 * 1024, SEED + 6);
      const name = how === "ABOR" ? "abor.bin" : "reset.bin";
      const ftp = await login();
      const ds = await ftp.openPassiveData("PASV");
      await ftp.sendExpect(`STOR ${name}`, [125, 150]);
      await ds.write(full.subarray(0, 1024 * 1024));
      await waitUntil(async () => Number(/(\d+) bytes/.exec((await ftp.sendExpect("STAT", 213)).text)?.[1]) >= 512 * 1024, 5000, () => "no data arrived");
      if (how === "ABOR") {
        await ftp.sendExpect("ABOR", 426);
        await expectNext(ftp, 226);
      } else {
        ds.socket.resetAndDestroy();
        await expectNext(ftp, 426);
      }
      ds.destroy();
      const kept = root.read(name);
      expectBytes(kept, full.subarray(0, kept.length), { what: `${name} after the interrupted STOR` });
      await upload(ftp, [`REST ${kept.length}`, `STOR ${name}`], full.subarray(kept.length));
      expectBytes(root.read(name), full, { what: `${name} after resuming` });
      expect(kept.length).toBeGreaterThan(0);
    });
  }
});

describe("the server process", () => {
  it("wrote no warning of Node's to stderr (a file handle closed by the garbage collector is a leak)", () => {
    expect(stderrComplaints(logged.server)).toEqual([]);
  });
});
