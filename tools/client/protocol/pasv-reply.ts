// Where to connect for a passive data connection: the port (and address) in 227 and 229.
//
//   in:  "227 Entering Passive Mode (127,0,0,1,234,98)."  -> { host: "127.0.0.1", port: 60002 }
//   in:  "229 Entering Extended Passive Mode (|||60003|)"  -> { host: undefined, port: 60003 }
//
// 234 * 256 + 98 = 60002: PASV says the port as two bytes. EPSV (RFC 2428) gives only the
// port; the address is the one the control connection already uses, which is why EPSV works
// through NAT and over IPv6 where PASV's four numbers cannot.

export interface PassiveEndpoint {
  /** Only PASV names an address. */
  host?: string;
  port: number;
}

export function parsePasv(message: string): PassiveEndpoint | null {
  const m = /(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3})/.exec(message);
  if (!m) return null;
  const n = m.slice(1).map(Number);
  if (n.some((x) => x > 255)) return null;
  const port = n[4]! * 256 + n[5]!;
  return port > 0 ? { host: n.slice(0, 4).join("."), port } : null;
}

export function parseEpsv(message: string): PassiveEndpoint | null {
  // "(|||port|)": the delimiter is any printable character the server chose, "|" usually.
  const m = /\((.)\1\1(\d{1,5})\1\)/.exec(message);
  if (!m) return null;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { port } : null;
}
