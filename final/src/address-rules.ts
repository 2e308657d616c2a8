//> final address-rules
// Who may connect at all, and from where each user may log in: lists of addresses and
// networks (CIDR), as an operator writes them in ftpd.ini:
//
//   [security]
//   allow = 127.0.0.1, 192.168.1.0/24       only these (empty: everyone)
//   deny = 192.168.1.66                     never these (deny wins over allow)
//   user_allow = anna=192.168.1.0/24 10.0.0.0/8; bob=127.0.0.1
//
//   AddressRules(allow, deny).permits("192.168.1.20") -> true; permits("192.168.1.66") -> false
//
// The server list is checked before the greeting (421, like a full server). A user's list is
// checked at login, and a refusal looks exactly like a wrong password (530), so that it does
// not tell a stranger which names exist.

import ipaddr from "ipaddr.js";

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** "10.0.0.0/8" or a single address ("127.0.0.1" = /32, "::1" = /128) -> a CIDR; throws if neither. */
export function parseNetwork(text: string): Cidr {
  if (text.includes("/")) return ipaddr.parseCIDR(text);
  const address = ipaddr.parse(text);
  return [address, address.kind() === "ipv4" ? 32 : 128];
}

export function isNetwork(text: string): boolean {
  try {
    parseNetwork(text);
    return true;
  } catch {
    return false;
  }
}

function matches(ip: string, networks: readonly Cidr[]): boolean {
  if (networks.length === 0) return false; // the usual case: no parsing for every connection
  if (!ipaddr.isValid(ip)) return false;
  const address = ipaddr.process(ip); // "::ffff:10.0.0.1" counts as 10.0.0.1
  return networks.some(([network, bits]) => address.kind() === network.kind() && address.match(network, bits));
}

export class AddressRules {
  private readonly allow: Cidr[];
  private readonly deny: Cidr[];

  constructor(allow: readonly string[] = [], deny: readonly string[] = []) {
    this.allow = allow.map(parseNetwork);
    this.deny = deny.map(parseNetwork);
  }

  get empty(): boolean {
    return this.allow.length === 0 && this.deny.length === 0;
  }

  permits(ip: string): boolean {
    if (matches(ip, this.deny)) return false;
    return this.allow.length === 0 || matches(ip, this.allow);
  }
}
//<
