/**
 * The client's pure parts, one concept at a time: replies, PASV/EPSV, PORT/EPRT, 257 paths, FEAT,
 * listings, resume plans, command-line words, globs, URLs, sizes.
 */
import { describe, expect, it } from "vitest";
import { commandsFromWords, parseCommandLine } from "../../tools/client/cli/options.ts";
import { parseFtpUrl } from "../../tools/client/cli/url.ts";
import { Features, hashAlgorithms } from "../../tools/client/protocol/features.ts";
import { parseList, parseMlsd, parseNlst } from "../../tools/client/protocol/listing.ts";
import { parseEpsv, parsePasv } from "../../tools/client/protocol/pasv-reply.ts";
import { parseQuotedPath } from "../../tools/client/protocol/path-reply.ts";
import { eprtArgument, portArgument } from "../../tools/client/protocol/port-command.ts";
import { ReplyFormatError, ReplyParser } from "../../tools/client/protocol/reply-parser.ts";
import { maskSecrets } from "../../tools/client/protocol/trace.ts";
import { planDownload, planUpload } from "../../tools/client/transfer/resume.ts";
import { RateMeter } from "../../tools/client/transfer/rate.ts";
import { formatBytes, formatDuration, parseSize } from "../../tools/client/ui/format.ts";
import { globMatcher, splitGlob } from "../../tools/client/ui/glob.ts";
import { quoteWord, split, splitCommands } from "../../tools/client/ui/words.ts";

describe("ReplyParser", () => {
  it("reads a one-line reply, whatever pieces it arrives in", () => {
    const p = new ReplyParser();
    expect(p.push("23")).toEqual([]);
    expect(p.push("0 Login successful.\r")).toEqual([]);
    expect(p.push("\n")).toEqual([{ code: 230, lines: ["230 Login successful."], message: "Login successful." }]);
  });

  it("reads a multi-line reply up to the line with the same code and a space", () => {
    const p = new ReplyParser();
    const [r] = p.push("211-Features:\r\n EPSV\r\n211-not the end\r\n 226 not the end either\r\n211 End\r\n");
    expect(r!.code).toBe(211);
    expect(r!.lines).toEqual(["211-Features:", " EPSV", "211-not the end", " 226 not the end either", "211 End"]);
    expect(r!.message).toBe("Features:\n EPSV\nnot the end\n 226 not the end either\nEnd");
  });

  it("gives several replies from one chunk, in order, and accepts bare LF and UTF-8 split across chunks", () => {
    const p = new ReplyParser();
    const euro = Buffer.from('257 "/€" ok\n');
    const a = p.push(Buffer.concat([Buffer.from("150 go\r\n226 done\n"), euro.subarray(0, 7)]));
    expect(a.map((r) => r.code)).toEqual([150, 226]);
    expect(p.push(euro.subarray(7))[0]!.message).toBe('"/€" ok');
  });

  it("refuses what is not FTP", () => {
    expect(() => new ReplyParser().push("HTTP/1.1 400 Bad Request\r\n")).toThrow(ReplyFormatError);
  });
});

describe("data connection addresses", () => {
  it("PASV: four numbers and two for the port", () => {
    expect(parsePasv("Entering Passive Mode (127,0,0,1,234,98).")).toEqual({ host: "127.0.0.1", port: 60002 });
    expect(parsePasv("Entering Passive Mode 10,0,0,5,4,1")).toEqual({ host: "10.0.0.5", port: 1025 });
    expect(parsePasv("Entering Passive Mode (1,2,3,4,256,1)")).toBeNull();
  });
  it("EPSV: only a port, between any repeated delimiter", () => {
    expect(parseEpsv("Entering Extended Passive Mode (|||60003|)")).toEqual({ port: 60003 });
    expect(parseEpsv("Entering Extended Passive Mode (!!!6446!)")).toEqual({ port: 6446 });
    expect(parseEpsv("Entering Extended Passive Mode (|||0|)")).toBeNull();
  });
  it("PORT and EPRT arguments", () => {
    expect(portArgument("127.0.0.1", 50000)).toBe("127,0,0,1,195,80");
    expect(portArgument("::ffff:10.1.2.3", 21)).toBe("10,1,2,3,0,21");
    expect(portArgument("::1", 50000)).toBeNull();
    expect(eprtArgument("127.0.0.1", 50000)).toBe("|1|127.0.0.1|50000|");
    expect(eprtArgument("::1", 50000)).toBe("|2|::1|50000|");
  });
});

