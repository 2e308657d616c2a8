/**
 * Reading the address out of PASV (227) and EPSV (229) replies.
 *
 *   227 Entering Passive Mode (127,0,0,1,156,64)   -> 127.0.0.1, port 156*256+64 = 40000
 *   229 Entering Extended Passive Mode (|||40000|)  -> same host as the control connection
 *
 * These return a reason string instead of throwing, so the caller can wrap it in a full
 * FTP-aware explanation (what was sent, what came back, how to reproduce).
 */
import type { Reply } from "./reply.ts";

export interface HostPort {
  host: string;
  port: number;
}

export function parsePasv(reply: Reply): HostPort | { error: string } {
  return parsePasvLine(reply.lines[0] ?? "");
}

/** parsePasv on the reply's first line as text ("227 Entering Passive Mode (...)"). */
export function parsePasvLine(text: string): HostPort | { error: string } {
  // RFC 959 shows the tuple in parentheses; RFC 1123 (4.1.2.6) tells clients not to rely on
  // them. So: if there are parentheses, their content must be the tuple; otherwise scan.
  const paren = /\(([^)]*)\)/.exec(text);
  let tuple: string;
  if (paren) tuple = paren[1]!;
  else {
    const m = /\d+(?:\s*,\s*\d+){5}/.exec(text.slice(4));
    if (!m) return { error: `no h1,h2,h3,h4,p1,p2 tuple found in the 227 reply` };
    tuple = m[0];
  }
  const parts = tuple.split(",").map((s) => s.trim());
  if (parts.length !== 6 || !parts.every((p) => /^\d{1,3}$/.test(p))) {
    return { error: `PASV tuple (${tuple}) is not six comma-separated numbers h1,h2,h3,h4,p1,p2` };
  }
  const nums = parts.map(Number);
  const names = ["h1", "h2", "h3", "h4", "p1", "p2"];
  const bad = nums.findIndex((n) => n > 255);
  if (bad >= 0) {
    return { error: `PASV tuple (${tuple}) is invalid: ${names[bad]}=${nums[bad]} is not a byte (0-255)` };
  }
  const port = nums[4]! * 256 + nums[5]!;
  if (port === 0) return { error: `PASV tuple (${tuple}) gives port 0` };
  return { host: nums.slice(0, 4).join("."), port };
}

/** EPSV gives only a port; the host is the one the control connection goes to (RFC 2428). */
export function parseEpsv(reply: Reply, controlHost: string): HostPort | { error: string } {
  const text = reply.lines[0] ?? "";
  const paren = /\(([^)]*)\)/.exec(text);
  if (!paren) return { error: `no "(|||port|)" found in the 229 reply` };
  const inner = paren[1]!;
  // The delimiter is any printable character (usually "|"), used 3 times, then port, then once.
  const m = /^([\x21-\x7e])\1\1(\d{1,5})\1$/.exec(inner);
  if (!m) return { error: `EPSV argument (${inner}) is not of the form (|||port|)` };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return { error: `EPSV argument (${inner}) has port ${port}, not 1-65535` };
  return { host: controlHost, port };
}

/** The harness only ever connects to loopback (tests must not send traffic elsewhere). */
export function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1" || /^::ffff:127\./i.test(host) || host === "localhost";
}
