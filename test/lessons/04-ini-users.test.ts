/**
 * Lesson 4: users and settings from files.
 *
 * The users file (--users FILE), one user per line:
 *
 *   # name      password   perms        home
 *   anna        s3cret     elradfmwMT   homes/anna          <- relative to the users file's folder
 *   bob         b0b-pw     elr          homes/bob smith     <- the home is the rest of the line
 *   anonymous   -          elr          pub                 <- turns anonymous on (password ignored)
 *
 * The config file (-c FILE / --config FILE), INI sections and keys as in final/ftpd.sample.ini:
 *
 *   [server]  banner = Hello lab          [passive]  ports = 40000-40019
 *   [users]   users_file = users.txt      (paths are relative to the config file's folder)
 *
 * Built-in defaults < config file < command line. A mistake in either file stops the server
 * with exit code 2 and one line naming FILE:LINE, what is wrong and how to fix it.
 *
 * Run against your server:  FTP_TARGET=workspace npx vitest run test/lessons/04-ini-users.test.ts
 */
import { randomBytes, scryptSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { expectBytes, expectPrefix, makeTempRoot, runCli, targetEntry, type FtpSocket, type TempRoot } from "../harness/index.ts";
import {
  diskNames,
  download,
  expectAllowed,
  expectInRange,
  expectOnDisk,
  expectRefused,
  expectStartupError,
  failWith,
  freeRange,
  lastReplyLine,
  listing,
  numbered,
  upload,
  useStageServer,
} from "./stage-helpers.ts";

/** Fail unless the listed names are exactly `want`. */
function expectNames(ftp: FtpSocket, got: string[], want: string[], what: string, cause: string): void {
  const a = [...got].sort();
  const b = [...want].sort();
  if (a.length === b.length && a.every((n, i) => n === b[i])) return;
  failWith(ftp, `${what}: expected the names ${JSON.stringify(b)}, the listing showed ${JSON.stringify(a)}.`, cause);
}

/** A stored password digest, as lesson 1 reads it: scrypt$N$r$p$<salt, base64>$<hash, base64>. */
function scryptDigest(password: string, N = 16384, r = 8, p = 1): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

// ---- the users file --------------------------------------------------------------------

/** A stored digest of "3ve-pw" (lesson 1's scrypt$N$r$p$SALT$HASH): the file holds no password. */
const EVE_DIGEST = scryptDigest("3ve-pw");

/** The users file of the first describe; `dora` gets an absolute home, filled in at start. */
const usersText = (doraHome: string) =>
  [
    "# name      password   perms        home",
    "anna        s3cret     elradfmwMT   homes/anna",
    "",
    "   ",
    "bob         b0b-pw     elr          homes/bob smith",
    "#carl       c4rl       elr          homes/anna",
    `dora        d0ra       elr          ${doraHome}`,
    `eve         ${EVE_DIGEST}   elr   homes/anna`,
    "anonymous   -          elr          pub",
    "",
  ].join("\n");

describe("--users FILE: users from a users file", () => {
  let text = "";
  const srv = useStageServer({
    serveRoot: false,
    files: {
      "etc/homes/anna/anna.txt": "anna's notes\n",
      "etc/homes/bob smith/bob.txt": "bob's file\n",
      "etc/pub/welcome.txt": "hello, anonymous\n",
      "elsewhere/dora/dora.txt": "dora's file\n",
    },
    args: (root) => {
      text = usersText(root.path("elsewhere/dora"));
      fs.writeFileSync(root.path("etc/users.txt"), text);
      return ["--users", root.path("etc/users.txt")];
    },
  });
  const fileCause = (what: string) => `${what}\n${numbered("users.txt (the server's working folder is not its folder)", text)}`;

  it("users from the file log in with their passwords, each in its own home; a relative home is relative to the users file's folder", async () => {
    const anna = await srv.login("anna", "s3cret");
    expectNames(
      anna,
      await listing(anna),
      diskNames(srv.root.path("etc/homes/anna")),
      "anna's LIST",
      fileCause('anna\'s home "homes/anna" is relative: resolve it against the users file\'s folder (etc/), not the current folder'),
    );
    const dora = await srv.login("dora", "d0ra");
    expectNames(dora, await listing(dora), ["dora.txt"], "dora's LIST", fileCause("dora's home is an absolute path: use it as it is"));
  });

  it("a home may contain spaces: it is the rest of the line (bob's home is 'homes/bob smith')", async () => {
    const bob = await srv.login("bob", "b0b-pw");
    expectNames(
      bob,
      await listing(bob),
      ["bob.txt"],
      "bob's LIST",
      fileCause("split the line into name, password, perms and the rest: the home is everything after the third field"),
    );
    const t = await download(bob, "RETR bob.txt");
    expectAllowed(bob, t, "bob has 'r'");
    expectBytes(t.data, Buffer.from("bob's file\n"), { ...bob.context(), what: "RETR bob.txt" });
  });

  it("each user gets the permission letters of its line: anna (elradfmwMT) may upload, bob (elr) gets 550 and nothing is written", async () => {
    const anna = await srv.login("anna", "s3cret");
    expectAllowed(anna, await upload(anna, "STOR from-anna.txt", "uploaded\n"), "anna's line gives her every permission: STOR must work");
    expectOnDisk(anna, fs.existsSync(srv.root.path("etc/homes/anna/from-anna.txt")), "anna's STOR answered 226 but from-anna.txt is not in her home.");
    const bob = await srv.login("bob", "b0b-pw");
    expectRefused(bob, await upload(bob, "STOR from-bob.txt", "nope\n"), 550, "bob's line says elr: no 'w', so STOR must be refused");
    expectOnDisk(bob, !fs.existsSync(srv.root.path("etc/homes/bob smith/from-bob.txt")), "bob's refused STOR wrote from-bob.txt anyway.");
  });

  it("comment lines (#) and blank lines are skipped: the users after them work, and a commented-out user cannot log in", async () => {
    (await srv.login("dora", "d0ra")).destroy();
    const carl = await srv.connect();
    await carl.sendExpect("USER carl", 331, "USER is answered with 331 for every name");
    await carl.sendExpect("PASS c4rl", 530, fileCause('carl\'s line starts with "#": it is a comment, so there is no user carl'));
  });

  it("a line for 'anonymous' (password '-') turns anonymous on, jailed in its own home with its permissions", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    expectNames(ftp, await listing(ftp), ["welcome.txt"], "anonymous's LIST", fileCause('the anonymous line\'s home is "pub", relative to the users file\'s folder'));
    expectRefused(ftp, await upload(ftp, "STOR up.txt", "nope\n"), 550, "the anonymous line says elr: STOR must be refused");
  });

  it("a password field holding a digest (scrypt$...) works as in lesson 1: the password logs in, the digest string does not", async () => {
    const eve = await srv.connect();
    await eve.sendExpect("USER eve", 331, "USER is answered with 331");
    await eve.sendExpect("PASS 3ve-pw", 230, fileCause("eve's password field is a scrypt digest of 3ve-pw: hand it to your user store exactly like a --user password"));
    const thief = await srv.connect();
    await thief.sendExpect("USER eve", 331, "USER is answered with 331");
    await thief.sendExpect(`PASS ${EVE_DIGEST}`, 530, "the digest in the users file is not a password: whoever can read the file must not be able to log in with it");
  });

  it("a wrong password for a user from the file gets 530", async () => {
    const ftp = await srv.connect();
    await ftp.sendExpect("USER anna", 331, "USER is answered with 331");
    await ftp.sendExpect("PASS b0b-pw", 530, "that is bob's password, not anna's");
  });
});

