/**
 * Listings and file facts: LIST / NLST / MLSD over data connections, MLST over the
 * control connection (RFC 959, RFC 3659), FEAT / OPTS (RFC 2389), SIZE / MDTM / MFMT, big
 * folders and file names that are not valid UTF-8. (File names that try to forge replies
 * are covered by security-input.)
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { HarnessError, type Reply } from "../harness/index.ts";
import { download, listingLines, useServer } from "./conformance-helpers.ts";

const FIXED = new Date(Date.UTC(2021, 2, 4, 5, 6, 7)); // 2021-03-04 05:06:07 UTC
const FIXED_FTP = "20210304050607";
const MANY = 3000;
const ODD_NAME = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]); // "bad\xff\xfe.bin"

function ftpTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** MLSD/MLST fact line " type=file;size=3; name" -> { facts, name }. */
function parseFacts(line: string): { facts: Map<string, string>; name: string } {
  const space = line.indexOf(" ");
  if (space < 0 || !line.slice(0, space).endsWith(";")) throw new HarnessError(`not an RFC 3659 fact line: ${JSON.stringify(line)}`);
  const facts = new Map<string, string>();
  for (const f of line.slice(0, space).split(";").filter(Boolean)) {
    const eq = f.indexOf("=");
    facts.set(f.slice(0, eq).toLowerCase(), f.slice(eq + 1));
  }
  return { facts, name: line.slice(space + 1) };
}

/** The single fact line of an MLST reply (it must start with one space, RFC 3659 7.2). */
function mlstFactLine(r: Reply): string {
  const body = r.lines.slice(1, -1);
  if (body.length !== 1) throw new HarnessError(`MLST must have exactly one fact line, got ${body.length}:\n${r.lines.join("\n")}`);
  const line = body[0]!;
  if (!line.startsWith(" ")) throw new HarnessError(`an MLST fact line must start with a space: ${JSON.stringify(line)}`);
  return line.slice(1);
}

