/**
 * File names that a listing can show but a client could not fetch back:
 *
 * - a CR in a name is listed as CR NUL (RFC 2640 section 3.1); a command argument with CR NUL
 *   means CR, so RETR by the listed bytes fetches the file (a NUL after anything else is still
 *   refused with 501; an LF, listed as a bare NUL, therefore cannot be named in a command);
 * - a name that is not valid UTF-8 is listed with its own bytes (not U+FFFD), so two names that
 *   differ only in such bytes stay two names, and each is fetched by its listed bytes. A 0xFF
 *   byte is the Telnet IAC on the control connection: a client sends it doubled (RFC 854).
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { expectCode, type FtpSocket } from "../harness/index.ts";
import { download, useServer } from "./conformance-helpers.ts";

const b = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));
const CRLF = "\r\n";

/** PASV + a download command given as raw bytes: all the data, with the 150 and the 226 checked. */
async function fetchBytes(ftp: FtpSocket, line: Buffer): Promise<Buffer> {
  const ds = await ftp.openPassiveData("PASV");
  await ftp.sendExpect(line, [125, 150]);
  const data = await ds.readAll();
  expectCode(await ftp.readReply(), 226, ftp.context());
  return data;
}

/** PASV + an upload command given as raw bytes. */
async function storeBytes(ftp: FtpSocket, line: Buffer, data: string): Promise<void> {
  const ds = await ftp.openPassiveData("PASV");
  await ftp.sendExpect(line, [125, 150]);
  await ds.end(Buffer.from(data));
  expectCode(await ftp.readReply(), 226, ftp.context());
}

/** The lines of a listing as raw bytes (split at CRLF only). */
function rawLines(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const end = data.indexOf("\r\n", start);
    if (end === -1) break;
    out.push(data.subarray(start, end));
    start = end + 2;
  }
  expect(start, `the listing must end with CRLF: ${data.toString("hex")}`).toBe(data.length);
  return out;
}

/** A 0xFF data byte goes on the Telnet control connection as IAC IAC. */
const telnet = (bytes: Buffer) => Buffer.from([...bytes].flatMap((x) => (x === 0xff ? [0xff, 0xff] : [x])));
const command = (verb: string, name: Buffer) => Buffer.concat([Buffer.from(`${verb} `), telnet(name), Buffer.from(CRLF)]);

const CR_NAME = b("cr\rname.txt");
const LF_NAME = b("lf\nname.txt");
const BAD_FE = b("a", [0xfe], ".bin");
const BAD_FD = b("a", [0xfd], ".bin");
const BAD_FF = b("a", [0xff], ".bin");
const BAD_DIR = b("d", [0xe9], "t", [0xe9]); // "dété" in Latin-1: not UTF-8

describe("names with CR or LF (RFC 2640 section 3.1)", () => {
  const ctx = useServer({
    args: ["-w"],
    prepare: (root) => {
      fs.mkdirSync(root.path("crlf"));
      fs.writeFileSync(Buffer.concat([b(root.path("crlf"), "/"), CR_NAME]), "carriage return");
      fs.writeFileSync(Buffer.concat([b(root.path("crlf"), "/"), LF_NAME]), "line feed");
    },
  });

  it("NLST lists CR as CR NUL and LF as NUL, one line each", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("CWD crlf", 250);
    const lines = rawLines((await download(ftp, "NLST")).data).map((l) => l.toString("hex")).sort();
    expect(lines).toEqual([b("cr\r\0name.txt").toString("hex"), b("lf\0name.txt").toString("hex")].sort());
  });

  it("RETR, SIZE and LIST by the listed bytes (CR NUL) find the file whose name holds a CR", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("CWD crlf", 250);
    const listed = rawLines((await download(ftp, "NLST")).data).find((l) => l.subarray(0, 2).toString() === "cr")!;
    expect((await ftp.sendExpect(Buffer.concat([b("SIZE "), listed, b(CRLF)]), 213)).text).toBe("15");
    expect((await fetchBytes(ftp, Buffer.concat([b("RETR "), listed, b(CRLF)]))).toString()).toBe("carriage return");
    const list = rawLines(await fetchBytes(ftp, Buffer.concat([b("LIST "), listed, b(CRLF)])));
    expect(list).toHaveLength(1);
    expect(list[0]!.subarray(-listed.length).equals(listed)).toBe(true);
  });

  it("STOR with CR NUL makes a name with CR on disk; a NUL after anything else stays refused (501)", async () => {
    const ftp = await ctx.login();
    await storeBytes(ftp, b("STOR crlf/new\r\0one.txt", CRLF), "new");
    expect(fs.readFileSync(Buffer.concat([b(ctx.root.path("crlf"), "/"), b("new\rone.txt")])).toString()).toBe("new");
    await ftp.sendExpect(b("SIZE crlf/lf\0name.txt", CRLF), 501);
    await ftp.sendExpect(b("SIZE crlf/\0cr\rname.txt", CRLF), 501);
    await ftp.sendExpect(b("CWD crlf\0/..", CRLF), 501);
    await ftp.sendExpect("NOOP", 200);
  });
});

