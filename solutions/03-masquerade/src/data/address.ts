// The address formats of the data-connection commands.
//
//   227 Entering Passive Mode (127,0,0,1,195,80).   -> 127.0.0.1 port 195*256+80 = 50000   (RFC 959)
//   229 Entering Extended Passive Mode (|||50000|)                                   (RFC 2428)

import { isIP } from "node:net";

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
