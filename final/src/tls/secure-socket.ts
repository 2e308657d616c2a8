//> final tls-secure-socket
// Turning a plain TCP connection into a TLS one, on the server's side of the handshake:
// the control connection after "AUTH TLS" / "234", and each data connection after PROT P.
// (In FTPS the server is the TLS server on data connections too, whoever dialled.)

import type { Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";

export function secureServerSocket(raw: Socket, context: SecureContext, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = new TLSSocket(raw, { isServer: true, secureContext: context });
    const fail = (err: Error) => {
      clearTimeout(timer);
      tls.destroy();
      reject(err);
    };
    // A client that never finishes the handshake must not hold the connection forever.
    const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${timeoutMs / 1000} s`)), timeoutMs);
    tls.once("error", fail);
    tls.once("secure", () => {
      clearTimeout(timer);
      tls.off("error", fail);
      // Node's TLS servers "release control" of a socket once its handshake is done; before
      // that, a later TLS error (clear-text garbage, a forged record) is swallowed and the
      // connection just hangs: an upload would wait for its data timeout. A socket made with
      // new TLSSocket never gets there unless we do it (an internal of node:tls; without it,
      // the error still shows on our next write).
      (tls as unknown as { _releaseControl?: () => void })._releaseControl?.();
      // Such an error does not close the socket by itself.
      tls.on("error", () => tls.destroy());
      resolve(tls);
    });
  });
}
//<
