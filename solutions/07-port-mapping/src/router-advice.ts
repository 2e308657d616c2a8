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

import ipaddr from "ipaddr.js";

export interface RouterSetup {
  /** The address and port the control connection listens on. */
  host: string;
  port: number;
  passiveRange?: { from: number; to: number };
  masqueradeAddress?: string;
  masqueradeMap: readonly unknown[];
}

export interface RouterAdvice {
  /** For stdout: what to forward on the router. Empty when no router setting is given. */
  note: string | null;
  /** For stderr: likely mistakes. */
  warnings: string[];
}

export function routerAdvice(setup: RouterSetup): RouterAdvice {
  const warnings: string[] = [];
  const { host, port, passiveRange: range, masqueradeAddress: nat } = setup;
  if (!nat && !range && setup.masqueradeMap.length === 0) return { note: null, warnings };

  const ports = range ? `ports ${range.from}-${range.to}` : "the passive ports (set --range to know which)";
  const announce = nat
    ? `PASV replies announce ${nat}`
    : "PASV replies announce the address each client connected to (set --nat-address for clients outside)";
  const note = `Behind a router: forward TCP port ${port} and ${ports} to this machine; ${announce} (EPSV replies carry no address).`;

  if (nat && !range) {
    warnings.push("--nat-address is set but passive ports are random (no --range): a router cannot forward them; give --range FROM-TO and forward that range too");
  }
  if (nat && ipaddr.isValid(nat) && ipaddr.parse(nat).range() === "private") {
    warnings.push(`--nat-address ${nat} is a private address: clients on the internet need your router's public address`);
  }
  // A loopback --nat-address is a router on this machine (lesson 7's npm run router on
  // 127.0.0.2): it reaches a server on 127.0.0.1, so that setup is right as it is.
  const natOnThisMachine = nat !== undefined && ipaddr.isValid(nat) && ipaddr.parse(nat).range() === "loopback";
  if (nat && !natOnThisMachine && ipaddr.isValid(host) && ipaddr.parse(host).range() === "loopback") {
    warnings.push(`listening on ${host} only: a port forwarder on this machine (npm run router) reaches it, but a real router cannot; behind a real router, listen on the LAN with -i 0.0.0.0`);
  }
  return { note, warnings };
}
