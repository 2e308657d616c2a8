/**
 * Lesson 1: the local authorizer. Virtual users with passwords (or password digests) and home
 * folders, permission letters, and anonymous read-only access.
 *
 * Users come from the command line here (the users file is lesson 4):
 *
 *   --user NAME:PASSWORD:PERMS:HOME    one user (repeatable); PASSWORD may be a stored digest,
 *                                      scrypt$N$r$p$SALT$HASH (SALT and HASH in base64)
 *   -u NAME -P PASSWORD                one user whose home is the -d folder, with every permission
 *   -w                                 anonymous may write too
 *   --anonymous                        anonymous stays on next to named users
 *
 * Permission letters (pyftpdlib's): e = CWD/CDUP, l = LIST/NLST, r = RETR, w = STOR; and for
 * the commands a server may have beyond lesson 0: a = APPE, d = DELE/RMD, f = RNFR/RNTO,
 * m = MKD, M = SITE CHMOD, T = MFMT. The tests only require commands lesson 0 asked for; a
 * command you do not have may answer 500 or 502, one you have must respect its letter.
 *
 * Run against your server:  FTP_TARGET=workspace npx vitest run test/lessons/01-local-authorizer.test.ts
 */
import { randomBytes, scryptSync } from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, it } from "vitest";
import { expectBytes, expectCode, expectPrefix, makeTempRoot, runCli, targetEntry, type FtpSocket, type TempRoot } from "../harness/index.ts";
import {
  diskNames,
  download,
  expectAllowed,
  expectOnDisk,
  expectRefused,
  expectStartupError,
  failWith,
  listing,
  loginOn,
  upload,
  useStageServer,
} from "./stage-helpers.ts";

/** Fail unless the listed names are exactly `want` (both sorted). */
function expectNames(ftp: FtpSocket, got: string[], want: string[], what: string, cause: string): void {
  const a = [...got].sort();
  const b = [...want].sort();
  if (a.length === b.length && a.every((n, i) => n === b[i])) return;
  failWith(ftp, `${what}: expected the names ${JSON.stringify(b)}, the listing showed ${JSON.stringify(a)}.`, cause);
}

const HOME_CAUSE =
  "after login the session's root must be the user's own home folder (LIST and PWD are relative to it), " +
  "not the -d folder and not another user's home";

/**
 * A stored password digest in the final server's format (what `npm run hash-password` prints):
 * scrypt$N$r$p$<salt, base64>$<hash, base64>, node:crypto's scrypt with a 32-byte hash.
 */
export function scryptDigest(password: string, N = 16384, r = 8, p = 1): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/**
 * A command beyond lesson 0 (DELE, MKD, RMD, RNFR) sent by a user without its letter: 550, or
 * 500/502 when the server does not have the command. Never a success.
 */
async function expectNotDone(ftp: FtpSocket, command: string, why: string): Promise<void> {
  const reply = await ftp.send(command);
  expectCode(reply, [550, 500, 502], ftp.context(`${why} (500 or 502 is fine if your server does not have ${command.split(" ")[0]})`));
}

