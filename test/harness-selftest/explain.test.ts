/**
 * FTP-aware failure messages: what was sent, what came back, where it differs, why, and how to
 * reproduce it by hand.
 */
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import {
  FtpSocket,
  HarnessError,
  escapeBytes,
  expectBytes,
  expectCode,
  expectPrefix,
  ncRepro,
  parseReply,
  printfFormat,
  wireBytes,
} from "../harness/index.ts";
import { closeAllFakes, scripted } from "./fake-ftp.ts";

const sockets: FtpSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await closeAllFakes();
});

/** Run `fn`, which must throw, and return the message. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HarnessError);
    return (e as Error).message;
  }
  throw new Error("expected a throw");
}

/** Column of the "^" on the line after the one containing `marker`. */
function caretUnder(msg: string, marker: string): string {
  const lines = msg.split("\n");
  const i = lines.findIndex((l) => l.includes(marker));
  const col = lines[i + 1]!.indexOf("^");
  return lines[i]!.slice(col);
}

describe("expectCode", () => {
  it("shows the sent line, the received bytes, the cause and a complete nc repro", async () => {
    const fake = await scripted("220 ready\r\n", { USER: "331 Password?\r\n", PASS: "530 Login incorrect.\r\n" });
    const ftp = await FtpSocket.connect(fake.host, fake.port);
    sockets.push(ftp);
    await ftp.sendExpect("USER anonymous", 331);
    const reply = await ftp.send("PASS x");
    const msg = messageOf(() => expectCode(reply, 230, ftp.context("anonymous login should be allowed")));
    expect(msg).toContain('Expected reply 230 to "PASS x", got 530.');
    expect(msg).toContain("sent:      PASS x");
    expect(msg).toContain("received:  530 Login incorrect.\\r\\n");
    expect(caretUnder(msg, "received:")).toBe("530 Login incorrect.\\r\\n");
    expect(msg).toContain("cause:     anonymous login should be allowed");
    expect(msg).toContain(`reproduce: printf 'USER anonymous\\r\\nPASS x\\r\\n' | nc 127.0.0.1 ${fake.port}`);
  });

  it("passes matching codes through, accepts a list, and falls back to a generic hint", () => {
    const reply = parseReply("250 Okay\r\n");
    const ctx = { sent: "CWD /", host: "127.0.0.1", port: 2121 };
    expect(expectCode(reply, [226, 250], ctx)).toBe(reply);
    const msg = messageOf(() => expectCode(parseReply("550 No such file\r\n"), [226, 250], ctx));
    expect(msg).toContain("Expected reply 226 or 250");
    expect(msg).toContain("cause:     file unavailable");
    expect(caretUnder(msg, "received:")).toBe("550 No such file\\r\\n");
    // The caret sits on the first digit that differs from the closest expected code (250).
    const msg2 = messageOf(() => expectCode(parseReply("251 Odd\r\n"), [226, 250], ctx));
    expect(caretUnder(msg2, "received:")).toBe("1 Odd\\r\\n");
  });
});

describe("expectPrefix", () => {
  it("puts the caret under the first differing byte, after escapes", () => {
    const reply = parseReply('257 "/h\tme" is cwd\r\n');
    const ctx = { sent: "PWD", host: "127.0.0.1", port: 2121 };
    expect(expectPrefix(reply, '257 "/h\t', ctx)).toBe(reply);
    const msg = messageOf(() => expectPrefix(reply, '257 "/h\tome"', ctx));
    expect(msg).toContain("first difference at byte 8");
    expect(caretUnder(msg, "received:")).toBe('me" is cwd\\r\\n');
  });
});

describe("expectBytes", () => {
  it("shows the offset and a hexdump of both sides", () => {
    const expected = Buffer.from("0123456789abcdef0123456789ABCDEF0123");
    const actual = Buffer.from(expected);
    actual[20] = 0x00;
    expect(() => expectBytes(expected, Buffer.from(expected))).not.toThrow();
    const msg = messageOf(() => expectBytes(actual, expected, { what: "RETR digits.txt" }));
    expect(msg).toContain("Data mismatch for RETR digits.txt: first difference at byte 20 (expected 36 bytes, received 36)");
    expect(msg).toContain("00000010  30 31 32 33 00 35");
    const lines = msg.split("\n");
    const row = lines.findIndex((l) => l.includes("00000010  30 31 32 33 00"));
    expect(lines[row]!.slice(lines[row + 1]!.indexOf("^^"), lines[row + 1]!.indexOf("^^") + 2)).toBe("00");
  });

  it("recognises line-ending conversion and truncation", () => {
    expect(messageOf(() => expectBytes(Buffer.from("a\r\nb\r\n"), Buffer.from("a\nb\n")))).toContain("ASCII mode");
    expect(messageOf(() => expectBytes(Buffer.from("abc"), Buffer.from("abcdef")))).toContain("truncated");
  });
});

describe("escaping and the repro line", () => {
  it("escapes control bytes and invalid UTF-8, keeps valid UTF-8", () => {
    expect(escapeBytes(Buffer.from([0x41, 0x0d, 0x0a, 0x09, 0x00, 0x5c, 0xff]))).toBe("A\\r\\n\\t\\x00\\\\\\xff");
    expect(escapeBytes("RETR café.txt")).toBe("RETR café.txt");
  });

  it("printf format reproduces the exact bytes when run by /bin/sh", () => {
    const lines = ["USER it's", "PASS 100%\\n", "RETR café ü.txt", Buffer.from([0x4e, 0x4f, 0x4f, 0x50, 0x01, 0xff, 0x0a])];
    const want = wireBytes(lines);
    const got = execFileSync("/bin/sh", ["-c", `printf '${printfFormat(want)}'`]);
    expect(got.equals(want)).toBe(true);
    expect(ncRepro(["USER a", "PWD"], "::1", 21)).toBe("printf 'USER a\\r\\nPWD\\r\\n' | nc ::1 21");
  });
});
