/**
 * Unit tests of pure parsers: data-connection addresses (PORT, EPRT, -r ranges, 227/229
 * formats), virtual paths, and the users file.
 */
import { describe, expect, it } from "vitest";
import { parsePortRange } from "../../final/src/config/values.ts";
import { formatEpsv, formatPasv, parseEprtArg, parsePortArg, plainIp } from "../../final/src/data/address.ts";
import { resolveVirtual } from "../../final/src/fs/virtual-path.ts";
import { parseUsersFile } from "../../final/src/auth/users-file.ts";
import { ConfigError } from "../../final/src/config-error.ts";
import { FtpError } from "../../final/src/protocol/reply.ts";
import { parsePasv, parseReply } from "../harness/index.ts";

/** The FTP reply code a parser throws, or "ok" with the value. */
function outcome<T>(fn: () => T): { code: number } | { ok: T } {
  try {
    return { ok: fn() };
  } catch (err) {
    if (err instanceof FtpError) return { code: err.code };
    throw err;
  }
}

describe("parsePortArg (PORT h1,h2,h3,h4,p1,p2)", () => {
  it("parses a valid argument", () => {
    expect(parsePortArg("127,0,0,1,195,80")).toEqual({ host: "127.0.0.1", port: 50000 });
    expect(parsePortArg(" 10,1,2,3,0,21 ")).toEqual({ host: "10.1.2.3", port: 21 });
  });

  it.each([
    ["1,2,3"],
    ["256,0,0,1,1,1"],
    ["127,0,0,1,256,1"],
    ["127,0,0,1,1,256"],
    ["127,0,0,1,1"],
    ["127,0,0,1,1,1,1"],
    ["127,0,0,1,a,1"],
    ["127,0,0,-1,1,1"],
    ["127.0.0.1,1,1"],
    [""],
    ["127,0,0,1,0,0"], // port 0
    ["1270,0,0,1,1,1"],
  ])("refuses %j with 501", (arg) => {
    expect(outcome(() => parsePortArg(arg))).toEqual({ code: 501 });
  });
});

describe("parseEprtArg (EPRT |proto|address|port|)", () => {
  it("parses IPv4 and IPv6, with any delimiter", () => {
    expect(parseEprtArg("|1|127.0.0.1|50000|")).toEqual({ host: "127.0.0.1", port: 50000 });
    expect(parseEprtArg("|2|::1|2121|")).toEqual({ host: "::1", port: 2121 });
    expect(parseEprtArg("!1!10.0.0.1!6000!")).toEqual({ host: "10.0.0.1", port: 6000 });
  });

  it("refuses an unknown network protocol with 522 (RFC 2428)", () => {
    expect(outcome(() => parseEprtArg("|3|127.0.0.1|50000|"))).toEqual({ code: 522 });
  });

  it.each([
    ["|1|127.0.0.1|50000"],
    ["1|127.0.0.1|50000|"],
    ["|1|127.0.0.1|0|"],
    ["|1|127.0.0.1|65536|"],
    ["|1|127.0.0.1|port|"],
    ["|1|::1|50000|"], // protocol 1 with an IPv6 address
    ["|2|127.0.0.1|50000|"], // protocol 2 with an IPv4 address
    ["|1|localhost|50000|"],
    ["|1|127.0.0.1|50000|extra|"],
    [""],
  ])("refuses %j with 501", (arg) => {
    expect(outcome(() => parseEprtArg(arg))).toEqual({ code: 501 });
  });
});

describe("parsePortRange (-r FROM-TO)", () => {
  it("parses FROM-TO", () => {
    expect(parsePortRange("60000-60100")).toEqual({ from: 60000, to: 60100 });
    expect(parsePortRange("5000-5000")).toEqual({ from: 5000, to: 5000 });
  });

  it.each([["5-1"], ["x"], ["0-10"], ["1-65536"], ["100"], ["100-"], ["-100"], ["1-2-3"], [""], ["a-b"]])("refuses %j", (text) => {
    expect(() => parsePortRange(text)).toThrow(/port range/);
  });
});

