// The address formats of the data-connection commands.
//
//   PORT 127,0,0,1,195,80        -> 127.0.0.1 port 195*256+80 = 50000   (RFC 959)
//   EPRT |1|127.0.0.1|50000|     -> the same, any protocol              (RFC 2428)
//   EPRT |2|::1|50000|           -> IPv6
//   227 Entering Passive Mode (127,0,0,1,195,80).
//   229 Entering Extended Passive Mode (|||50000|)

import { isIP } from "node:net";
import { FtpError } from "../protocol/reply.ts";

export interface HostPort {
  host: string;
  port: number;
}

/**
 *   parsePortArg("127,0,0,1,195,80")  ->  { host: "127.0.0.1", port: 50000 }
 *   parsePortArg("127,0,0,1,195")     ->  throws FtpError 501
 */
export function parsePortArg(arg: string): HostPort {
  throw new FtpError(501, "PORT is not written yet (lesson 6).");
}

/**
 *   parseEprtArg("|1|127.0.0.1|50000|")  ->  { host: "127.0.0.1", port: 50000 }
 *   parseEprtArg("|2|::1|50000|")        ->  { host: "::1", port: 50000 }
 *   parseEprtArg("|3|x|1|")              ->  throws FtpError 522 (unknown network protocol)
 */
export function parseEprtArg(arg: string): HostPort {
  throw new FtpError(501, "EPRT is not written yet (lesson 6).");
}

/** "::ffff:127.0.0.1" (an IPv4 client seen by a dual-stack socket) -> "127.0.0.1". */
export function plainIp(address: string | undefined): string {
  if (!address) return "";
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function formatPasv(host: string, port: number): string {
  const tuple = [...host.split("."), Math.floor(port / 256), port % 256].join(",");
  return `Entering Passive Mode (${tuple}).`;
}

export function formatEpsv(port: number): string {
  return `Entering Extended Passive Mode (|||${port}|)`;
}

/** Parses "60000-60100" as given to -r/--range. */
export function parsePortRange(text: string): { from: number; to: number } {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const from = Number(m?.[1]);
  const to = Number(m?.[2]);
  if (!m || from < 1 || to > 65535 || from > to) {
    throw new Error(`invalid port range ${JSON.stringify(text)}: write FROM-TO, e.g. 60000-60100, with 1 <= FROM <= TO <= 65535`);
  }
  return { from, to };
}
