/**
 * Anonymous access is read-only unless the operator says otherwise (-w): anonymous users may
 * list and download, but every command that would change the tree is refused with 550
 * (RFC 959: "requested action not taken") and changes nothing: no file written, appended,
 * renamed, deleted, created, chmod-ed or re-dated, and no data connection used.
 */
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import {
  HarnessError,
  escapeBytes,
  expectBytes,
  makeTempRoot,
  reproLine,
  startServer,
  targetEntry,
  type FtpSocket,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";
import { Connections, dataUntilClosed, diffTrees, expectNext, fingerprintTree, type TreePrint } from "./security-helpers.ts";

const README = Buffer.from("read me\r\nsecond line\n\x00binary tail", "latin1");

let root: TempRoot;
let server: RunningServer;
let before: TreePrint;
const conns = new Connections();

beforeAll(async () => {
  root = makeTempRoot({ "readme.txt": README, "dir/inner.txt": "inner\n", "emptydir": null });
  before = fingerprintTree(root.dir);
  server = await startServer({ entry: targetEntry(), root: root.dir });
});
afterAll(async () => {
  conns.closeAll();
  await server?.stop();
  root?.cleanup();
});
afterEach(() => conns.closeAll());

const DATA_COMMANDS = new Set(["STOR", "APPE", "STOU"]);

const REFUSED: string[] = [
  "STOR new.txt",
  "STOR readme.txt",
  "STOR dir/new.txt",
  "APPE readme.txt",
  "APPE new.txt",
  "STOU",
  "STOU readme.txt",
  "DELE readme.txt",
  "DELE dir/inner.txt",
  "MKD newdir",
  "XMKD newdir",
  "MKD dir/newdir",
  "RMD emptydir",
  "XRMD emptydir",
  "RNFR readme.txt",
  "RNFR dir",
  "SITE CHMOD 777 readme.txt",
  "SITE CHMOD 777 dir",
  "MFMT 20000101000000 readme.txt",
];

describe("anonymous without -w is read-only", () => {
  for (const user of ["anonymous", "ftp"]) {
    for (const line of REFUSED) {
      it(`${user}: ${line} → 550`, async () => {
        const ftp = await conns.login(server, user, "guest@example.com");
        const verb = line.split(" ")[0]!;
        const data = DATA_COMMANDS.has(verb) ? await ftp.openPassiveData("PASV") : undefined;
        await ftp.sendExpect(line, 550, "anonymous users have no write permission unless the server runs with -w");
        if (verb === "RNFR") {
          await ftp.sendExpect("RNTO renamed", [503, 550], "the refused RNFR must not let an RNTO through");
        }
        await ftp.sendExpect("QUIT", 221);
        if (data) {
          const got = await dataUntilClosed(data, 3000, `after "${line}" was refused`);
          if (got.length) throw new HarnessError(`"${line}" was refused, but the server sent ${got.length} bytes on the data connection: ${escapeBytes(got)}`);
        }
      });
    }
  }

  it("RETR, LIST, NLST, MLSD, CWD, SIZE, MDTM, MLST work for anonymous", async () => {
    const ftp = await conns.login(server);
    await ftp.sendExpect("TYPE I", 200);
    let data = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("RETR readme.txt", [125, 150]);
    expectBytes(await data.readAll(5000), README, { what: "RETR readme.txt as anonymous" });
    await expectNext(ftp, 226);
    for (const cmd of ["LIST", "NLST", "MLSD"]) {
      data = await ftp.openPassiveData("PASV");
      await ftp.sendExpect(cmd, [125, 150]);
      const listing = await data.readAll(5000);
      await expectNext(ftp, 226);
      if (!listing.includes(Buffer.from("readme.txt"))) fail(ftp, `${cmd} should list readme.txt; got ${escapeBytes(listing)}`);
    }
    await ftp.sendExpect("CWD dir", 250);
    await ftp.sendExpect("SIZE inner.txt", 213);
    await ftp.sendExpect("MDTM inner.txt", 213);
    await ftp.sendExpect("MLST inner.txt", 250);
    await ftp.sendExpect("CDUP", 250);
  });

  it("nothing in the root changed (content, mode, mtime; no new entries)", () => {
    const diffs = diffTrees(before, fingerprintTree(root.dir), { atime: false });
    if (diffs.length) throw new HarnessError(`A read-only anonymous session changed the root:\n${diffs.map((d) => "  " + d).join("\n")}`);
  });
});

function fail(ftp: FtpSocket, headline: string): never {
  throw new HarnessError(`${headline}\n  reproduce: ${reproLine(ftp.context())}`);
}