describe("formatPasv / formatEpsv", () => {
  it("formatPasv gives six numbers that a strict client parses back to the same address", () => {
    for (const port of [1024, 50000, 65535, 256, 255]) {
      const text = formatPasv("127.0.0.1", port);
      expect(text).toMatch(/^Entering Passive Mode \(127,0,0,1,\d{1,3},\d{1,3}\)/);
      expect(parsePasv(parseReply(`227 ${text}\r\n`))).toEqual({ host: "127.0.0.1", port });
    }
  });

  it("formatPasv carries a masquerade address unchanged", () => {
    expect(formatPasv("203.0.113.7", 50000)).toContain("(203,0,113,7,195,80)");
  });

  it("formatEpsv is (|||port|)", () => {
    expect(formatEpsv(50000)).toBe("Entering Extended Passive Mode (|||50000|)");
  });

  it("plainIp unwraps IPv4-mapped IPv6 addresses only", () => {
    expect(plainIp("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(plainIp("::1")).toBe("::1");
    expect(plainIp(undefined)).toBe("");
  });
});

describe("resolveVirtual (cwd + argument -> virtual path)", () => {
  it("joins relative paths to the current folder", () => {
    expect(resolveVirtual("/docs", "notes.txt")).toBe("/docs/notes.txt");
    expect(resolveVirtual("/", "a/b")).toBe("/a/b");
  });

  it("treats absolute paths as relative to the user's root", () => {
    expect(resolveVirtual("/docs", "/etc/passwd")).toBe("/etc/passwd");
  });

  it("normalizes '.', '//' and trailing slashes", () => {
    expect(resolveVirtual("/", "./a/./b/.")).toBe("/a/b");
    expect(resolveVirtual("/", "a//b///c/")).toBe("/a/b/c");
    expect(resolveVirtual("/x", "//")).toBe("/");
    expect(resolveVirtual("/x", ".")).toBe("/x");
  });

  it("follows '..' inside the root", () => {
    expect(resolveVirtual("/docs/sub", "..")).toBe("/docs");
    expect(resolveVirtual("/docs", "../pub/./a")).toBe("/pub/a");
    expect(resolveVirtual("/a/b", "../../c")).toBe("/c");
    expect(resolveVirtual("/a", "..")).toBe("/");
  });

  it.each([
    ["/", ".."],
    ["/", "../etc/passwd"],
    ["/docs", "../.."],
    ["/docs", "/../x"],
    ["/", "a/../../b"],
    ["/a/b", "../../../"],
  ])("refuses to climb above the root: cwd %j, arg %j -> 550", (cwd, arg) => {
    expect(outcome(() => resolveVirtual(cwd, arg))).toEqual({ code: 550 });
  });

  it("refuses NUL bytes with 501", () => {
    expect(outcome(() => resolveVirtual("/", "a\0b"))).toEqual({ code: 501 });
  });

  it("keeps spaces and odd characters in names", () => {
    expect(resolveVirtual("/", " lead and trail ")).toBe("/ lead and trail ");
    expect(resolveVirtual("/", 'say "hi"')).toBe('/say "hi"');
  });
});

describe("parseUsersFile", () => {
  it("reads users, skipping comments and blank lines, and keeps line numbers", () => {
    const text = [
      "# name password perms home",
      "",
      "anna  s3cret  elradfmwMT  /srv/ftp/anna",
      "   ",
      "  # indented comment",
      "anonymous - elr /srv/ftp/pub",
    ].join("\n");
    expect(parseUsersFile(text, "users.txt")).toEqual([
      { name: "anna", password: "s3cret", perms: "elradfmwMT", home: "/srv/ftp/anna", line: 3 },
      { name: "anonymous", password: "-", perms: "elr", home: "/srv/ftp/pub", line: 6 },
    ]);
  });

  it("a home may contain spaces (it is the rest of the line), and CRLF files work", () => {
    const users = parseUsersFile("bob pw elr /srv/My Files/bob\r\ncarl pw elr rel dir\r\n", "u.txt");
    expect(users.map((u) => u.home)).toEqual(["/srv/My Files/bob", "rel dir"]);
  });

  /** Parse and return the ConfigError, failing if there is none. */
  function configError(text: string, file = "/etc/ftp/users.txt"): ConfigError {
    try {
      parseUsersFile(text, file);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error(`parseUsersFile accepted ${JSON.stringify(text)}`);
  }

  it("a line with too few fields is an error naming file and line", () => {
    const err = configError("# ok\nanna s3cret elr\n");
    expect(err.file).toBe("/etc/ftp/users.txt");
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/^\/etc\/ftp\/users\.txt:2: /);
    expect(err.message).toMatch(/4 fields/);
  });

  it("an unknown permission letter is an error naming the letter, file and line", () => {
    const err = configError("anna s3cret elrx /srv\n");
    expect(err.line).toBe(1);
    expect(err.message).toMatch(/^\/etc\/ftp\/users\.txt:1: /);
    expect(err.message).toContain('"x"');
  });

  it("a user defined twice is an error on the second line, pointing at the first", () => {
    const err = configError("anna a elr /a\nbob b elr /b\nanna c elr /c\n");
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/:3: /);
    expect(err.message).toMatch(/line 1/);
  });

  it("'ftp' and 'anonymous' are the same user", () => {
    const err = configError("anonymous - elr /a\nftp - elr /b\n");
    expect(err.line).toBe(2);
  });
});
