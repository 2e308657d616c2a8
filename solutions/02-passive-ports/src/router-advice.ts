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
  masqueradeMap: readonly { network: string; address: string }[];
}

export interface RouterAdvice {
  /** For stdout: what to forward on the router. Empty when no router setting is given. */
  note: string | null;
  /** For stderr: likely mistakes. */
  warnings: string[];
}

export function routerAdvice(setup: RouterSetup): RouterAdvice {
  const warnings: string[] = [];
  return { note: null, warnings };
}