describe.concurrent("a mistake in the users file stops the server with FILE:LINE", () => {
  let root: TempRoot;
  beforeAll(() => {
    root = makeTempRoot({ "homes/anna": null, "homes/bob": null });
  });
  afterAll(() => root.cleanup());

  /** Write `lines` as <temp>/<name>, run the server with --users on it. */
  async function check(name: string, lines: string[], line: number, what: string, mentions: string[] = []): Promise<void> {
    const file = root.path(name);
    const text = lines.join("\n") + "\n";
    fs.writeFileSync(file, text);
    const run = await runCli(["-i", "127.0.0.1", "-p", "0", "-d", root.dir, "--users", file], { entry: targetEntry(), stopWhenListening: true });
    expectStartupError(run, [`${name}:${line}`, ...mentions], what, numbered(name, text));
  }

  it("a line with only 3 fields stops the server: exit code 2, and the error names the file and line (bad-fields.txt:3)", async () => {
    await check(
      "bad-fields.txt",
      ["# name password perms home", `anna s3cret elr ${root.path("homes/anna")}`, "bob b0b-pw elr"],
      3,
      "line 3 has no home (3 fields, 4 needed)",
    );
  });

  it("an unknown permission letter stops the server, naming the line (bad-perms.txt:2)", async () => {
    await check("bad-perms.txt", ["", `anna s3cret elrx ${root.path("homes/anna")}`], 2, '"x" is not a permission letter (elradfmwMT)');
  });

  it("a home folder that does not exist stops the server, naming the line (no-home.txt:2)", async () => {
    await check("no-home.txt", [`anna s3cret elr ${root.path("homes/anna")}`, `bob b0b-pw elr ${root.path("homes/nobody")}`], 2, "bob's home homes/nobody does not exist");
  });

  it("a user defined twice stops the server, naming the second line (twice.txt:3)", async () => {
    await check(
      "twice.txt",
      [`anna s3cret elr ${root.path("homes/anna")}`, `bob b0b-pw elr ${root.path("homes/bob")}`, `anna other elradfmwMT ${root.path("homes/bob")}`],
      3,
      "anna is defined on line 1 and again on line 3",
    );
  });
});