describe("replies with content", () => {
  it("257: the quoted path, with doubled quotes", () => {
    expect(parseQuotedPath('"/docs" is the current folder.')).toBe("/docs");
    expect(parseQuotedPath('"/say ""hi""" created.')).toBe('/say "hi"');
    expect(parseQuotedPath("/plain")).toBe("/plain");
  });
  it("FEAT: names and parameters; HASH's algorithms with the current one starred", () => {
    const f = Features.fromReply({ code: 211, lines: ["211-Features:", " EPSV", " REST STREAM", " HASH SHA-256;SHA-512*;MD5", "211 End"], message: "" });
    expect(f.has("epsv")).toBe(true);
    expect(f.get("REST")).toBe("STREAM");
    expect(hashAlgorithms(f)).toEqual({ names: ["SHA-256", "SHA-512", "MD5"], current: "SHA-512" });
    expect(Features.fromReply({ code: 500, lines: ["500 ?"], message: "?" }).size).toBe(0);
  });
  it("PASS is never shown in debug output", () => {
    expect(maskSecrets("PASS s3cret")).toBe("PASS ******");
    expect(maskSecrets("USER anna")).toBe("USER anna");
  });
});

describe("listings", () => {
  it("MLSD facts, skipping . and ..", () => {
    const text = "type=cdir; .\r\ntype=dir;modify=20240101120000; docs\r\ntype=file;size=6;modify=20240101120000; a file.txt\r\n";
    expect(parseMlsd(text)).toEqual([
      { name: "docs", type: "dir" },
      { name: "a file.txt", type: "file", size: 6 },
    ]);
  });
  it("LIST in the Unix and the Windows style; NLST", () => {
    const unix = "drwxr-xr-x   2 ftp ftp 4096 Nov 21 12:20 docs\r\n-rw-r--r-- 1 ftp ftp 6 Jan  1  2024 my file.txt\r\nlrwxrwxrwx 1 ftp ftp 5 Jan 1 12:00 l -> a.txt\r\n";
    expect(parseList(unix)).toEqual([
      { name: "docs", type: "dir", size: 4096 },
      { name: "my file.txt", type: "file", size: 6 },
      { name: "l", type: "link", size: 5 },
    ]);
    expect(parseList("01-01-24  12:00PM  <DIR>  docs\r\n01-01-24  12:00PM  42  a.txt\r\n")).toEqual([
      { name: "docs", type: "dir" },
      { name: "a.txt", type: "file", size: 42 },
    ]);
    expect(parseNlst("docs/a.txt\r\nb.txt\r\n")).toEqual([
      { name: "a.txt", type: "unknown" },
      { name: "b.txt", type: "unknown" },
    ]);
  });
});

describe("resume plans", () => {
  it("download: from the part file's size, unless it is complete or longer than the server's file", () => {
    expect(planDownload(0, 100)).toMatchObject({ action: "fresh", offset: 0 });
    expect(planDownload(40, 100)).toMatchObject({ action: "resume", offset: 40 });
    expect(planDownload(40, undefined)).toMatchObject({ action: "resume", offset: 40 });
    expect(planDownload(100, 100)).toMatchObject({ action: "complete" });
    expect(planDownload(120, 100)).toMatchObject({ action: "restart", offset: 0 });
  });
  it("upload: REST + STOR with REST STREAM, APPE without", () => {
    expect(planUpload(100, undefined, true)).toMatchObject({ action: "fresh", command: "STOR", offset: 0 });
    expect(planUpload(100, 40, true)).toMatchObject({ action: "resume", command: "STOR", offset: 40 });
    expect(planUpload(100, 40, false)).toMatchObject({ action: "resume", command: "APPE", offset: 40 });
    expect(planUpload(100, 100, true)).toMatchObject({ action: "complete" });
    expect(planUpload(100, 120, true)).toMatchObject({ action: "restart", command: "STOR", offset: 0 });
  });
  it("rate and time left over a window", () => {
    let t = 0;
    const rate = new RateMeter(3000, () => t);
    rate.sample(0);
    t = 1000;
    rate.sample(1000);
    expect(rate.perSecond()).toBe(1000);
    expect(rate.secondsLeft(5000)).toBe(5);
  });
});

