//> final tls-context
// The server's TLS identity for FTPS (RFC 4217): a certificate and key from files, or, for
// local use, a self-signed pair made at startup, with a warning (clients must be told to
// accept it: curl -k, lftp's ssl:verify-certificate no).
//
//   --tls --certfile server.crt --keyfile server.key   an operator's real certificate
//   --tls                                               a fresh self-signed one (warning)

import { readFileSync } from "node:fs";
import { createSecureContext, type SecureContext } from "node:tls";

export interface TlsIdentity {
  context: SecureContext;
  selfSigned: boolean;
}

/** TLS 1.2 is the oldest version we speak: 1.0 and 1.1 are broken and deprecated (RFC 8996). */
const MIN_VERSION = "TLSv1.2";

export async function loadTlsIdentity(certFile?: string, keyFile?: string): Promise<TlsIdentity> {
  if (certFile) {
    const cert = readFileSync(certFile);
    const key = readFileSync(keyFile ?? certFile); // a .pem may hold both
    return { context: createSecureContext({ cert, key, minVersion: MIN_VERSION }), selfSigned: false };
  }
  // Loaded only here: the certificate library costs about 8 MiB of memory, for nothing when
  // the operator brings a certificate or TLS is off.
  const { generate } = await import("selfsigned");
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }, { type: 7, ip: "::1" }] },
    ],
  });
  return { context: createSecureContext({ cert: pems.cert, key: pems.private, minVersion: MIN_VERSION }), selfSigned: true };
}
//<
