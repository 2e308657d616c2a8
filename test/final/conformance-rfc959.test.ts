/**
 * RFC 959 conformance of the control connection: login, REIN/QUIT, parameters, navigation,
 * file commands, HELP/STAT/SITE, syntax errors, and exactly one final reply per command
 * line, even when a client pipelines.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { HarnessError, expectCode, type FtpSocket, type Reply } from "../harness/index.ts";
import { expectClosed, expectSilence, pipelined, sleep, useServer } from "./conformance-helpers.ts";

/** The quoted path of a 257 reply, with "" turned back into " (RFC 959 appendix II). */
function quotedPath(reply: Reply): string {
  const m = /^257 "((?:[^"]|"")*)"(?: |$)/.exec(reply.lines[0] ?? "");
  if (!m) throw new HarnessError(`257 reply without a correctly quoted path: ${JSON.stringify(reply.lines[0])}`);
  return m[1]!.replace(/""/g, '"');
}

async function pwd(ftp: FtpSocket, verb = "PWD"): Promise<string> {
  return quotedPath(await ftp.sendExpect(verb, 257));
}

describe("login, REIN, QUIT", () => {
  const ctx = useServer({
    files: { "hello.txt": "hello\n" },
    prepare(root) {
      const users = root.path(".users.txt");
      fs.writeFileSync(users, `anna s3cret elradfmwMT ${root.dir}\nanonymous - elr ${root.dir}\n`);
      return ["--users", users];
    },
  });

  it("greets with 220", async () => {
    const ftp = await ctx.connect();
    expectCode(ftp.greeting, 220, ftp.context("the first reply on a new connection must be 220"));
    expect(ftp.greeting.raw.toString("latin1").endsWith("\r\n")).toBe(true);
  });

  it("USER then PASS logs in: 331 then 230", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER anna", 331);
    await ftp.sendExpect("PASS s3cret", 230);
    expect(await pwd(ftp)).toBe("/");
  });

  it("a wrong password gets 530, and a new USER/PASS may follow", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER anna", 331);
    await ftp.sendExpect("PASS wrong", 530);
    await ftp.sendExpect("PWD", 530, "a failed login must not log the client in");
    await ftp.sendExpect("USER anna", 331);
    await ftp.sendExpect("PASS s3cret", 230);
  });

  it("an unknown user gets 331 (no hint that the name is unknown) and then 530", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER nobody", 331);
    await ftp.sendExpect("PASS s3cret", 530);
  });

  it("PASS without USER is a bad sequence: 503", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("PASS s3cret", 503);
  });

  it("commands that need a login get 530 before it", async () => {
    const ftp = await ctx.connect();
    for (const cmd of ["PWD", "CWD /", "LIST", "RETR hello.txt", "PASV", "TYPE I", "MKD x", "SIZE hello.txt"]) {
      await ftp.sendExpect(cmd, 530, `"${cmd}" before USER/PASS must be refused with 530`);
    }
  });

  it("NOOP, SYST, FEAT, HELP and OPTS UTF8 work before login", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("NOOP", 200);
    await ftp.sendExpect("SYST", 215);
    await ftp.sendExpect("FEAT", 211);
    await ftp.sendExpect("HELP", 214);
    await ftp.sendExpect("OPTS UTF8 ON", 200);
  });

  it("REIN answers 220 and forgets the login: commands need a login again", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER anna", 331);
    await ftp.sendExpect("PASS s3cret", 230);
    await ftp.sendExpect("CWD /", 250);
    await ftp.sendExpect("REIN", 220);
    await ftp.sendExpect("PWD", 530, "after REIN the session is logged out");
    await ftp.sendExpect("RETR hello.txt", 530);
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS guest@", 230);
    await ftp.sendExpect("MKD after-rein", 550, "after REIN the new login's permissions apply (anonymous is read-only here)");
  });

  it("QUIT answers 221, then the server closes the connection", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("QUIT", 221);
    await expectClosed(ftp, 3000, "after 221 the server must close the control connection");
  });

  it("QUIT works before login too", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("QUIT", 221);
    await expectClosed(ftp, 3000, "after 221 the server must close the control connection");
  });
});