describe("command lines", () => {
  it("words with quotes and backslashes, commands split on ;", () => {
    expect(splitCommands(`get "my file.txt"; put a\\ b.txt 'c d'`)).toEqual([
      ["get", "my file.txt"],
      ["put", "a b.txt", "c d"],
    ]);
    expect(() => splitCommands('get "open')).toThrow(/unclosed/);
    expect(splitCommands("ls;;pwd ;")).toEqual([["ls"], ["pwd"]]);
  });
  it("quoteWord gives back one word; split knows where the cursor's word starts", () => {
    for (const name of ["my file.txt", `it's "x"`, "a;b", "back\\slash"]) expect(splitCommands(`get ${quoteWord(name)}`)).toEqual([["get", name]]);
    const s = split("get my\\ fi");
    expect(s.endsBetweenWords).toBe(false);
    expect(s.commands[0]![1]).toMatchObject({ value: "my fi", raw: "my\\ fi", start: 4 });
    expect(split("get ").endsBetweenWords).toBe(true);
  });
  it("words after the URL: ';' alone or at a word's end separates, a word with spaces is a command", () => {
    expect(commandsFromWords(["get", "a.txt", ";", "ls"])).toEqual([["get", "a.txt"], ["ls"]]);
    expect(commandsFromWords(["get", "a.txt;", "ls"])).toEqual([["get", "a.txt"], ["ls"]]);
    expect(commandsFromWords(["get a.txt; ls docs"])).toEqual([["get", "a.txt"], ["ls", "docs"]]);
    expect(commandsFromWords(["get", "my file.txt"])).toEqual([["get", "my file.txt"]]);
  });
  it("the options", () => {
    const o = parseCommandLine(["--tls", "-k", "--active", "--break-after", "100K", "-c", "ls; pwd", "ftp://anna:pw@127.0.0.1:2121/docs/", "get", "-c", "x"]);
    expect(o).toMatchObject({ explicitTls: true, insecure: true, mode: "active", breakAfter: 102400, commands: [["ls"], ["pwd"], ["get", "-c", "x"]] });
    expect(o.url).toEqual({ security: "plain", host: "127.0.0.1", port: 2121, user: "anna", password: "pw", path: "docs" });
    expect(() => parseCommandLine(["ftp://h/", "-p", "x"])).toThrow(/before the URL/);
    expect(() => parseCommandLine(["--retries", "x", "ftp://h/"])).toThrow(/whole number/);
  });
});

describe("URLs, globs, sizes", () => {
  it("ftp://, ftpes:// (explicit), ftps:// (implicit, port 990), IPv6, percent-encoding, no scheme", () => {
    expect(parseFtpUrl("ftp://127.0.0.1")).toEqual({ security: "plain", host: "127.0.0.1", port: 21 });
    expect(parseFtpUrl("ftpes://a%40b@example.org:2121/")).toEqual({ security: "explicit", host: "example.org", port: 2121, user: "a@b" });
    expect(parseFtpUrl("ftps://[::1]/x/y")).toEqual({ security: "implicit", host: "::1", port: 990, path: "x/y" });
    expect(parseFtpUrl("127.0.0.1:2121")).toMatchObject({ security: "plain", port: 2121 });
    expect(() => parseFtpUrl("http://x/")).toThrow(/unsupported scheme/);
  });
  it("globs: *, ?, [..]; no leading dot for *", () => {
    expect(splitGlob("docs/*.md")).toEqual({ dir: "docs", pattern: "*.md" });
    expect(splitGlob("/*.md")).toEqual({ dir: "/", pattern: "*.md" });
    const m = globMatcher("report-?.[ct]xt");
    expect(["report-1.txt", "report-2.cxt", "report-10.txt", "report-1.pdf"].map(m)).toEqual([true, true, false, false]);
    expect(globMatcher("*.md")(".hidden.md")).toBe(false);
    expect(globMatcher("a+b(1).txt")("a+b(1).txt")).toBe(true);
  });
  it("sizes and durations for people", () => {
    expect(formatBytes(6)).toBe("6 bytes");
    expect(formatBytes(1_572_864)).toBe("1.5 MB");
    expect(formatDuration(65.2)).toBe("1m05s");
    expect(parseSize("100K")).toBe(102_400);
    expect(parseSize("1.5m")).toBe(1_572_864);
    expect(parseSize("lots")).toBeNull();
  });
});
