//> final session-start-tls
// AUTH TLS (RFC 4217): the control connection turns into a TLS one in the middle of a session.
//
//   C: AUTH TLS        S: 234 Proceed with negotiation.   (in clear text)
//   (the TLS handshake; from here on every command and reply goes through TLS)

import type { TLSSocket } from "node:tls";
import type { Session } from "../session.ts";
import { secureServerSocket } from "../tls/secure-socket.ts";

/**
 * After the 234 reply (already written in plain text), the handshake; from then on the session
 * reads and writes through the TLS socket. A failed handshake ends the session.
 * `discardClearText`: drops what the client sent behind AUTH TLS (session/guard.ts).
 */
export async function startTls(s: Session, discardClearText: () => void): Promise<void> {
  const identity = s.options.tls!;
  const raw = s.control;
  raw.removeAllListeners("data");
  discardClearText();
  try {
    s.control = await secureServerSocket(raw, identity.context, 30_000);
  } catch (err) {
    s.log("warn", "TLS handshake failed", { error: (err as Error).message });
    raw.destroy();
    throw err;
  }
  s.readFrom(s.control);
  s.tls.control = true;
  s.log("verbose", "TLS on the control connection", { protocol: (s.control as TLSSocket).getProtocol() ?? "?" });
}
//<
