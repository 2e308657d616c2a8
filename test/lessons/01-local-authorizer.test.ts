/**
 * Lesson 1: the local authorizer. Virtual users with passwords and home folders, permission
 * letters, and anonymous read-only access.
 *
 * Users come from the command line here (the users file is lesson 4):
 *
 *   --user NAME:PASSWORD:PERMS:HOME    one user (repeatable)
 *   -u NAME -P PASSWORD                one user whose home is the -d folder, with every permission
 *   -w                                 anonymous may write too
 *
 * Permission letters (pyftpdlib's): e = CWD, l = LIST/NLST/MLSD/SIZE/MDTM, r = RETR,
 * a = APPE, d = DELE/RMD, f = RNFR/RNTO, m = MKD, w = STOR/STOU, M = SITE CHMOD, T = MFMT.
 *
 * Run against your starter:  FTP_TARGET=lessons/01-local-authorizer npx vitest run test/lessons/01-local-authorizer.test.ts
 */
import fs from "node:fs";
import { describe, it } from "vitest";
import { expectBytes, expectPrefix, type FtpSocket } from "../harness/index.ts";
import {
  diskNames,
  download,
  expectAllowed,
  expectOnDisk,
  expectRefused,
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

describe("named users from --user NAME:PASSWORD:PERMS:HOME", () => {
  const srv = useStageServer({
    files: {
      "homes/anna/anna.txt": "anna's notes\n",
      "homes/bob/bob.txt": "bob's file\n",
      "homes/bob/keep": null,
      "homes/wendy/wendy.txt": "wendy's file\n",
      "homes/mike/mike.txt": "mike's file\n",
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
      `mike:m1ke:elrm:${root.path("homes/mike")}`,
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

  it('each user sees its own home as "/": PWD says "/" and LIST shows that home\'s files, not another user\'s', async () => {
    const anna = await srv.login("anna", "s3cret");
    expectPrefix(await anna.sendExpect("PWD", 257, "PWD is answered with 257"), '257 "/"', anna.context(HOME_CAUSE));
    expectNames(anna, await listing(anna), diskNames(home("anna")), "anna's LIST", HOME_CAUSE);
    const bob = await srv.login("bob", "b0b-pw");
    expectPrefix(await bob.sendExpect("PWD", 257, "PWD is answered with 257"), '257 "/"', bob.context(HOME_CAUSE));
    expectNames(bob, await listing(bob), diskNames(home("bob")), "bob's LIST", HOME_CAUSE);
  });

  it("a user with only 'elr' (read-only) can download: RETR sends the file's exact bytes", async () => {
    const bob = await srv.login("bob", "b0b-pw");
    const t = await download(bob, "RETR bob.txt");
    expectAllowed(bob, t, "'r' allows RETR");
    expectBytes(t.data, fs.readFileSync(home("bob", "bob.txt")), { ...bob.context(), what: "RETR bob.txt (bob's home)" });
  });

  it("a user with only 'elr' cannot change anything: STOR, APPE, DELE, MKD, RMD and RNFR get 550 and the disk is unchanged", async () => {
    const bob = await srv.login("bob", "b0b-pw");
    const before = diskNames(home("bob"));
    const why = (cmd: string, letter: string) => `bob has "elr", no '${letter}': ${cmd} must be refused with 550 before anything changes`;
    expectRefused(bob, await upload(bob, "STOR new.txt", "should not be written\n"), 550, why("STOR", "w"));
    expectRefused(bob, await upload(bob, "APPE bob.txt", "should not be appended\n"), 550, why("APPE", "a"));
    await bob.sendExpect("DELE bob.txt", 550, why("DELE", "d"));
    await bob.sendExpect("MKD newdir", 550, why("MKD", "m"));
    await bob.sendExpect("RMD keep", 550, why("RMD", "d"));
    await bob.sendExpect("RNFR bob.txt", 550, why("RNFR", "f"));
    const after = diskNames(home("bob"));
    expectOnDisk(
      bob,
      JSON.stringify(after) === JSON.stringify(before),
      `bob's home changed although every command was refused: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}.`,
      "check the permission letter before touching the disk, and answer 550 without doing anything",
    );
    expectBytes(fs.readFileSync(home("bob", "bob.txt")), Buffer.from("bob's file\n"), { ...bob.context(), what: "bob.txt on disk after the refused APPE and DELE" });
  });

  it("a user with every letter ('elradfmwMT') can upload, append, rename, make and remove folders and delete, and the disk shows each change", async () => {
    const anna = await srv.login("anna", "s3cret");
    const ok = (cmd: string, letter: string) => `anna has every permission, '${letter}' included: ${cmd} must work`;
    expectAllowed(anna, await upload(anna, "STOR up.txt", "uploaded by anna\n"), ok("STOR", "w"));
    expectAllowed(anna, await upload(anna, "APPE up.txt", "and appended\n"), ok("APPE", "a"));
    expectBytes(fs.readFileSync(home("anna", "up.txt")), Buffer.from("uploaded by anna\nand appended\n"), {
      ...anna.context(),
      what: "up.txt on disk after STOR and APPE",
    });
    await anna.sendExpect("MKD folder", 257, ok("MKD", "m"));
    expectOnDisk(anna, fs.statSync(home("anna", "folder"), { throwIfNoEntry: false })?.isDirectory() === true, "MKD folder answered 257 but there is no folder on disk.");
    await anna.sendExpect("RNFR up.txt", 350, ok("RNFR", "f") + " (350: send RNTO next)");
    await anna.sendExpect("RNTO folder/moved.txt", 250, ok("RNTO", "f"));
    expectOnDisk(
      anna,
      !fs.existsSync(home("anna", "up.txt")) && fs.existsSync(home("anna", "folder/moved.txt")),
      "After RNFR up.txt / RNTO folder/moved.txt the file must be at folder/moved.txt and no longer at up.txt.",
    );
    await anna.sendExpect("DELE folder/moved.txt", 250, ok("DELE", "d"));
    expectOnDisk(anna, !fs.existsSync(home("anna", "folder/moved.txt")), "DELE folder/moved.txt answered 250 but the file is still on disk.");
    await anna.sendExpect("RMD folder", 250, ok("RMD", "d"));
    expectOnDisk(anna, !fs.existsSync(home("anna", "folder")), "RMD folder answered 250 but the folder is still on disk.");
  });

  it("a user with 'elrw' may upload but not delete or make folders: STOR works, DELE and MKD get 550", async () => {
    const wendy = await srv.login("wendy", "w3ndy");
    expectAllowed(wendy, await upload(wendy, "STOR drop.txt", "from wendy\n"), "wendy has 'w': STOR must work");
    expectBytes(fs.readFileSync(home("wendy", "drop.txt")), Buffer.from("from wendy\n"), { ...wendy.context(), what: "drop.txt on disk after STOR" });
    await wendy.sendExpect("DELE drop.txt", 550, "wendy has \"elrw\", no 'd': DELE must be refused");
    await wendy.sendExpect("MKD sub", 550, "wendy has \"elrw\", no 'm': MKD must be refused");
    expectOnDisk(wendy, fs.existsSync(home("wendy", "drop.txt")), "The refused DELE removed drop.txt anyway.");
    expectOnDisk(wendy, !fs.existsSync(home("wendy", "sub")), "The refused MKD created the folder anyway.");
  });

  it("a user with 'elrm' may make folders but not upload: MKD works, STOR gets 550 and no file appears", async () => {
    const mike = await srv.login("mike", "m1ke");
    await mike.sendExpect("MKD made", 257, "mike has 'm': MKD must work");
    expectOnDisk(mike, fs.existsSync(home("mike", "made")), "MKD made answered 257 but there is no folder on disk.");
    expectRefused(mike, await upload(mike, "STOR nope.txt", "should not be written\n"), 550, "mike has \"elrm\", no 'w': STOR must be refused");
    expectOnDisk(mike, !fs.existsSync(home("mike", "nope.txt")), "The refused STOR created nope.txt anyway.", "refuse before opening the file for writing");
  });

  it("when named users are defined, anonymous cannot log in (530)", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("USER anonymous", 331, "USER is answered with 331 for every name");
    await ftp.sendExpect("PASS guest@example.com", 530, "anonymous login is on by default only when no user is defined (-u, --user, --users)");
  });
});

describe("-u NAME -P PASSWORD: one user, home = the -d folder", () => {
  const srv = useStageServer({
    files: { "carol.txt": "carol's file\n" },
    args: ["-u", "carol", "-P", "c4rol-pw"],
  });

  it("-u/-P defines one user whose home is the -d folder, with every permission (LIST, STOR, MKD, DELE work)", async () => {
    const carol = await srv.login("carol", "c4rol-pw");
    expectNames(carol, await listing(carol), ["carol.txt"], "carol's LIST", "the -u user's home is the -d folder");
    expectAllowed(carol, await upload(carol, "STOR new.txt", "from carol\n"), "the -u user has every permission: STOR must work");
    expectBytes(srv.root.read("new.txt"), Buffer.from("from carol\n"), { ...carol.context(), what: "new.txt in the -d folder after STOR" });
    await carol.sendExpect("MKD box", 257, "the -u user has every permission: MKD must work");
    await carol.sendExpect("DELE new.txt", 250, "the -u user has every permission: DELE must work");
    expectOnDisk(carol, !fs.existsSync(srv.root.path("new.txt")), "DELE new.txt answered 250 but the file is still in the -d folder.");
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
    await ftp.sendExpect("DELE welcome.txt", 550, "anonymous has no 'd' unless -w: DELE must be refused");
    await ftp.sendExpect("MKD newdir", 550, "anonymous has no 'm' unless -w: MKD must be refused");
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
