// Running behind a home router: what the router must forward, and the mistakes that make
// passive mode fail from the internet even though everything works on the LAN.
//
//   ftpd -i 0.0.0.0 -p 2121 --range 60000-60010 --nat-address 203.0.113.7
//   Behind a router: forward TCP port 2121 and ports 60000-60010 to this machine; PASV
//   replies announce 203.0.113.7 (EPSV replies carry no address).
//
//   ftpd --nat-address 203.0.113.7           (no --range)
//   ftpd: warning: --nat-address is set but passive ports are random (no --range) ...
//
// The server still starts in every case: these are advice, not errors, because a setup
// that looks wrong from here (say, listening on 127.0.0.1) can be right with a port
// forwarder on the same machine. A loopback --nat-address (127.0.0.2 for npm run router, as
// in lesson 7) is such a forwarder, so 127.0.0.1 gets no warning then.
//
//   ftpd --nat-address 100.64.12.34           (the router's WAN address, from its status page)
//   ftpd: warning: --nat-address 100.64.12.34 is a carrier-grade NAT address ...

import ipaddr from "ipaddr.js";

export interface RouterSetup {
  /** The address and port the control connection listens on. */
  host: string;
  port: number;
  passiveRange?: { from: number; to: number };
  masqueradeAddress?: string;
  masqueradeMap?: readonly { network: string; address: string }[];
}

export interface RouterAdvice {
  /** For stdout: what to forward on the router. Empty when no router setting is given. */
  note: string | null;
  /** For stderr: likely mistakes. */
  warnings: string[];
}

/**
 * What a router makes of an address: "private" (10/8, 172.16/12, 192.168/16), "loopback",
 * "carrierGradeNat" (100.64/10), "unicast" or "reserved" (public), ...; "" if it is none.
 */
function kindOf(address: string): string {
  return ipaddr.isValid(address) ? ipaddr.process(address).range() : "";
}

/** "192.168.1.10 to clients in 192.168.1.0/24, and 203.0.113.7 to everyone else" */
function announced(map: readonly { network: string; address: string }[], nat: string | undefined): string {
  const others = nat ?? "the address each client connected to (set --nat-address for clients outside)";
  if (map.length === 0) return others;
  const lan = map.map((rule) => `${rule.address} to clients in ${rule.network}`).join(", ");
  return `${lan}, and ${nat ?? "the address each client connected to"} to everyone else`;
}

/** Whether `address` lies inside `network` ("192.168.1.0/24"); false when either is malformed. */
function inside(address: string, network: string): boolean {
  if (!ipaddr.isValid(address) || !ipaddr.isValidCIDR(network)) return false;
  const cidr = ipaddr.parseCIDR(network);
  const ip = ipaddr.process(address);
  return ip.kind() === cidr[0].kind() && ip.match(cidr);
}

export function routerAdvice(setup: RouterSetup): RouterAdvice {
  const warnings: string[] = [];
  const { host, port, passiveRange: range, masqueradeAddress: nat, masqueradeMap: map = [] } = setup;
  if (!nat && !range && map.length === 0) return { note: null, warnings };

  const ports = range ? `ports ${range.from}-${range.to}` : "the passive ports (set --range to know which)";
  const note = `Behind a router: forward TCP port ${port} and ${ports} to this machine; PASV replies announce ${announced(map, nat)} (EPSV replies carry no address).`;

  if (nat && !range) {
    warnings.push("--nat-address is set but passive ports are random (no --range): a router cannot forward them; give --range FROM-TO and forward that range too");
  }
  const natKind = nat ? kindOf(nat) : "";
  if (natKind === "private") {
    warnings.push(`--nat-address ${nat} is a private address: clients on the internet need your router's public address`);
  }
  if (natKind === "carrierGradeNat") {
    warnings.push(
      `--nat-address ${nat} is a carrier-grade NAT address (100.64.0.0/10): your provider's own NAT sits in front of your router, so no forwarding on your router reaches you from the internet; the public address is the one a "what is my IP" site shows, and it needs a forwarding rule from your provider`,
    );
  }
  if (map.length > 0 && !nat) {
    warnings.push("--masquerade-map is set but --nat-address is not: clients outside the mapped networks are told the address they connected to, which behind a router is this machine's LAN address; give --nat-address with the router's public address");
  }
  for (const rule of map) {
    if (kindOf(rule.address) !== "loopback" && !inside(rule.address, rule.network)) {
      warnings.push(`--masquerade-map tells clients in ${rule.network} the address ${rule.address}, which is outside their network: unless the router does hairpin NAT they cannot reach it; map each LAN to this machine's address in that LAN`);
    }
  }
  // A loopback --nat-address is a router on this machine (lesson 7's npm run router on
  // 127.0.0.2): it reaches a server on 127.0.0.1, so that setup is right as it is.
  if (nat && natKind !== "loopback" && kindOf(host) === "loopback") {
    warnings.push(`listening on ${host} only: a port forwarder on this machine (npm run router) reaches it, but a real router cannot; behind a real router, listen on the LAN with -i 0.0.0.0`);
  }
  return { note, warnings };
}
