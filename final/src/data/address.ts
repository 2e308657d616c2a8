//> 0 address
// The address formats of the data-connection commands.
//
//   227 Entering Passive Mode (127,0,0,1,195,80).   -> 127.0.0.1 port 195*256+80 = 50000   (RFC 959)
//> 2 epsv-format-comment
//   229 Entering Extended Passive Mode (|||50000|)                                   (RFC 2428)
//<
//> 6 port-eprt-formats-comment
//   PORT 127,0,0,1,195,80        -> 127.0.0.1 port 50000
//   EPRT |1|127.0.0.1|50000|     -> the same, any protocol
//   EPRT |2|::1|50000|           -> IPv6
//<

import { isIP } from "node:net";
//> 6 port-eprt-import
import { FtpError } from "../protocol/reply.ts";
//<
//> 6 port-eprt-args

export interface HostPort {
  host: string;
  port: number;
}

/**
 *   parsePortArg("127,0,0,1,195,80")  ->  { host: "127.0.0.1", port: 50000 }
 *   parsePortArg("127,0,0,1,195")     ->  throws FtpError 501
 */
export function parsePortArg(arg: string): HostPort {
//> 6 parse-port
  const parts = arg.trim().split(",");
  if (parts.length !== 6 || !parts.every((p) => /^\d{1,3}$/.test(p.trim()))) {
    throw new FtpError(501, "Syntax: PORT h1,h2,h3,h4,p1,p2 (six numbers 0-255).");
  }
  const n = parts.map((p) => Number(p.trim()));
  if (n.some((x) => x > 255)) throw new FtpError(501, "PORT numbers must be 0-255.");
  const port = n[4]! * 256 + n[5]!;
  if (port === 0) throw new FtpError(501, "PORT port must not be 0.");
  return { host: n.slice(0, 4).join("."), port };
//<
}

/**
 *   parseEprtArg("|1|127.0.0.1|50000|")  ->  { host: "127.0.0.1", port: 50000 }
 *   parseEprtArg("|2|::1|50000|")        ->  { host: "::1", port: 50000 }
 *   parseEprtArg("|3|x|1|")              ->  throws FtpError 522 (unknown network protocol)
 */
export function parseEprtArg(arg: string): HostPort {
//> 6 parse-eprt
  // The first character is the delimiter the client chose; "|" is usual.
  const delim = arg[0];
  const fields = delim ? arg.split(delim) : [];
  if (!delim || fields.length !== 5 || fields[0] !== "" || fields[4] !== "") {
    throw new FtpError(501, "Syntax: EPRT |protocol|address|port|");
  }
  const [, proto, host, portText] = fields as [string, string, string, string, string];
  if (proto !== "1" && proto !== "2") {
    throw new FtpError(522, "Network protocol not supported, use (1,2)");
  }
  if (isIP(host) !== (proto === "1" ? 4 : 6)) {
    throw new FtpError(501, `EPRT address ${JSON.stringify(host)} is not an IPv${proto === "1" ? 4 : 6} address.`);
  }
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
    throw new FtpError(501, "EPRT port must be 1-65535.");
  }
  return { host, port };
//<
}
//<

/** "::ffff:127.0.0.1" (an IPv4 client seen by a dual-stack socket) -> "127.0.0.1". */
export function plainIp(address: string | undefined): string {
  if (!address) return "";
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function formatPasv(host: string, port: number): string {
  const tuple = [...host.split("."), Math.floor(port / 256), port % 256].join(",");
  return `Entering Passive Mode (${tuple}).`;
}

//> 2 format-epsv
export function formatEpsv(port: number): string {
  return `Entering Extended Passive Mode (|||${port}|)`;
}
//<
//<