describe("LIST, NLST, MLSD, MLST", () => {
  const ctx = useServer({
    files: { "file.txt": "12345", "sub/inner.txt": "inner", "sub/deeper/x": "x", "empty": null },
    prepare(root) {
      fs.utimesSync(root.path("file.txt"), FIXED, FIXED);
      fs.utimesSync(root.path("sub"), FIXED, FIXED);
      fs.mkdirSync(root.path("many"));
      for (let i = 0; i < MANY; i++) fs.writeFileSync(root.path(`many/entry-${String(i).padStart(4, "0")}.dat`), "");
      fs.mkdirSync(root.path("odd"));
      fs.writeFileSync(root.path("odd/good-1.txt"), "1");
      fs.writeFileSync(Buffer.concat([Buffer.from(root.path("odd") + "/"), ODD_NAME]), "odd");
      fs.writeFileSync(root.path("odd/good-2.txt"), "2");
    },
  });

  it("LIST gives one ls-style line per entry, ending in the name", async () => {
    const ftp = await ctx.login();
    const lines = listingLines((await download(ftp, "LIST")).data, "LIST");
    for (const name of ["file.txt", "sub", "many", "odd", "empty"]) {
      expect(lines.filter((l) => l.endsWith(` ${name}`)), `LIST line for ${name}:\n${lines.join("\n")}`).toHaveLength(1);
    }
    const file = lines.find((l) => l.endsWith(" file.txt"))!;
    expect(file).toMatch(/^-[rwx-]{9}\s+\d+\s+\S+\s+\S+\s+5\s+\w{3}\s+\d{1,2}\s+(\d{4}|\d\d:\d\d) file\.txt$/);
    expect(lines.find((l) => l.endsWith(" sub"))).toMatch(/^d/);
  });

  it("LIST -la lists the same folder (flags are not a file name)", async () => {
    const ftp = await ctx.login();
    const plain = listingLines((await download(ftp, "LIST")).data).map((l) => l.split(" ").at(-1)).sort();
    const la = listingLines((await download(ftp, "LIST -la")).data).map((l) => l.split(" ").at(-1));
    for (const n of plain) expect(la, `LIST -la must show ${n}`).toContain(n);
  });

  it("LIST -l sub lists the folder sub", async () => {
    const ftp = await ctx.login();
    const lines = listingLines((await download(ftp, "LIST -l sub")).data);
    expect(lines.some((l) => l.endsWith(" inner.txt")), lines.join("\n")).toBe(true);
    expect(lines.some((l) => /^d.* deeper$/.test(l)), lines.join("\n")).toBe(true);
    expect(lines.some((l) => l.endsWith(" file.txt")), "the root's files must not show up").toBe(false);
  });

  it("LIST file.txt is exactly one line, for that file", async () => {
    const ftp = await ctx.login();
    const lines = listingLines((await download(ftp, "LIST file.txt")).data);
    expect(lines, lines.join("\n")).toHaveLength(1);
    expect(lines[0]).toMatch(/^-.* 5 .* file\.txt$/);
  });

  it("LIST of a missing path is 550", async () => {
    const ftp = await ctx.login();
    await ftp.pasv();
    await ftp.sendExpect("LIST no-such-thing", 550);
  });

  it("NLST gives the names only, one per line", async () => {
    const ftp = await ctx.login();
    const names = listingLines((await download(ftp, "NLST")).data, "NLST").sort();
    expect(names).toEqual(["empty", "file.txt", "many", "odd", "sub"]);
    const sub = listingLines((await download(ftp, "NLST sub")).data, "NLST sub").map((n) => n.replace(/^.*\//, "")).sort();
    expect(sub).toEqual(["deeper", "inner.txt"]);
    const empty = (await download(ftp, "NLST empty")).data;
    expect(empty.length, "an empty folder gives no lines").toBe(0);
  });

  it("MLSD gives type, size and modify facts that match the disk", async () => {
    const ftp = await ctx.login();
    const lines = listingLines((await download(ftp, "MLSD")).data, "MLSD");
    const byName = new Map(lines.map((l) => parseFacts(l)).map((e) => [e.name, e.facts]));
    const file = byName.get("file.txt");
    expect(file, lines.join("\n")).toBeDefined();
    expect(file!.get("type")).toBe("file");
    expect(file!.get("size")).toBe("5");
    expect(file!.get("modify")).toBe(FIXED_FTP);
    const sub = byName.get("sub")!;
    expect(sub.get("type")).toBe("dir");
    expect(sub.get("modify")).toBe(FIXED_FTP);
    const many = byName.get("many")!;
    expect(many.get("modify")).toBe(ftpTime(fs.statSync(ctx.root.path("many")).mtime));
    for (const [name, facts] of byName) {
      if (name === "." || name === "..") expect(["cdir", "pdir"]).toContain(facts.get("type"));
      else expect(["file", "dir"], `type of ${name}`).toContain(facts.get("type"));
      expect(facts.get("modify") ?? "", `modify of ${name}`).toMatch(/^\d{14}(\.\d+)?$/);
    }
  });

  it("MLSD of a file is refused (501): MLSD lists folders, MLST describes one entry", async () => {
    const ftp = await ctx.login();
    await ftp.pasv();
    await ftp.sendExpect("MLSD file.txt", 501);
  });

  it("MLST of a file and of the root are 250 multi-line replies with one fact line", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("MLST file.txt", 250);
    expect(r.lines[0]).toMatch(/^250-/);
    expect(r.lines.at(-1)).toMatch(/^250 /);
    const f = parseFacts(mlstFactLine(r));
    expect(f.facts.get("type")).toBe("file");
    expect(f.facts.get("size")).toBe("5");
    expect(f.facts.get("modify")).toBe(FIXED_FTP);
    expect(f.name).toMatch(/(^|\/)file\.txt$/);
    const root = await ftp.sendExpect("MLST", 250);
    const rf = parseFacts(mlstFactLine(root));
    expect(["dir", "cdir"]).toContain(rf.facts.get("type"));
    expect(rf.name).toBe("/");
    const slash = parseFacts(mlstFactLine(await ftp.sendExpect("MLST /", 250)));
    expect(["dir", "cdir"]).toContain(slash.facts.get("type"));
    await ftp.sendExpect("MLST no-such-file", 550);
  });

  it("OPTS MLST type;size; selects the facts of MLST and MLSD, and FEAT marks them with *", async () => {
    const ftp = await ctx.login();
    const opts = await ftp.sendExpect("OPTS MLST type;size;", 200);
    expect(opts.text).toMatch(/type;size;/);
    const f = parseFacts(mlstFactLine(await ftp.sendExpect("MLST file.txt", 250)));
    expect([...f.facts.keys()].sort()).toEqual(["size", "type"]);
    const lines = listingLines((await download(ftp, "MLSD sub")).data);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      const keys = [...parseFacts(l).facts.keys()];
      expect(keys, `MLSD after OPTS MLST type;size; may only show type and size: ${l}`).toContain("type");
      expect(keys.filter((k) => k !== "type" && k !== "size"), l).toEqual([]);
    }
    const feat = await ftp.sendExpect("FEAT", 211);
    const mlst = feat.lines.find((l) => /^ MLST /.test(l)) ?? "";
    expect(mlst).toMatch(/type\*;/);
    expect(mlst).toMatch(/size\*;/);
    expect(mlst).toMatch(/modify;/);
    await ftp.sendExpect("OPTS MLST modify;", 200);
    const m = parseFacts(mlstFactLine(await ftp.sendExpect("MLST file.txt", 250)));
    expect([...m.facts.keys()]).toEqual(["modify"]);
  });

  it(`a folder of ${MANY} entries is listed completely by LIST, NLST and MLSD`, async () => {
    const ftp = await ctx.login();
    const expected = Array.from({ length: MANY }, (_, i) => `entry-${String(i).padStart(4, "0")}.dat`);
    const nlst = listingLines((await download(ftp, "NLST many")).data, "NLST many").map((n) => n.replace(/^.*\//, ""));
    expect(nlst.length).toBe(MANY);
    expect([...nlst].sort()).toEqual(expected);
    const list = listingLines((await download(ftp, "LIST many")).data, "LIST many");
    expect(list.length).toBe(MANY);
    expect(new Set(list.map((l) => l.split(" ").at(-1))).size).toBe(MANY);
    const mlsd = listingLines((await download(ftp, "MLSD many")).data, "MLSD many").filter((l) => !/type=[cp]dir;/.test(l));
    expect(mlsd.length).toBe(MANY);
  });

  it("a file name that is not valid UTF-8 does not break LIST, NLST or MLSD", async () => {
    const ftp = await ctx.login();
    for (const cmd of ["LIST odd", "NLST odd", "MLSD odd"]) {
      const r = await download(ftp, cmd); // checks 150 ... 226
      const lines = listingLines(r.data, cmd).filter((l) => !/type=[cp]dir;/.test(l));
      expect(lines, `${cmd}:\n${lines.join("\n")}`).toHaveLength(3);
      expect(lines.some((l) => l.endsWith("good-1.txt")), cmd).toBe(true);
      expect(lines.some((l) => l.endsWith("good-2.txt")), cmd).toBe(true);
      expect(lines.some((l) => /bad.*\.bin$/.test(l)), `${cmd}: the odd name must still be listed in some form`).toBe(true);
    }
    await ftp.sendExpect("NOOP", 200);
  });
});

describe("FEAT, OPTS, SIZE, MDTM, MFMT", () => {
  const ctx = useServer({
    args: ["-w"],
    files: { "five.txt": "12345", "folder/x": "x", "mf.txt": "m" },
    prepare(root) {
      fs.utimesSync(root.path("five.txt"), FIXED, FIXED);
    },
  });

  it("FEAT is 211 multi-line and lists UTF8, EPSV, EPRT, MLST, SIZE, MDTM, MFMT and REST STREAM, each once", async () => {
    const ftp = await ctx.connect();
    const r = await ftp.sendExpect("FEAT", 211);
    expect(r.lines[0]).toMatch(/^211-/);
    expect(r.lines.at(-1)).toMatch(/^211 /);
    const body = r.lines.slice(1, -1);
    for (const l of body) expect(l, "RFC 2389: each feature line starts with a space").toMatch(/^ \S/);
    const feats = body.map((l) => l.trim());
    const count = (pred: (f: string) => boolean) => feats.filter(pred).length;
    for (const name of ["UTF8", "EPSV", "EPRT", "SIZE", "MDTM", "MFMT", "REST STREAM"]) {
      expect(count((f) => f.toUpperCase() === name), `FEAT must list "${name}" exactly once:\n${r.lines.join("\n")}`).toBe(1);
    }
    expect(count((f) => /^MLST /i.test(f)), `FEAT must list MLST exactly once:\n${r.lines.join("\n")}`).toBe(1);
  });

  it("SIZE is 213 and the size in bytes; a folder or a missing file is 550", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const r = await ftp.sendExpect("SIZE five.txt", 213);
    expect(r.lines[0]).toBe("213 5");
    await ftp.sendExpect("SIZE folder", 550);
    await ftp.sendExpect("SIZE missing.txt", 550);
  });

  it("MDTM is 213 YYYYMMDDHHMMSS in UTC", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("MDTM five.txt", 213);
    expect(r.lines[0]).toBe(`213 ${FIXED_FTP}`);
    await ftp.sendExpect("MDTM missing.txt", 550);
  });

  it("MFMT sets the modification time: 213 Modify=...; and the mtime on disk changes", async () => {
    const ftp = await ctx.login();
    const r = await ftp.sendExpect("MFMT 20200102030405 mf.txt", 213);
    expect(r.lines[0]).toMatch(/^213 Modify=20200102030405;/);
    expect(fs.statSync(ctx.root.path("mf.txt")).mtime.getTime()).toBe(Date.UTC(2020, 0, 2, 3, 4, 5));
    expect((await ftp.sendExpect("MDTM mf.txt", 213)).lines[0]).toBe("213 20200102030405");
  });

  it.each([["20201301000000"], ["20200132000000"], ["20200101250000"], ["2020"], ["notatime"], ["202001010000000"]])(
    "MFMT with the invalid time %j is 501 and changes nothing",
    async (time) => {
      const ftp = await ctx.login();
      const before = fs.statSync(ctx.root.path("five.txt")).mtime.getTime();
      await ftp.sendExpect(`MFMT ${time} five.txt`, 501);
      expect(fs.statSync(ctx.root.path("five.txt")).mtime.getTime()).toBe(before);
    },
  );

  it("MFMT of a missing file is 550", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("MFMT 20200102030405 missing.txt", 550);
    expect(fs.existsSync(ctx.root.path("missing.txt"))).toBe(false);
  });

  it("OPTS UTF8 ON and OFF are 200 (also before login); an unknown option is 501", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("OPTS UTF8 ON", 200);
    await ftp.sendExpect("OPTS UTF8 OFF", 200);
    await ftp.sendExpect("OPTS FROBNICATE ON", 501);
    await ftp.sendExpect("USER anonymous", 331);
    await ftp.sendExpect("PASS x", 230);
    await ftp.sendExpect("OPTS UTF8 ON", 200);
    await ftp.sendExpect("OPTS UTF8 MAYBE", 501);
  });
});