describe("named users from --user NAME:PASSWORD:PERMS:HOME", () => {
  const srv = useStageServer({
    files: {
      "homes/anna/anna.txt": "anna's notes\n",
      "homes/anna/docs/inside.txt": "in anna's docs\n",
      "homes/bob/bob.txt": "bob's file\n",
      "homes/bob/keep": null,
      "homes/wendy/wendy.txt": "wendy's file\n",
      "homes/lena/lena.txt": "lena's file\n",
      "homes/lena/sub/deeper.txt": "deeper\n",
      "homes/rita/rita.txt": "rita's file\n",
      "homes/rita/sub/deeper.txt": "deeper\n",
      "shared.txt": "in the -d folder, which no named user should see\n",
    },
    args: (root) => [
      "--user",
      `anna:s3cret:elradfmwMT:${root.path("homes/anna")}`,
      "--user",
      `bob:b0b-pw:elr:${root.path("homes/bob")}`,
      "--user",
      `wendy:w3ndy:elrw:${root.path("homes/wendy")}`,
      "--user",
      `lena:l3na:lw:${root.path("homes/lena")}`,
      "--user",
      `rita:r1ta:er:${root.path("homes/rita")}`,
    ],
  });
  const home = (user: string, rel = "") => srv.root.path(`homes/${user}/${rel}`);

  it("a user logs in with the right password: USER gets 331, then PASS gets 230", async () => {
    const ftp = await srv.connect();
    await loginOn(ftp, "anna", "s3cret", "--user anna:s3cret:elradfmwMT:<home>");
  });

  it("a wrong password gets 530, and the session stays logged out (PWD then gets 530 too)", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("USER anna", 331, "USER is answered with 331 for every name");
    await ftp.sendExpect("PASS not-her-password", 530, "anna's password is s3cret: any other password must be refused with 530");
    await ftp.sendExpect("PWD", 530, "after a refused PASS nobody is logged in, so commands that need a login get 530");
  });

  it("an unknown user gets the very same replies as a wrong password, so nobody can find out which names exist", async () => {
    const known = await srv.connect();
    const u1 = await known.sendExpect("USER anna", 331, "USER is answered with 331 for every name");
    const p1 = await known.sendExpect("PASS wrong-password", 530, "a wrong password gets 530");
    const unknown = await srv.connect();
    const u2 = await unknown.sendExpect("USER nosuchuser", 331, "USER must answer 331 even for a name that does not exist (else it tells strangers which names exist)");
    const p2 = await unknown.sendExpect("PASS wrong-password", 530, "an unknown user gets 530");
    if (u1.text.replace("anna", "NAME") !== u2.text.replace("nosuchuser", "NAME")) {
      failWith(
        unknown,
        `USER for an unknown name is answered differently from USER for a real one: "${u1.lines[0]}" vs "${u2.lines[0]}".`,
        "a stranger could try names and learn which exist; answer 331 the same way for every name",
      );
    }
    if (p1.text !== p2.text) {
      failWith(
        unknown,
        `The 530 for an unknown user ("${p2.lines[0]}") differs from the 530 for a wrong password ("${p1.lines[0]}").`,
        'use one message for both (e.g. "530 Login incorrect."), so the reply does not say whether the name exists',
      );
    }
  });

  it("a password is compared whole: a prefix of it, or it with a character more, gets 530", async () => {
    for (const attempt of ["s3cre", "s3cret!", "S3CRET"]) {
      const ftp = await srv.connect();
      await ftp.sendExpect("USER anna", 331, "USER is answered with 331");
      await ftp.sendExpect(`PASS ${attempt}`, 530, `anna's password is s3cret; "${attempt}" is another password and must be refused`);
      ftp.destroy();
    }
  });

  it('each user sees its own home as "/": PWD says "/" and LIST shows that home\'s files, not another user\'s', async () => {
    const anna = await srv.login("anna", "s3cret");
    expectPrefix(await anna.sendExpect("PWD", 257, "PWD is answered with 257"), '257 "/"', anna.context(HOME_CAUSE));
    expectNames(anna, await listing(anna), diskNames(home("anna")), "anna's LIST", HOME_CAUSE);
    const bob = await srv.login("bob", "b0b-pw");
    expectPrefix(await bob.sendExpect("PWD", 257, "PWD is answered with 257"), '257 "/"', bob.context(HOME_CAUSE));
    expectNames(bob, await listing(bob), diskNames(home("bob")), "bob's LIST", HOME_CAUSE);
  });

  it("the home is a wall: CWD .. at a user's root does not reach the other homes or the -d folder", async () => {
    const bob = await srv.login("bob", "b0b-pw");
    const up = await bob.send("CWD ..");
    expectCode(up, [250, 550], bob.context("CWD .. at the root of the home either stays at / (250) or is refused (550)"));
    expectNames(bob, await listing(bob), diskNames(home("bob")), "bob's LIST after CWD ..", "the home is the user's whole world: '..' never climbs above it");
    await bob.sendExpect("CWD /../anna", 550, "anna's home is a sibling of bob's on disk: no path may lead there from bob's home");
  });

  it("a user with only 'elr' (read-only) can change folder, list and download: RETR sends the file's exact bytes", async () => {
    const bob = await srv.login("bob", "b0b-pw");
    await bob.sendExpect("CWD keep", 250, "'e' allows CWD");
    await bob.sendExpect("CWD /", 250, "'e' allows CWD");
    const t = await download(bob, "RETR bob.txt");
    expectAllowed(bob, t, "'r' allows RETR");
    expectBytes(t.data, fs.readFileSync(home("bob", "bob.txt")), { ...bob.context(), what: "RETR bob.txt (bob's home)" });
  });

  it("a user with only 'elr' cannot change anything: STOR gets 550 and nothing is written; DELE, MKD, RMD, RNFR, APPE never succeed", async () => {
    const bob = await srv.login("bob", "b0b-pw");
    const before = diskNames(home("bob"));
    const why = (cmd: string, letter: string) => `bob has "elr", no '${letter}': ${cmd} must be refused with 550 before anything changes`;
    expectRefused(bob, await upload(bob, "STOR new.txt", "should not be written\n"), 550, why("STOR", "w"));
    expectRefused(bob, await upload(bob, "STOR bob.txt", "should not replace bob.txt\n"), 550, why("STOR over an existing file", "w"));
    await expectNotDone(bob, "DELE bob.txt", why("DELE", "d"));
    await expectNotDone(bob, "MKD newdir", why("MKD", "m"));
    await expectNotDone(bob, "RMD keep", why("RMD", "d"));
    await expectNotDone(bob, "RNFR bob.txt", why("RNFR", "f"));
    await bob.sendExpect("TYPE I", 200, "TYPE I is answered with 200");
    const appe = await bob.send("APPE bob.txt");
    expectCode(appe, [550, 425, 500, 502], bob.context(why("APPE", "a") + " (500 or 502 is fine if your server does not have APPE)"));
    const after = diskNames(home("bob"));
    expectOnDisk(
      bob,
      JSON.stringify(after) === JSON.stringify(before),
      `bob's home changed although every command was refused: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}.`,
      "check the permission letter before touching the disk, and answer 550 without doing anything",
    );
    expectBytes(fs.readFileSync(home("bob", "bob.txt")), Buffer.from("bob's file\n"), { ...bob.context(), what: "bob.txt on disk after the refused STOR" });
  });

  it("a user with every letter ('elradfmwMT') can change folder, list, download and upload, and the upload is on disk", async () => {
    const anna = await srv.login("anna", "s3cret");
    const ok = (cmd: string, letter: string) => `anna has every permission, '${letter}' included: ${cmd} must work`;
    await anna.sendExpect("CWD docs", 250, ok("CWD", "e"));
    expectNames(anna, await listing(anna), ["inside.txt"], "anna's LIST of /docs", ok("LIST", "l"));
    expectAllowed(anna, await upload(anna, "STOR up.txt", "uploaded by anna\n"), ok("STOR", "w"));
    expectBytes(fs.readFileSync(home("anna", "docs/up.txt")), Buffer.from("uploaded by anna\n"), { ...anna.context(), what: "docs/up.txt on disk after STOR" });
    const t = await download(anna, "RETR up.txt");
    expectAllowed(anna, t, ok("RETR", "r"));
    expectBytes(t.data, Buffer.from("uploaded by anna\n"), { ...anna.context(), what: "RETR up.txt" });
  });

  it("a user with 'elrw' may upload but not delete or make folders: STOR works, DELE and MKD never succeed", async () => {
    const wendy = await srv.login("wendy", "w3ndy");
    expectAllowed(wendy, await upload(wendy, "STOR drop.txt", "from wendy\n"), "wendy has 'w': STOR must work");
    expectBytes(fs.readFileSync(home("wendy", "drop.txt")), Buffer.from("from wendy\n"), { ...wendy.context(), what: "drop.txt on disk after STOR" });
    await expectNotDone(wendy, "DELE drop.txt", "wendy has \"elrw\", no 'd': DELE must be refused");
    await expectNotDone(wendy, "MKD sub", "wendy has \"elrw\", no 'm': MKD must be refused");
    expectOnDisk(wendy, fs.existsSync(home("wendy", "drop.txt")), "The refused DELE removed drop.txt anyway.");
    expectOnDisk(wendy, !fs.existsSync(home("wendy", "sub")), "The refused MKD created the folder anyway.");
  });

  it("a user with 'lw' (no 'e', no 'r') may list and upload, but CWD and RETR get 550", async () => {
    const lena = await srv.login("lena", "l3na");
    expectNames(lena, await listing(lena), diskNames(home("lena")), "lena's LIST", "lena has 'l': LIST must work");
    expectAllowed(lena, await upload(lena, "STOR put.txt", "from lena\n"), "lena has 'w': STOR must work");
    await lena.sendExpect("CWD sub", 550, "lena has \"lw\", no 'e': CWD must be refused with 550");
    expectPrefix(await lena.sendExpect("PWD", 257, "PWD is answered with 257"), '257 "/"', lena.context("the refused CWD must not change the current folder"));
    expectRefused(lena, await download(lena, "RETR lena.txt"), 550, "lena has \"lw\", no 'r': RETR must be refused with 550, before any 150");
  });

  it("a user with 'er' (no 'l') may change folder and download, but LIST and NLST get 550", async () => {
    const rita = await srv.login("rita", "r1ta");
    await rita.sendExpect("CWD sub", 250, "rita has 'e': CWD must work");
    const t = await download(rita, "RETR deeper.txt");
    expectAllowed(rita, t, "rita has 'r': RETR must work");
    expectBytes(t.data, Buffer.from("deeper\n"), { ...rita.context(), what: "RETR deeper.txt" });
    expectRefused(rita, await download(rita, "LIST"), 550, "rita has \"er\", no 'l': LIST must be refused with 550, before any 150");
    expectRefused(rita, await download(rita, "NLST"), 550, "rita has \"er\", no 'l': NLST must be refused with 550, before any 150");
  });

  it("when named users are defined (and no --anonymous), anonymous cannot log in (530)", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("USER anonymous", 331, "USER is answered with 331 for every name");
    await ftp.sendExpect("PASS guest@example.com", 530, "anonymous login is on by default only when no user is defined (-u, --user, --users)");
  });
});

