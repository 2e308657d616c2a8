/**
 * File-name encodings (--encoding, [server] encoding): UTF-8 by default (RFC 2640); a legacy
 * code page such as GBK for old Chinese Windows clients, which send names in it; OPTS UTF8 ON
 * switches one session back to UTF-8; bytes that do not decode never break the session or a
 * listing. Names on disk stay UTF-8.
 */
import fs from "node:fs";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { describeRun, runCli } from "../harness/index.ts";
import { download, useServer } from "./conformance-helpers.ts";

const gbk = (text: string, crlf = true) => iconv.encode(crlf ? `${text}\r\n` : text, "gbk");
const NAME = "报告.txt"; // "report"

describe("--encoding gbk", () => {
  const ctx = useServer({ files: { [NAME]: "twelve bytes", "plain.txt": "x" }, args: ["-w", "--encoding", "gbk"] });

  it("a listing sends the UTF-8 names on disk as GBK bytes", async () => {
    const ftp = await ctx.login();
    const { data } = await download(ftp, "NLST");
    expect(data.includes(gbk(NAME, false)), `NLST must carry ${NAME} as GBK bytes ${gbk(NAME, false).toString("hex")}; got ${data.toString("hex")}`).toBe(true);
    expect(data.includes(Buffer.from(NAME, "utf8"))).toBe(false);
  });

  it("a name sent in GBK finds the file (SIZE, RETR), and a folder made in GBK is UTF-8 on disk", async () => {
    const ftp = await ctx.login();
    expect((await ftp.sendExpect(gbk(`SIZE ${NAME}`), 213)).text).toBe("12");
    const ds = await ftp.openPassiveData("PASV");
    await ftp.sendExpect(gbk(`RETR ${NAME}`), [125, 150]);
    expect((await ds.readAll()).toString()).toBe("twelve bytes");
    await ftp.readReply();
    await ftp.sendExpect(gbk("MKD 新建文件夹"), 257);
    expect(fs.existsSync(ctx.root.path("新建文件夹")), "the folder's name on disk must be UTF-8").toBe(true);
  });

  it("the reply to PWD and MKD carries the name in GBK", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect(gbk("CWD 新建文件夹"), 250);
    const pwd = await ftp.sendExpect("PWD", 257);
    expect(pwd.raw.includes(gbk('"/新建文件夹"', false))).toBe(true);
  });

  it("bytes that are not GBK become U+FFFD and the session goes on", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect(Buffer.from([...Buffer.from("SIZE "), 0xff, 0xfe, 0x80, ...Buffer.from(".txt\r\n")]), 550);
    await ftp.sendExpect("NOOP", 200);
  });

  it("OPTS UTF8 ON switches this session to UTF-8; other sessions keep GBK", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("OPTS UTF8 ON", 200);
    expect((await ftp.sendExpect(`SIZE ${NAME}`, 213)).text).toBe("12"); // sent as UTF-8
    const other = await ctx.login();
    await other.sendExpect(gbk(`SIZE ${NAME}`), 213);
  });
});

describe("the default is UTF-8", () => {
  const ctx = useServer({ files: { [NAME]: "twelve bytes" } });

  it("names travel as UTF-8", async () => {
    const ftp = await ctx.login();
    const { data } = await download(ftp, "NLST");
    expect(data.includes(Buffer.from(NAME, "utf8"))).toBe(true);
    expect((await ftp.sendExpect(`SIZE ${NAME}`, 213)).text).toBe("12");
  });
});

it("an unknown encoding stops the server with exit 2 and a suggestion", async () => {
  const run = await runCli(["-p", "0", "--encoding", "klingon"]);
  expect(run.code, describeRun(run)).toBe(2);
  expect(run.stderr).toMatch(/unknown encoding "klingon"; use utf-8, gbk/);
});