// ---- the config file ---------------------------------------------------------------------

const CONF_USERS = "labuser  l4b-pw  elr  homes/lab\n";

describe("-c ftpd.ini: settings from a config file", () => {
  let range = { from: 0, to: 0 };
  let ini = "";
  const srv = useStageServer({
    serveRoot: false,
    files: { "conf/users.txt": CONF_USERS, "conf/homes/lab/lab.txt": "lab file\n" },
    args: async (root) => {
      range = await freeRange(20);
      ini = ["[server]", "banner = Hello lab", "", "[passive]", `ports = ${range.from}-${range.to}`, "", "[users]", "users_file = users.txt", ""].join("\n");
      fs.writeFileSync(root.path("conf/ftpd.ini"), ini);
      return ["-c", root.path("conf/ftpd.ini")];
    },
  });
  const iniCause = (what: string) => `${what}\n${numbered("ftpd.ini", ini)}`;

  it("[server] banner sets the greeting: the server says '220 Hello lab'", async () => {
    const ftp = await srv.connect();
    expectPrefix(ftp.greeting, "220 Hello lab\r\n", { ...ftp.context(), why: iniCause("the greeting's text comes from [server] banner") });
  });

  it("[users] users_file = users.txt is relative to the config file's folder, and its users log in to their homes", async () => {
    const ftp = await srv.login("labuser", "l4b-pw");
    expectNames(
      ftp,
      await listing(ftp),
      ["lab.txt"],
      "labuser's LIST",
      iniCause("users_file is relative to ftpd.ini's folder (conf/), and the homes in it to the users file's folder"),
    );
  });

  it("[passive] ports = FROM-TO: PASV ports come from that range", async () => {
    const ftp = await srv.login("labuser", "l4b-pw");
    for (let i = 0; i < 3; i++) {
      const ds = await ftp.openPassiveData("PASV");
      expectInRange(ftp, ds.remotePort, range, lastReplyLine(ftp), "[passive] ports in ftpd.ini");
      ds.destroy();
    }
  });
});

describe("a users file saved on Windows (CRLF line ends)", () => {
  const srv = useStageServer({
    serveRoot: false,
    files: { "win/homes/anna/anna.txt": "anna's notes\n", "win/users.txt": "# name password perms home\r\nanna s3cret elr homes/anna\r\n" },
    args: (root) => ["--users", root.path("win/users.txt")],
  });

  it("lines ending in \\r\\n work: anna logs in and her home (homes/anna, not 'homes/anna\\r') is found", async () => {
    const anna = await srv.login("anna", "s3cret");
    expectNames(anna, await listing(anna), ["anna.txt"], "anna's LIST", "split the file on \\r?\\n: a \\r left at the end of the line becomes part of the home (or of the password)");
  });
});