describe("a password digest instead of the password: --user NAME:scrypt$N$r$p$SALT$HASH:PERMS:HOME", () => {
  const digest = scryptDigest("open sesame");
  const srv = useStageServer({
    files: { "homes/dora/dora.txt": "dora's file\n" },
    args: (root) => ["--user", `dora:${digest}:elr:${root.path("homes/dora")}`],
  });
  const DIGEST_CAUSE =
    "a password field of the form scrypt$N$r$p$SALT$HASH is a stored digest: run scrypt on the password the client sent " +
    "(with that salt and those parameters) and compare the result with HASH";

  it("a user defined by a digest logs in with the password itself, and lands in its home", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("USER dora", 331, "USER is answered with 331");
    await ftp.sendExpect("PASS open sesame", 230, `dora's digest is of "open sesame" (a password with a space: the argument is the rest of the line). ${DIGEST_CAUSE}`);
    expectNames(ftp, await listing(ftp), ["dora.txt"], "dora's LIST", HOME_CAUSE);
  });

  it("the digest itself is not a password: PASS <the digest string> gets 530", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("USER dora", 331, "USER is answered with 331");
    await ftp.sendExpect(
      `PASS ${digest}`,
      530,
      "whoever reads the digest (from ps, or the users file) must not be able to log in with it: compare the scrypt of what the client sent, never the text itself",
    );
  });

  it("a wrong password for a digest user gets 530", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("USER dora", 331, "USER is answered with 331");
    await ftp.sendExpect("PASS open sesame!", 530, `only "open sesame" matches dora's digest. ${DIGEST_CAUSE}`);
  });
});

