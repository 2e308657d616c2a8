/**
 * Wildcards in NLST, LIST and STAT arguments, as classic clients use them: `mget *.txt` in the
 * BSD/inetutils/tnftp clients sends "NLST *.txt" and then RETRs each name it got back, and
 * Python's ftplib `nlst("*.txt")` does the same. Patterns (`*`, `?`, `[...]`, `[!...]`) work in
 * the last path component only; they match entries of the one folder the jail resolved, never
 * a leading dot unless the pattern starts with one (as in a shell), and a name that exists as
 * written (with a `*` in it) is that file. A pattern that matches nothing gives an empty
 * listing and 226, as vsftpd does.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { download, listingLines, useServer } from "./conformance-helpers.ts";
import { runPython } from "./interop-helpers.ts";

const files: Record<string, string | null> = {
  "a.txt": "A",
  "b.txt": "BB",
  "c.log": "log",
  ".hidden.txt": "hidden",
  "q22.txt": "q22",
  "star*.txt": "the literal star",
  "star-other.txt": "other",
  "sub/x.txt": "X",
  "sub/y.bin": "Y",
  "sub/.dot.txt": "dot",
  "empty": null,
};

let outside: string;
beforeAll(() => {
  outside = fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-outside-"));
  fs.writeFileSync(path.join(outside, "secret.txt"), "secret");
});
afterAll(() => fs.rmSync(outside, { recursive: true, force: true }));

const names = (data: Buffer) => listingLines(data, "NLST").sort();

describe("wildcards over a raw control connection", () => {
  const ctx = useServer({
    files,
    prepare: (root) => {
      // A link to a folder outside the home: a pattern below it must not list what is there.
      fs.symlinkSync(outside, root.path("out"));
    },
  });

  it("NLST *.txt lists the matching names of the current folder, no dot files, no other folders", async () => {
    const ftp = await ctx.login();
    const { data } = await download(ftp, "NLST *.txt");
    expect(names(data)).toEqual(["a.txt", "b.txt", "q22.txt", "star*.txt", "star-other.txt"]);
  });

  it("? matches one character, [..] a set, [!..] its complement, a leading dot needs a dot", async () => {
    const ftp = await ctx.login();
    expect(names((await download(ftp, "NLST ?.txt")).data)).toEqual(["a.txt", "b.txt"]);
    expect(names((await download(ftp, "NLST q??.txt")).data)).toEqual(["q22.txt"]);
    expect(names((await download(ftp, "NLST [ab].txt")).data)).toEqual(["a.txt", "b.txt"]);
    expect(names((await download(ftp, "NLST [!a].txt")).data)).toEqual(["b.txt"]);
    expect(names((await download(ftp, "NLST [a-c].*")).data)).toEqual(["a.txt", "b.txt", "c.log"]);
    expect(names((await download(ftp, "NLST .*.txt")).data)).toEqual([".hidden.txt"]);
  });

  it("a pattern in a sub-folder: NLST names carry the folder as sent (mget RETRs them as they are)", async () => {
    const ftp = await ctx.login();
    expect(names((await download(ftp, "NLST sub/*.txt")).data)).toEqual(["sub/x.txt"]);
    expect(names((await download(ftp, "NLST /sub/*")).data)).toEqual(["/sub/x.txt", "/sub/y.bin"]);
    // ... and each of them can be fetched by that very name.
    expect((await download(ftp, "RETR sub/x.txt")).data.toString()).toBe("X");
  });

  it("LIST with options and a pattern: ls -l lines of the matches only", async () => {
    const ftp = await ctx.login();
    const lines = listingLines((await download(ftp, "LIST -la *.log")).data, "LIST");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^-[rwx-]{9}\s+\d+\s+\S+\s+\S+\s+3\s+.* c\.log$/);
    const sub = listingLines((await download(ftp, "LIST sub/?.*")).data, "LIST");
    expect(sub.map((l) => l.split(" ").pop()).sort()).toEqual(["x.txt", "y.bin"]);
    // Plain options keep working: the whole folder.
    expect(listingLines((await download(ftp, "LIST -a")).data, "LIST").length).toBeGreaterThanOrEqual(9);
    expect(names((await download(ftp, "NLST -a sub")).data)).toEqual([".dot.txt", "x.txt", "y.bin"]);
  });

  it("STAT with a pattern lists the matches on the control connection", async () => {
    const ftp = await ctx.login();
    const reply = await ftp.sendExpect("STAT *.log", 213);
    const body = reply.lines.slice(1, -1);
    expect(body).toHaveLength(1);
    expect(body[0]).toMatch(/ c\.log$/);
  });

  it("a name that exists with a * in it is that file, not a pattern", async () => {
    const ftp = await ctx.login();
    expect(names((await download(ftp, "NLST star*.txt")).data)).toEqual(["star*.txt"]);
    expect((await download(ftp, "RETR star*.txt")).data.toString()).toBe("the literal star");
  });

  it("a pattern that matches nothing: an empty listing and 226 (as vsftpd); a missing plain name is still 550", async () => {
    const ftp = await ctx.login();
    const none = await download(ftp, "NLST *.none");
    expect(none.data.length).toBe(0);
    expect(names((await download(ftp, "NLST empty/*")).data)).toEqual([]);
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("NLST nothing-here.txt", 550);
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("NLST nosuchdir/*.txt", 550);
  });

  it("the jail holds: no pattern lists outside the home, through .. or through a link", async () => {
    const ftp = await ctx.login();
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("NLST ../*", 550);
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("NLST out/*.txt", 550);
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("NLST /../*.txt", 550);
    // Only the last component is a pattern: a * in a folder part is a name like any other.
    await ftp.openPassiveData("PASV");
    await ftp.sendExpect("NLST s*/x.txt", 550);
    // The link itself is an entry of the home and may match; what it points to is not listed.
    const all = names((await download(ftp, "NLST o*")).data);
    expect(all).toEqual(["out"]);
    expect(all.join("\n")).not.toContain("secret");
  });

  it("a pattern built to make a matcher backtrack gets its answer (no exponential matching)", async () => {
    const ftp = await ctx.login();
    const evil = `${"*a".repeat(60)}*b`;
    const { data } = await download(ftp, `NLST ${evil}`);
    expect(data.length).toBe(0);
    await ftp.sendExpect("NOOP", 200);
  });
});