describe("-c ftpd.ini: settings of earlier lessons from the file", () => {
  const srv = useStageServer({
    files: { "conf/ftpd.ini": "[passive]\nmasquerade_address = 203.0.113.9\n", "here.txt": "x\n" },
    args: (root) => ["-c", root.path("conf/ftpd.ini")],
  });

  it("[passive] masquerade_address = 203.0.113.9 makes PASV announce 203,0,113,9 (lesson 3's --nat-address, from the file)", async () => {
    const ftp = await srv.login("anonymous", "guest@example.com");
    const reply = await ftp.sendExpect("PASV", 227, "PASV is answered with 227");
    if (!reply.text.includes("203,0,113,9")) {
      failWith(ftp, `The 227 reply "${reply.lines[0]}" does not announce 203,0,113,9.`, "every setting of the command line can come from the file: [passive] masquerade_address is --nat-address");
    }
  });
});

describe("a command-line flag wins over the config file", () => {
  let ini = "";
  const srv = useStageServer({
    serveRoot: false,
    files: { "conf/users.txt": CONF_USERS, "conf/homes/lab/lab.txt": "lab file\n" },
    args: (root) => {
      ini = ["[server]", "banner = From the file", "", "[users]", "users_file = users.txt", ""].join("\n");
      fs.writeFileSync(root.path("conf/ftpd.ini"), ini);
      return ["-c", root.path("conf/ftpd.ini"), "--banner", "From the command line"];
    },
  });

  it("--banner overrides [server] banner, and the file's other settings ([users] users_file) still apply", async () => {
    const ftp = await srv.connect();
    expectPrefix(ftp.greeting, "220 From the command line\r\n", {
      ...ftp.context(),
      why: `defaults < config file < command line: --banner was given, so it wins over the file's banner\n${numbered("ftpd.ini", ini)}`,
    });
    await srv.login("labuser", "l4b-pw");
  });
});

describe("a mistake in the config file stops the server with FILE:LINE", () => {
  let root: TempRoot;
  beforeAll(() => {
    root = makeTempRoot();
  });
  afterAll(() => root.cleanup());

  /** Write `text` as <temp>/<name>, run the server with -c on it. */
  async function checkIni(name: string, text: string, mentions: Array<string | RegExp>, what: string): Promise<void> {
    const file = path.join(root.dir, name);
    fs.writeFileSync(file, text);
    const run = await runCli(["-i", "127.0.0.1", "-p", "0", "-d", root.dir, "-c", file], { entry: targetEntry(), stopWhenListening: true });
    expectStartupError(run, mentions, what, numbered(name, text));
  }

  it("an unknown section stops the server, naming its line and the closest section ([sever]: did you mean [server]?)", async () => {
    await checkIni("section.ini", "; lab\n[sever]\nbanner = Hello\n", ["section.ini:2", /did you mean/i, "server"], "there is no section [sever]; the closest is [server]");
  });

  it("a key given twice in one section stops the server, naming the second line", async () => {
    await checkIni("twice.ini", "[server]\nbanner = one\nbanner = two\n", ["twice.ini:3"], "banner is set on line 2 and again on line 3 (which one counts? say so instead of picking one)");
  });

  it("a bad value stops the server, naming its line ([passive] ports = 70000-70010: not a port)", async () => {
    await checkIni("value.ini", "[server]\nbanner = Hi\n\n[passive]\nports = 70000-70010\n", ["value.ini:5"], "70000 is no port (ports go up to 65535): the error names the line the value came from");
  });

  it("an unknown key stops the server: exit code 2, the error names ftpd.ini:2 and suggests the right key ('baner': did you mean 'banner'?)", async () => {
    const text = "[server]\nbaner = Hello lab\n";
    const file = path.join(root.dir, "ftpd.ini");
    fs.writeFileSync(file, text);
    const run = await runCli(["-i", "127.0.0.1", "-p", "0", "-d", root.dir, "-c", file], { entry: targetEntry(), stopWhenListening: true });
    expectStartupError(
      run,
      ["ftpd.ini:2", /did you mean/i, "banner"],
      'the key "baner" does not exist in [server]; the error should name the line and suggest the closest key (did you mean "banner"?)',
      numbered("ftpd.ini", text),
    );
  });
});