describe("-u NAME -P PASSWORD: one user, home = the -d folder", () => {
  const srv = useStageServer({
    files: { "carol.txt": "carol's file\n" },
    args: ["-u", "carol", "-P", "c4rol-pw"],
  });

  it("-u/-P defines one user whose home is the -d folder, with every permission (LIST, STOR, RETR work)", async () => {
    const carol = await srv.login("carol", "c4rol-pw");
    expectNames(carol, await listing(carol), ["carol.txt"], "carol's LIST", "the -u user's home is the -d folder");
    expectAllowed(carol, await upload(carol, "STOR new.txt", "from carol\n"), "the -u user has every permission: STOR must work");
    expectBytes(srv.root.read("new.txt"), Buffer.from("from carol\n"), { ...carol.context(), what: "new.txt in the -d folder after STOR" });
    const t = await download(carol, "RETR new.txt");
    expectAllowed(carol, t, "the -u user has every permission: RETR must work");
  });

  it("-u/-P: a wrong password gets 530", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("USER carol", 331, "USER is answered with 331");
    await ftp.sendExpect("PASS wrong", 530, "carol's password is c4rol-pw");
  });
});

describe("anonymous (no users defined): read-only by default", () => {
  const srv = useStageServer({ files: { "welcome.txt": "hello, anonymous\n", "pub": null } });

  it("anonymous logs in with any password and can download", async () => {
    const ftp = await srv.login("anonymous", "any-password-at-all");
    const t = await download(ftp, "RETR welcome.txt");
    expectAllowed(ftp, t, "anonymous has 'r': RETR must work");
    expectBytes(t.data, Buffer.from("hello, anonymous\n"), { ...ftp.context(), what: "RETR welcome.txt" });
  });

  it("'ftp' is another name for anonymous: it logs in and sees the -d folder", async () => {
    const ftp = await srv.login("ftp", "me@example.com");
    expectNames(ftp, await listing(ftp), diskNames(srv.root.dir), "LIST as ftp", '"ftp" must work exactly like "anonymous"');
  });

  it("anonymous is read-only by default: STOR gets 550 and no file is created (DELE and MKD get 550 too)", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    expectRefused(ftp, await upload(ftp, "STOR intruder.txt", "should not be written\n"), 550, "anonymous has \"elr\" unless -w: STOR must be refused");
    expectOnDisk(ftp, !fs.existsSync(srv.root.path("intruder.txt")), "The refused STOR created intruder.txt anyway.", "refuse before opening the file");
    await expectNotDone(ftp, "DELE welcome.txt", "anonymous has no 'd' unless -w: DELE must be refused");
    await expectNotDone(ftp, "MKD newdir", "anonymous has no 'm' unless -w: MKD must be refused");
    expectOnDisk(ftp, fs.existsSync(srv.root.path("welcome.txt")), "The refused DELE removed welcome.txt anyway.");
    expectOnDisk(ftp, !fs.existsSync(srv.root.path("newdir")), "The refused MKD created newdir anyway.");
  });
});