describe("parameters, navigation, files (anonymous with write access)", () => {
  const ctx = useServer({
    args: ["-w"],
    files: { "hello.txt": "hello\n", "sub/inner.txt": "inner\n", "full/keep.txt": "keep\n" },
  });

  it("NOOP 200, SYST 215 UNIX", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("NOOP", 200);
    const syst = await ftp.sendExpect("SYST", 215);
    expect(syst.text).toMatch(/^UNIX\b/);
  });

  it("TYPE A, A N, I, L 8 are accepted (200); TYPE E and X are not (504); verbs are case-insensitive", async () => {
    const ftp = await ctx.login();
    for (const t of ["A", "A N", "I", "L 8", "a", "i"]) await ftp.sendExpect(`TYPE ${t}`, 200);
    await ftp.sendExpect("type i", 200);
    for (const t of ["E", "X"]) await ftp.sendExpect(`TYPE ${t}`, 504);
  });

  it("MODE S 200, MODE B 504; STRU F 200, STRU R 504; ALLO 202", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("MODE S", 200);
    await ftp.sendExpect("MODE B", 504);
    await ftp.sendExpect("STRU F", 200);
    await ftp.sendExpect("STRU R", 504);
    await ftp.sendExpect("ALLO 1000", 202);
  });

  it("PWD and XPWD answer 257 with the quoted path", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("PWD", 257);
    expect(r.lines[0]).toMatch(/^257 "\/"/);
    expect(await pwd(ftp, "XPWD")).toBe("/");
  });

  it('a " in a folder name is doubled inside the quotes (MKD and PWD)', async () => {
    const ftp = await ctx.login();
    const mkd = await ftp.sendExpect('MKD say "hi"', 257);
    expect(mkd.lines[0]).toMatch(/^257 "\/say ""hi""" /);
    expect(fs.statSync(ctx.root.path('say "hi"')).isDirectory()).toBe(true);
    await ftp.sendExpect('CWD say "hi"', 250);
    const r = await ftp.sendExpect("PWD", 257);
    expect(r.lines[0]).toMatch(/^257 "\/say ""hi""" /);
    expect(quotedPath(r)).toBe('/say "hi"');
  });

  it("CWD/XCWD and CDUP/XCUP answer 250 and move; PWD follows", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("CWD sub", 250);
    expect(await pwd(ftp)).toBe("/sub");
    await ftp.sendExpect("CDUP", 250);
    expect(await pwd(ftp)).toBe("/");
    await ftp.sendExpect("XCWD /sub", 250);
    expect(await pwd(ftp)).toBe("/sub");
    await ftp.sendExpect("XCUP", 250);
    expect(await pwd(ftp)).toBe("/");
    await ftp.sendExpect("CWD sub/../sub/.", 250);
    expect(await pwd(ftp)).toBe("/sub");
  });

  it("CWD to a missing folder or to a file is 550, and the current folder stays", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("CWD sub", 250);
    await ftp.sendExpect("CWD nowhere", 550);
    await ftp.sendExpect("XCWD inner.txt", 550);
    await ftp.sendExpect("CWD /hello.txt", 550);
    expect(await pwd(ftp)).toBe("/sub");
  });

  it("MKD and XMKD make folders (257); MKD of an existing one is 550", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("MKD made1", 257);
    expect(quotedPath(r)).toBe("/made1");
    const x = await ftp.sendExpect("XMKD made1/made2", 257);
    expect(quotedPath(x)).toBe("/made1/made2");
    expect(fs.statSync(ctx.root.path("made1/made2")).isDirectory()).toBe(true);
    await ftp.sendExpect("MKD made1", 550);
  });

  it("RMD and XRMD remove empty folders (250); a missing or non-empty one is 550", async () => {
    const ftp = await ctx.login();
    fs.mkdirSync(ctx.root.path("gone1"));
    fs.mkdirSync(ctx.root.path("gone2"));
    await ftp.sendExpect("RMD gone1", 250);
    await ftp.sendExpect("XRMD gone2", 250);
    expect(fs.existsSync(ctx.root.path("gone1"))).toBe(false);
    expect(fs.existsSync(ctx.root.path("gone2"))).toBe(false);
    await ftp.sendExpect("RMD gone1", 550);
    await ftp.sendExpect("RMD full", 550);
    expect(fs.existsSync(ctx.root.path("full/keep.txt"))).toBe(true);
  });

  it("DELE deletes a file (250); a missing file or a folder is 550", async () => {
    const ftp = await ctx.login();
    fs.writeFileSync(ctx.root.path("del.txt"), "x");
    await ftp.sendExpect("DELE del.txt", 250);
    expect(fs.existsSync(ctx.root.path("del.txt"))).toBe(false);
    await ftp.sendExpect("DELE del.txt", 550);
    await ftp.sendExpect("DELE sub", 550);
    expect(fs.existsSync(ctx.root.path("sub/inner.txt"))).toBe(true);
  });

  it("RNFR then RNTO renames: 350 then 250", async () => {
    const ftp = await ctx.login();
    fs.writeFileSync(ctx.root.path("old-name.txt"), "content");
    await ftp.sendExpect("RNFR old-name.txt", 350);
    await ftp.sendExpect("RNTO new-name.txt", 250);
    expect(fs.existsSync(ctx.root.path("old-name.txt"))).toBe(false);
    expect(fs.readFileSync(ctx.root.path("new-name.txt"), "utf8")).toBe("content");
  });

  it("RNTO without RNFR is 503; RNFR of a missing file is 550", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("RNTO whatever.txt", 503);
    await ftp.sendExpect("RNFR does-not-exist.txt", 550);
    await ftp.sendExpect("RNTO whatever.txt", 503, "a failed RNFR must not arm RNTO");
    expect(fs.existsSync(ctx.root.path("whatever.txt"))).toBe(false);
  });

  // RFC 959 4.1.3: RNTO names the file of the *immediately preceding* RNFR. Any command
  // in between (whatever its outcome) cancels the rename. (The server's own comment in
  // session.ts says "anything else cancels it".)
  it.each([
    ["NOOP"],
    ["PWD"],
    ["XYZZY"], // unknown command: 500
    ["CWD"], // missing argument: 501
    ["NOOP extra"], // argument on a no-argument command: 501
    [""], // empty line: 500
    ["STAT"], // no transfer running: an ordinary command
    ["ABOR"], // no transfer running: an ordinary command
  ])("RNFR, then %j, then RNTO is 503 and nothing is renamed", async (between) => {
    const ftp = await ctx.login();
    const name = `rn-${Buffer.from(between).toString("hex") || "empty"}.txt`;
    fs.writeFileSync(ctx.root.path(name), "stay");
    await ftp.sendExpect(`RNFR ${name}`, 350);
    const mid = await ftp.send(between);
    expect(mid.code, `the command between RNFR and RNTO got ${mid.code}`).toBeGreaterThanOrEqual(200);
    const r = await ftp.send(`RNTO moved-${name}`);
    expect(
      r.code,
      `RNFR ${name} / ${JSON.stringify(between)} (${mid.code}) / RNTO moved-${name} was answered ${r.code} ` +
        `"${r.text}"; RNTO must directly follow RNFR (RFC 959 4.1.3), so it must be 503 and nothing renamed.\n` +
        `  reproduce: printf 'USER anonymous\\r\\nPASS x\\r\\nRNFR ${name}\\r\\n${between}\\r\\nRNTO moved-${name}\\r\\n' | nc ${ctx.server.host} ${ctx.server.port}`,
    ).toBe(503);
    expect(fs.existsSync(ctx.root.path(name)), "the file must not have been renamed").toBe(true);
  });

  it("SITE HELP is 214 multi-line; SITE CHMOD 600 sets the mode on disk (200); bad mode and unknown SITE command are 501", async () => {
    const ftp = await ctx.login();
    const help = await ftp.sendExpect("SITE HELP", 214);
    expect(help.lines.length).toBeGreaterThan(1);
    expect(help.text).toMatch(/CHMOD/);
    fs.writeFileSync(ctx.root.path("mode.txt"), "x");
    fs.chmodSync(ctx.root.path("mode.txt"), 0o644);
    await ftp.sendExpect("SITE CHMOD 600 mode.txt", 200);
    expect((fs.statSync(ctx.root.path("mode.txt")).mode & 0o777).toString(8)).toBe("600");
    await ftp.sendExpect("SITE CHMOD 640 mode.txt", 200);
    expect((fs.statSync(ctx.root.path("mode.txt")).mode & 0o777).toString(8)).toBe("640");
    await ftp.sendExpect("SITE CHMOD 999 mode.txt", 501);
    await ftp.sendExpect("SITE CHMOD 600", 501);
    await ftp.sendExpect("SITE CHMOD 600 missing.txt", 550);
    await ftp.sendExpect("SITE FROBNICATE x", 501);
    expect((fs.statSync(ctx.root.path("mode.txt")).mode & 0o777).toString(8)).toBe("640");
  });
});

