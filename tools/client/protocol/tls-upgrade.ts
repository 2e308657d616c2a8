// TLS on the client's side (RFC 4217): wrapping a TCP connection that is already open.
//
//   control, explicit:  C: AUTH TLS  S: 234 ...  then secureSocket(control socket)  -> TLSSocket
//   control, implicit:  connectImplicit("127.0.0.1", 990)  -> TLSSocket before the 220 greeting
//   data, after PROT P: secureSocket(data socket, { session: control.getSession() })
//
//   describeTls(socket) -> "TLSv1.3, TLS_AES_256_GCM_SHA384, certificate CN=localhost (not verified: --insecure)"
//
// The client is always the TLS client, on data connections too, even in active mode where
// the server dialled us. Offering the control connection's session on data connections lets
// servers that insist on "session reuse" (vsftpd, FileZilla Server) check it is the same client.

import net from "node:net";
import tls, { type TLSSocket } from "node:tls";

export interface TlsSettings {
  /** Accept a certificate that does not verify (self-signed, wrong name). */
  insecure: boolean;
  /** The host name to check the certificate against (not sent for IP addresses). */
  host: string;
  timeoutMs: number;
}

function options(settings: TlsSettings, session?: Buffer): tls.ConnectionOptions {
  return {
    rejectUnauthorized: !settings.insecure,
    minVersion: "TLSv1.2",
    ...(net.isIP(settings.host) ? {} : { servername: settings.host }),
    // checkServerIdentity uses this name, also for IP addresses (their SANs).
    host: settings.host,
    ...(session ? { session } : {}),
  };
}

/** Turn a certificate failure into advice: the common case is a self-signed test server. */
export function tlsFailure(err: Error): Error {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  if (/CERT|SELF_SIGNED|ISSUER|HOSTNAME|ERR_TLS_CERT_ALTNAME/i.test(code)) {
    return new Error(`the server's certificate is not trusted (${err.message}); if you know this server, --insecure accepts it anyway`);
  }
  return err;
}

function handshake(socket: TLSSocket, settings: TlsSettings, what: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake on the ${what} within ${settings.timeoutMs / 1000} s`));
    }, settings.timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      socket.off("error", fail);
      resolve(socket);
    });
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(tlsFailure(err));
    };
    socket.once("error", fail);
  });
}

/** Start TLS on an open TCP socket (AUTH TLS, or a data connection after PROT P). */
export function secureSocket(raw: net.Socket, settings: TlsSettings, what: string, session?: Buffer): Promise<TLSSocket> {
  return handshake(tls.connect({ ...options(settings, session), socket: raw }), settings, what);
}

/** Implicit FTPS (ftps://, port 990): TLS from the very first byte. */
export function connectImplicit(port: number, settings: TlsSettings): Promise<TLSSocket> {
  return handshake(tls.connect({ ...options(settings), port }), settings, "control connection");
}

export function describeTls(socket: TLSSocket, settings: TlsSettings): string {
  const cipher = socket.getCipher();
  const cert = socket.getPeerCertificate();
  const subject = cert && typeof cert.subject === "object" && cert.subject ? (cert.subject.CN ?? "") : "";
  const trust = socket.authorized ? "verified" : `not verified: ${socket.authorizationError ?? "unknown"}${settings.insecure ? ", accepted with --insecure" : ""}`;
  return `${socket.getProtocol() ?? "TLS"}, ${cipher?.name ?? "?"}${subject ? `, certificate CN=${subject}` : ""} (${trust})`;
}