describe("anonymous with -w: may write", () => {
  const srv = useStageServer({ files: { "welcome.txt": "hello\n" }, args: ["-w"] });

  it("-w lets anonymous upload: STOR works and the file appears on disk", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    const t = await upload(ftp, "STOR dropped.txt", "dropped by anonymous\n");
    expectAllowed(ftp, t, "-w gives anonymous every permission ('w' included): STOR must work");
    expectBytes(srv.root.read("dropped.txt"), Buffer.from("dropped by anonymous\n"), { ...ftp.context(), what: "dropped.txt on disk after STOR" });
  });
});

describe("--anonymous next to named users: anonymous gets its own read-only root", () => {
  const srv = useStageServer({
    serveRoot: false,
    files: { "pub/welcome.txt": "hello, anonymous\n", "pub/docs/readme.txt": "public docs\n", "homes/anna/anna.txt": "anna's notes\n" },
    args: (root) => ["-d", root.path("pub"), "--anonymous", "--user", `anna:s3cret:elradfmwMT:${root.path("homes/anna")}`],
  });

  it("anonymous logs in and sees the -d folder as /, not a named user's home; anna sees hers", async () => {
    const anon = await srv.login("anonymous", "guest@example.com");
    expectNames(anon, await listing(anon), ["docs", "welcome.txt"], "anonymous's LIST", "anonymous's root is the -d folder, whoever else is defined");
    await anon.sendExpect("CWD docs", 250, "anonymous has 'e': CWD must work");
    const anna = await srv.login("anna", "s3cret");
    expectNames(anna, await listing(anna), ["anna.txt"], "anna's LIST", HOME_CAUSE);
  });

  it("anonymous stays read-only next to a user who may write: STOR gets 550 and nothing is written", async () => {
    const anon = await srv.login("ftp", "guest@example.com");
    expectRefused(anon, await upload(anon, "STOR intruder.txt", "nope\n"), 550, "anonymous has \"elr\" unless -w, whatever the named users may do");
    expectOnDisk(anon, !fs.existsSync(srv.root.path("pub/intruder.txt")), "The refused STOR created pub/intruder.txt anyway.");
    const anna = await srv.login("anna", "s3cret");
    expectAllowed(anna, await upload(anna, "STOR mine.txt", "anna's\n"), "anna has every letter: STOR must work");
  });
});

