//> 3 masquerade
// Which address to announce in a 227 reply. Behind a router that forwards ports, clients on
// the internet must be told the router's public address, while clients on the LAN must be
// told the LAN address (they may not reach the public one from inside):
//
//   masquerade_map = 192.168.1.0/24=192.168.1.10     client 192.168.1.33 -> 192.168.1.10
//   masquerade_address = 203.0.113.7                 client 198.51.100.9 -> 203.0.113.7
//   (neither)                                        the address the client connected to
//
// The kit hands both settings over as the text that was typed; the settings table
// (config/values.ts) checks and parses them here, so a bad value stops the server at start.

import { isIP } from "node:net";
//> 3 cidr-of
import ipaddr from "ipaddr.js";

/** A rule's network, parsed once: the address and the number of bits that must match. */
type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
const parsed = new WeakMap<MasqueradeRule, Cidr>();

function cidrOf(rule: MasqueradeRule): Cidr {
  let cidr = parsed.get(rule);
  if (!cidr) {
    cidr = ipaddr.parseCIDR(rule.network);
    parsed.set(rule, cidr);
  }
  return cidr;
}
//<

export interface MasqueradeRule {
  network: string;
  address: string;
}

/** --nat-address: the address goes into 227 replies, which have room for IPv4 only. */
export function masqueradeAddress(text: string): string {
  if (isIP(text) !== 4) throw new Error("expected an IPv4 address, e.g. 203.0.113.7 (PASV replies carry IPv4 only)");
  return text;
}

/** "192.168.0.0/16=192.168.1.10, 10.0.0.0/8=10.0.0.2": clients in a network see its address. */
export function parseMasqueradeMap(text: string): MasqueradeRule[] {
  const rules: MasqueradeRule[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [network = "", address = ""] = part.split("=").map((p) => p.trim());
    let ok = isIP(address) === 4;
    try {
      ipaddr.parseCIDR(network);
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`"${part}" should be NETWORK/BITS=IPv4, e.g. 192.168.0.0/16=192.168.1.10`);
    rules.push({ network, address });
  }
  return rules;
}

/**
 *   passiveAddress("192.168.1.33", "192.168.1.10", [{ network: "192.168.1.0/24", address: "192.168.1.10" }], "203.0.113.7")
 *     -> "192.168.1.10"   (a LAN client: the map's address)
 *   passiveAddress("198.51.100.9", "192.168.1.10", same rules, "203.0.113.7")  -> "203.0.113.7"
 *   passiveAddress("127.0.0.1", "127.0.0.1", [], undefined)                   -> "127.0.0.1"
 */
export function passiveAddress(clientIp: string, localIp: string, rules: readonly MasqueradeRule[], masquerade?: string): string {
//> 3 masquerade-map
  // ipaddr.process turns an IPv4-mapped client (::ffff:192.168.1.33) into plain IPv4, and an
  // IPv4 network never matches an IPv6 client (match() would throw).
  if (rules.length && ipaddr.isValid(clientIp)) {
    const client = ipaddr.process(clientIp);
    for (const rule of rules) {
      const cidr = cidrOf(rule);
      if (client.kind() === cidr[0].kind() && client.match(cidr)) return rule.address;
    }
  }
//<
//> 3 masquerade-address
  return masquerade ?? localIp;
//<
}
//<
