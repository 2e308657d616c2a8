/**
 * No command in a lesson, a hints file or docs/ sends traffic off this machine: every host a
 * reader's command connects to is loopback (127.0.0.0/8, ::1, localhost). That includes the
 * address a client connects to because a 227 reply named it (a server started with
 * --nat-address 203.0.113.7 and curl --no-ftp-skip-pasv-ip). Documentation addresses may
 * appear as text: a 227 reply on the wire, or a server flag that only changes reply text.
 * The scan itself is in offbox-scan.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../harness/index.ts";
import { connectingCommands, isLoopback, scanMarkdown, type Finding } from "./offbox-scan.ts";

function courseFiles(): string[] {
  const lessons = readdirSync(path.join(REPO_ROOT, "lessons"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => [`lessons/${d.name}/README.md`, `lessons/${d.name}/hints.md`]);
  const docs = readdirSync(path.join(REPO_ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  return [...lessons, ...docs].filter((f) => existsSync(path.join(REPO_ROOT, f)));
}

const show = (findings: Finding[]) => findings.map((f) => `${f.file}:${f.line}: ${f.command}\n    -> ${f.host}: ${f.why}`).join("\n");

describe("no command in the course's text leaves this machine", () => {
  const files = courseFiles();

  it("finds the lessons, hints and docs, and the connecting commands in them", () => {
    expect(files).toContain("lessons/03-masquerade/README.md");
    expect(files).toContain("docs/ftp-primer.md");
    const commands = files.flatMap((f) => connectingCommands(readFileSync(path.join(REPO_ROOT, f), "utf8")));
    // curl, nc, lftp, python ftplib and the course client all occur: the scan is not blind.
    for (const prog of [/^curl /, /^nc /, /^lftp /, /^python3 -c /, /^node -e /, /^npm run client /]) {
      expect(commands.some((c) => prog.test(c)), String(prog)).toBe(true);
    }
  });

  it.each(courseFiles())("%s: every command connects to loopback only", (file) => {
    const findings = scanMarkdown(file, readFileSync(path.join(REPO_ROOT, file), "utf8"));
    expect(findings, show(findings)).toEqual([]);
  });
});

describe("the scan", () => {
  it("knows loopback", () => {
    for (const h of ["127.0.0.1", "127.0.0.2", "127.255.0.9", "::1", "localhost", "[::1]"]) expect(isLoopback(h), h).toBe(true);
    for (const h of ["203.0.113.7", "192.168.1.10", "10.0.0.2", "0.0.0.0", "::", "ftp.example.com", "<host>"]) expect(isLoopback(h), h).toBe(false);
  });

  // Lesson 3's "Check by hand" as it was before this change: curl trusts the 227 reply of a
  // server announcing 203.0.113.7, so it connects there.
  const OLD_LESSON_3 = [
    "Check by hand. curl ignores the address in a 227 reply by default:",
    "",
    "```",
    "npm run serve 3 -- --nat-address 203.0.113.7",
    "curl -v --disable-epsv ftp://127.0.0.1:2121/ 2>&1 | grep -E '227|Skip'",
    "curl -v --disable-epsv --no-ftp-skip-pasv-ip --connect-timeout 5 ftp://127.0.0.1:2121/",
    "```",
    "",
    "### With the course's client",
    "",
    "With your server running (`npm run serve N`):",
    "",
    "```",
    'npm run client -- --no-epsv --debug ftp://127.0.0.1:2121/ ls                     # "the 227 reply names 203.0.113.7; connecting to 127.0.0.1 instead"',
    "npm run client -- --no-epsv --trust-pasv-ip --timeout 5 ftp://127.0.0.1:2121/ ls   # trusts the 227 like a client outside: fails",
    "```",
  ].join("\n");

  it("flags the old lesson 3: curl and the course client trusting a 227 that names 203.0.113.7", () => {
    const findings = scanMarkdown("old-03.md", OLD_LESSON_3);
    expect(findings.map((f) => [f.line, f.host])).toEqual([
      [6, "203.0.113.7"],
      [15, "203.0.113.7"],
    ]);
    expect(findings[0]!.why).toMatch(/227/);
  });

  it("flags direct connections: URLs, nc/telnet/lftp hosts, ftplib, node net, curl -P, open HOST, a router --to", () => {
    const md = [
      "```sh",
      "curl ftp://203.0.113.7:2121/",
      "$ nc -C 198.51.100.9 21",
      "telnet ftp.example.com 21",
      "lftp -u anna,pw -p 2121 192.168.1.10",
      "python3 -c \"import ftplib; f=ftplib.FTP(); f.connect('10.0.0.2', 21)\"",
      "node -e \"require('net').connect(21, '192.0.2.1')\"",
      "node -e \"require('net').connect(+process.argv[2], process.argv[1])\" 198.51.100.20 21",
      "curl -P 192.0.2.50 ftp://127.0.0.1:2121/",
      "npm run client -- --debug \"open 203.0.113.8\" ls",
      "npm run router -- --to 192.168.1.10 --forward 2121",
      "nc -w 2 198.51.100.30 21",
      "```",
      "Or `curl ftp://[2001:db8::1]:2121/`.",
    ].join("\n");
    expect(scanMarkdown("x.md", md).map((f) => f.host)).toEqual([
      "203.0.113.7",
      "198.51.100.9",
      "ftp.example.com",
      "192.168.1.10",
      "10.0.0.2",
      "192.0.2.1",
      "198.51.100.20",
      "192.0.2.50",
      "203.0.113.8",
      "192.168.1.10",
      "198.51.100.30",
      "2001:db8::1",
    ]);
  });

  it("leaves text alone: 227 replies on the wire, server flags, curl's default (ignores the 227 address), a loopback masquerade", () => {
    const md = [
      "`--nat-address 203.0.113.7` makes PASV announce it.",
      "```",
      "C: PASV",
      "S: 227 Entering Passive Mode (203,0,113,7,234,98).",
      "   (the client connects to 203.0.113.7:60002)",
      "```",
      "```sh",
      "python3 -m pyftpdlib -p 2121 -n 203.0.113.7",
      "npx tsx final/src/main.ts -i 127.0.0.1 -n 203.0.113.7 -d final/demo",
      "curl -v --disable-epsv ftp://127.0.0.1:2121/",
      "npm run client -- --no-epsv --debug ftp://127.0.0.1:2121/ ls",
      "python3 -c \"import ftplib; f=ftplib.FTP(); f.connect('127.0.0.1', 2121); f.login(); f.dir()\"",
      "```",
      "```sh",
      "npm run serve 3 -- --nat-address 127.0.0.2 --range 60000-60010",
      "curl -v --disable-epsv --no-ftp-skip-pasv-ip ftp://127.0.0.1:2121/",
      "lftp -p 2121 127.0.0.1",
      "nc -l 60000",
      "curl -u 'dora:open sesame' ftp://127.0.0.1:2121/",
      "```",
      "```ts",
      "socket.connect(21, '203.0.113.7'); // source is read, not run",
      "```",
    ].join("\n");
    const findings = scanMarkdown("y.md", md);
    expect(findings, show(findings)).toEqual([]);
  });

  it("follows the server the text last started, and a client's own comment", () => {
    const md = [
      "```sh",
      "npm run serve 7 -- --nat-address 192.168.1.10",
      "lftp -p 2121 127.0.0.1",
      "lftp -p 2121 127.0.0.1 -e 'set ftp:ignore-pasv-address yes; ls'",
      "npm run serve 7",
      "lftp -p 2121 127.0.0.1",
      "npm run client -- --no-epsv --trust-pasv-ip ftp://127.0.0.1:2121/ ls   # with --nat-address 10.1.2.3: fails",
      "```",
      "Restart the server with `--masquerade-map 127.0.0.1/32=127.0.0.1 --nat-address 198.51.100.1`:",
      "```sh",
      "curl --disable-epsv --no-ftp-skip-pasv-ip ftp://127.0.0.2:2121/",
      "```",
    ].join("\n");
    expect(scanMarkdown("z.md", md).map((f) => [f.line, f.host])).toEqual([
      [3, "192.168.1.10"],
      [7, "10.1.2.3"],
      [11, "198.51.100.1"],
    ]);
  });
});
