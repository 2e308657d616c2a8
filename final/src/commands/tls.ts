//> final tls-commands
// Explicit FTPS (RFC 4217): the client asks for TLS on the control connection, then for
// protected data connections.
//
//   C: AUTH TLS      S: 234 AUTH TLS successful; start the TLS handshake.
//   (TLS handshake; everything after this is encrypted)
//   C: PBSZ 0        S: 200 PBSZ=0
//   C: PROT P        S: 200 Data connections will be protected.
//   C: CCC           S: 534 Clearing the command channel is not allowed.
//
// Only TLS 1.2 and newer are spoken (tls/context.ts). CCC (back to plain text) is refused: a
// session that was protected stays protected.

import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./spec.ts";

function requireTls(s: Session): void {
  if (!s.options.tls) throw new FtpError(502, "TLS is not available on this server (it was started without --tls).");
}

export const tlsCommands: CommandSpec[] = [
  {
    name: "AUTH",
    arg: "required",
    auth: false,
    help: "Syntax: AUTH TLS (encrypt the control connection, RFC 4217).",
    feat: (s) => (s.options.tls ? "AUTH TLS" : ""),
    async handler(s, arg) {
      requireTls(s);
      const mechanism = arg.trim().toUpperCase();
      // "TLS-C" and "SSL" are older names clients still send for the same thing.
      if (!["TLS", "TLS-C", "SSL"].includes(mechanism)) throw new FtpError(504, `AUTH ${mechanism.slice(0, 20)} is not supported; use AUTH TLS.`);
      if (s.tls.control) throw new FtpError(503, "The control connection is already protected.");
      if (s.account) throw new FtpError(503, "AUTH TLS must come before logging in.");
      s.reply(234, "AUTH TLS successful; start the TLS handshake.");
      await s.startTls();
    },
  },
  {
    name: "PBSZ",
    arg: "required",
    auth: false,
    help: "Syntax: PBSZ 0 (protection buffer size; always 0 with TLS).",
    feat: (s) => (s.options.tls ? "PBSZ" : ""),
    handler(s, arg) {
      requireTls(s);
      if (!s.tls.control) throw new FtpError(503, "PBSZ needs a protected control connection: send AUTH TLS first.");
      if (!/^\d+$/.test(arg.trim())) throw new FtpError(501, "Syntax: PBSZ 0");
      s.tls.pbsz = true;
      s.reply(200, "PBSZ=0");
    },
  },
  {
    name: "PROT",
    arg: "required",
    auth: false,
    help: "Syntax: PROT P|C (protect data connections, or not).",
    feat: (s) => (s.options.tls ? "PROT" : ""),
    handler(s, arg) {
      requireTls(s);
      if (!s.tls.pbsz) throw new FtpError(503, "Send PBSZ 0 first.");
      const level = arg.trim().toUpperCase();
      if (level === "P") {
        s.tls.protP = true;
        return s.reply(200, "Data connections will be protected.");
      }
      if (level === "C") {
        if (s.options.tlsDataRequired) throw new FtpError(534, "This server requires protected data connections (PROT P).");
        s.tls.protP = false;
        return s.reply(200, "Data connections will be in clear text.");
      }
      if (level === "S" || level === "E") throw new FtpError(536, `PROT ${level} is not supported; use P or C.`);
      throw new FtpError(504, "Syntax: PROT P|C");
    },
  },
  {
    name: "CCC",
    arg: "none",
    auth: true,
    help: "Syntax: CCC (clear command channel: refused here).",
    handler() {
      throw new FtpError(534, "Clearing the command channel is not allowed.");
    },
  },
];
//<
