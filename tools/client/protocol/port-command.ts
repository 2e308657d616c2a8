// Telling the server where to connect in active mode: PORT (IPv4) and EPRT (RFC 2428).
//
//   portArgument("127.0.0.1", 50000) -> "127,0,0,1,195,80"        (C: PORT 127,0,0,1,195,80)
//   eprtArgument("127.0.0.1", 50000) -> "|1|127.0.0.1|50000|"     (C: EPRT |1|127.0.0.1|50000|)
//   eprtArgument("::1", 50000)       -> "|2|::1|50000|"
//
// 195 * 256 + 80 = 50000. The address must be one the server can reach, and a careful server
// (RFC 2577, lesson 6) only connects to the address the control connection comes from.

import net from "node:net";

/** "::ffff:127.0.0.1" (IPv4 seen through an IPv6 socket) -> "127.0.0.1". */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

export function portArgument(host: string, port: number): string | null {
  const ip = plainAddress(host);
  if (!net.isIPv4(ip)) return null; // PORT cannot say an IPv6 address
  return [...ip.split("."), String(port >> 8), String(port & 255)].join(",");
}

export function eprtArgument(host: string, port: number): string {
  const ip = plainAddress(host);
  return `|${net.isIPv6(ip) ? 2 : 1}|${ip}|${port}|`;
}