describe("python3 ftplib", () => {
  const ctx = useServer({ files });

  it("nlst('*.txt') and an mget of what it returned", async () => {
    const res = await runPython<{ names: string[]; got: Record<string, string>; sub: string[]; none: string[] }>(
      `
import ftplib, io, json, sys
f = ftplib.FTP(timeout=10, encoding="utf-8")
f.connect(sys.argv[1], int(sys.argv[2]))
f.login()
names = f.nlst("*.txt")
got = {}
for n in names:
    buf = io.BytesIO()
    f.retrbinary("RETR " + n, buf.write)
    got[n] = buf.getvalue().decode()
sub = f.nlst("sub/*.txt")
none = f.nlst("*.none")
f.quit()
print(json.dumps({"names": sorted(names), "got": got, "sub": sub, "none": none}))
`,
      [ctx.server.host, String(ctx.server.port)],
      "ftplib nlst('*.txt')",
      ctx.server,
    );
    expect(res.names).toEqual(["a.txt", "b.txt", "q22.txt", "star*.txt", "star-other.txt"]);
    expect(res.got).toEqual({ "a.txt": "A", "b.txt": "BB", "q22.txt": "q22", "star*.txt": "the literal star", "star-other.txt": "other" });
    expect(res.sub).toEqual(["sub/x.txt"]);
    expect(res.none).toEqual([]);
  });
});

describe("a pattern needs the list permission, as a folder listing does", () => {
  const ctx = useServer({
    serveRoot: false,
    files: { "home/a.txt": "A" },
    prepare(root) {
      const file = root.path("users.txt");
      fs.writeFileSync(file, [`lister    l1st      elr   ${root.path("home")}`, `nolist    n0list    er    ${root.path("home")}`, ""].join("\n"));
      return ["--users", file];
    },
  });

  it("NLST and STAT with a pattern: 550 without l, the matches with it", async () => {
    const no = await ctx.login("nolist", "n0list");
    await no.sendExpect("STAT *.txt", 550);
    await no.openPassiveData("PASV");
    await no.sendExpect("NLST *.txt", 550);
    const yes = await ctx.login("lister", "l1st");
    expect((await yes.sendExpect("STAT *.txt", 213)).lines.slice(1, -1)).toHaveLength(1);
    expect(names((await download(yes, "NLST *.txt")).data)).toEqual(["a.txt"]);
  });
});