describe("names that are not valid UTF-8 keep their bytes", () => {
  const ctx = useServer({
    args: ["-w"],
    prepare: (root) => {
      fs.mkdirSync(root.path("bytes"));
      const dir = b(root.path("bytes"), "/");
      fs.writeFileSync(Buffer.concat([dir, BAD_FE]), "fe content");
      fs.writeFileSync(Buffer.concat([dir, BAD_FD]), "fd content, longer");
      fs.writeFileSync(Buffer.concat([dir, BAD_FF]), "ff");
      fs.mkdirSync(Buffer.concat([dir, BAD_DIR]));
      fs.writeFileSync(Buffer.concat([dir, BAD_DIR, b("/inside.txt")]), "inside");
    },
  });

  it("NLST, LIST and MLSD send each name's own bytes: two names that differ only there stay distinct", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("CWD bytes", 250);
    const nlst = rawLines((await download(ftp, "NLST")).data).map((l) => l.toString("hex")).sort();
    expect(nlst).toEqual([BAD_FE, BAD_FD, BAD_FF, BAD_DIR].map((n) => n.toString("hex")).sort());
    for (const cmd of ["LIST", "MLSD"]) {
      const lines = rawLines((await download(ftp, cmd)).data);
      for (const name of [BAD_FE, BAD_FD, BAD_FF, BAD_DIR]) {
        expect(lines.filter((l) => l.subarray(-name.length - 1).equals(Buffer.concat([b(" "), name]))), `${cmd} line for ${name.toString("hex")}`).toHaveLength(1);
      }
    }
  });

  it("each is fetched by its listed bytes (RETR, SIZE), and a folder so named can be entered", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("CWD bytes", 250);
    for (const [name, content] of [
      [BAD_FE, "fe content"],
      [BAD_FD, "fd content, longer"],
      [BAD_FF, "ff"],
    ] as const) {
      expect((await ftp.sendExpect(command("SIZE", name), 213)).text).toBe(String(content.length));
      expect((await fetchBytes(ftp, command("RETR", name))).toString()).toBe(content);
    }
    await ftp.sendExpect(command("CWD", BAD_DIR), 250);
    const pwd = await ftp.sendExpect("PWD", 257);
    expect(pwd.raw.includes(Buffer.concat([b('"/bytes/'), BAD_DIR, b('"')]))).toBe(true);
    expect((await download(ftp, "RETR inside.txt")).data.toString()).toBe("inside");
  });

  it("uploads, renames and deletes land on the same bytes on disk", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("CWD bytes", 250);
    const fresh = b("new", [0xe9], ".txt");
    await storeBytes(ftp, command("STOR", fresh), "made");
    const dir = b(ctx.root.path("bytes"), "/");
    expect(fs.readFileSync(Buffer.concat([dir, fresh])).toString()).toBe("made");
    const renamed = b("ren", [0xfe], ".txt");
    await ftp.sendExpect(command("RNFR", fresh), 350);
    await ftp.sendExpect(command("RNTO", renamed), 250);
    expect(fs.existsSync(Buffer.concat([dir, renamed]))).toBe(true);
    await ftp.sendExpect(command("DELE", renamed), 250);
    expect(fs.existsSync(Buffer.concat([dir, renamed]))).toBe(false);
    // The others are untouched.
    for (const name of [BAD_FE, BAD_FD, BAD_FF]) expect(fs.existsSync(Buffer.concat([dir, name]))).toBe(true);
  });

  it("the valid UTF-8 encoding of U+DCFE is not the byte 0xFE: it names another (missing) file", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("CWD bytes", 250);
    // ED B3 BE would be UTF-8 for the lone surrogate U+DCFE, which UTF-8 forbids: three bytes, three escapes.
    await ftp.sendExpect(b("SIZE a", [0xed, 0xb3, 0xbe], ".bin", CRLF), 550);
    await ftp.sendExpect(b("SIZE a\u{dcfe}.bin", CRLF), 550);
  });
});