describe.concurrent("a mistake in --user stops the server at start", () => {
  let root: TempRoot;
  beforeAll(() => {
    root = makeTempRoot({ "homes/anna": null, "homes/bob": null });
  });
  afterAll(() => root.cleanup());
  const run = (...flags: string[]) => runCli(["-i", "127.0.0.1", "-p", "0", "-d", root.dir, ...flags], { entry: targetEntry(), stopWhenListening: true });
  /** The bad letter named on its own ("q", 'q', q;) or the letters it came in. */
  const naming = (letters: string, bad: string) => new RegExp(`${letters}|(^|[^A-Za-z])${bad}([^A-Za-z]|$)`, "m");

  it("an unknown permission letter (elrq) stops the server: exit code 2, and the error names the letter", async () => {
    expectStartupError(
      await run("--user", `anna:s3cret:elrq:${root.path("homes/anna")}`),
      [naming("elrq", "q")],
      "--user anna:s3cret:elrq:HOME (q is no permission letter; a typo must not silently mean fewer rights)",
    );
  });

  it("letters are case-sensitive: 'elrW' (W is not w) stops the server too", async () => {
    expectStartupError(
      await run("--user", `anna:s3cret:elrW:${root.path("homes/anna")}`),
      [naming("elrW", "W")],
      "--user anna:s3cret:elrW:HOME (upload is 'w'; 'W' is no letter, and M and T are the only capitals)",
    );
  });

  it("a user defined twice stops the server: exit code 2, and the error names the user", async () => {
    expectStartupError(
      await run("--user", `anna:s3cret:elr:${root.path("homes/anna")}`, "--user", `anna:other:elradfmwMT:${root.path("homes/bob")}`),
      ["anna"],
      "--user anna:... given twice (which password and which home would count?)",
    );
  });
});