describe("HELP, STAT, syntax errors, one reply per line", () => {
  const ctx = useServer({ args: ["-w"], files: { "a.txt": "aaa\n", "dir/one.txt": "1", "dir/two.txt": "22" } });

  const ALL_COMMANDS = [
    "ABOR", "ALLO", "APPE", "CDUP", "CWD", "DELE", "EPRT", "EPSV", "FEAT", "HELP", "LIST", "MDTM", "MFMT",
    "MKD", "MLSD", "MLST", "MODE", "NLST", "NOOP", "OPTS", "PASS", "PASV", "PORT", "PWD", "QUIT", "REIN",
    "REST", "RETR", "RMD", "RNFR", "RNTO", "SITE", "SIZE", "STAT", "STOR", "STOU", "STRU", "SYST", "TYPE",
    "USER", "XCUP", "XCWD", "XMKD", "XPWD", "XRMD",
  ];

  it("HELP is a 214 multi-line reply listing every command", async () => {
    const ftp = await ctx.connect();
    const r = await ftp.sendExpect("HELP", 214);
    expect(r.lines.length).toBeGreaterThan(2);
    const words = new Set(r.lines.slice(1, -1).join(" ").split(/\s+/));
    const missing = ALL_COMMANDS.filter((c) => !words.has(c));
    expect(missing, `HELP does not list: ${missing.join(" ")}`).toEqual([]);
  });

  it("HELP RETR gives its syntax (214); HELP of an unknown command is 501", async () => {
    const ftp = await ctx.connect();
    const r = await ftp.sendExpect("HELP RETR", 214);
    expect(r.text).toMatch(/RETR/);
    const lower = await ftp.sendExpect("HELP stor", 214);
    expect(lower.text).toMatch(/STOR/);
    await ftp.sendExpect("HELP FROBNICATE", 501);
  });

  it("STAT without argument is a 211 multi-line reply", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("STAT", 211);
    expect(r.lines.length).toBeGreaterThan(2);
    expect(r.lines[0]).toMatch(/^211-/);
    expect(r.lines.at(-1)).toMatch(/^211 /);
  });

  it("STAT <folder> lists the folder on the control connection: 213 multi-line", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("STAT dir", 213);
    expect(r.lines[0]).toMatch(/^213-/);
    expect(r.lines.at(-1)).toMatch(/^213 /);
    const body = r.lines.slice(1, -1);
    expect(body.some((l) => / one\.txt$/.test(l)), body.join("\n")).toBe(true);
    expect(body.some((l) => / two\.txt$/.test(l)), body.join("\n")).toBe(true);
    for (const l of body) expect(l, "continuation lines must not look like a final line").not.toMatch(/^\d{3} /);
  });

  it("STAT <file> is 213 with one listing line", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("STAT a.txt", 213);
    const body = r.lines.filter((l) => /a\.txt/.test(l) && !/^213/.test(l));
    expect(body, r.lines.join("\n")).toHaveLength(1);
  });

  it("an unknown command is 500, before and after login", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("XYZZY", 500);
    await ftp.sendExpect("XYZZY with args", 500);
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS x", 230);
    await ftp.sendExpect("FROB", 500);
  });

  it("an empty line (and a line of spaces) is 500", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("", 500);
    await ftp.sendExpect("   ", 500);
    await ftp.sendExpect("NOOP", 200, "the session must go on after an empty line");
  });

  it("a missing required argument is 501", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER", 501);
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS x", 230);
    for (const cmd of ["RETR", "STOR", "DELE", "MKD", "RMD", "CWD", "RNFR", "RNTO", "TYPE", "MODE", "STRU", "SIZE", "MDTM", "REST", "PORT", "EPRT", "SITE", "MFMT", "OPTS", "APPE"]) {
      await ftp.sendExpect(cmd, 501, `"${cmd}" needs an argument`);
    }
  });

  it("an argument on a command that takes none is 501", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("NOOP now", 501);
    await ftp.sendExpect("SYST x", 501);
    await ftp.sendExpect("FEAT x", 501);
    await ftp.sendExpect("QUIT now", 501);
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS x", 230);
    for (const cmd of ["PWD x", "XPWD x", "CDUP x", "XCUP x", "PASV x", "REIN x", "ABOR x"]) await ftp.sendExpect(cmd, 501);
    await ftp.sendExpect("PWD", 257, "the session must go on after 501s");
  });

  it("20 mixed commands sent in one write get exactly 20 final replies, in order", async () => {
    const ftp = await ctx.connect();
    const script: Array<[string, number]> = [
      ["USER anonymous", 331],
      ["PASS x", 230],
      ["NOOP", 200],
      ["SYST", 215],
      ["XYZZY", 500],
      ["PWD", 257],
      ["TYPE I", 200],
      ["CWD", 501],
      ["MKD piped", 257],
      ["CWD piped", 250],
      ["CDUP", 250],
      ["RMD piped", 250],
      ["HELP", 214],
      ["FEAT", 211],
      ["", 500],
      ["STAT", 211],
      ["SIZE a.txt", 213],
      ["RETR a.txt", 425],
      ["NOOP extra", 501],
      ["MODE B", 504],
    ];
    expect(script).toHaveLength(20);
    const replies = await pipelined(ftp, script.map(([l]) => l));
    const codes = replies.map((r) => r.code);
    expect(codes, `replies: ${replies.map((r) => r.lines[0]).join(" | ")}`).toEqual(script.map(([, c]) => c));
    await expectSilence(ftp, 300, "20 commands must get exactly 20 replies");
    await ftp.sendExpect("NOOP", 200);
  });

  it("commands pipelined behind a transfer wait for it and are answered in order", async () => {
    const ftp = await ctx.login();
    const ds = await ftp.openPassiveData("PASV");
    ftp.sendRaw("RETR a.txt\r\nNOOP\r\nPWD\r\nSIZE a.txt\r\n");
    const data = await ds.readAll();
    expect(data.toString("latin1")).toBe("aaa\r\n");
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await ftp.readReply()).code);
    expect(codes.slice(1)).toEqual([226, 200, 257, 213]);
    expect([125, 150]).toContain(codes[0]);
    await expectSilence(ftp, 200, "no extra replies after the pipelined commands");
  });

  it("a command split over many small writes is one command", async () => {
    const ftp = await ctx.connect();
    for (const ch of "NO") ftp.sendRaw(ch);
    await sleep(30);
    ftp.sendRaw("OP\r");
    await sleep(30);
    ftp.sendRaw("\n");
    expectCode(await ftp.readReply(), 200, ftp.context("NOOP sent in pieces"));
    await expectSilence(ftp, 200, "one line, one reply");
  });
});
