// The server to talk to, from an ftp:// URL (RFC 1738), with the FTPS flavours.
//
//   parseFtpUrl("ftp://anna@127.0.0.1:2121/docs/")  -> { security: "plain", host: "127.0.0.1", port: 2121, user: "anna", path: "docs" }
//   parseFtpUrl("ftpes://127.0.0.1:2121")            -> { security: "explicit", port: 2121 ... }  AUTH TLS after connecting
//   parseFtpUrl("ftps://[::1]")                      -> { security: "implicit", host: "::1", port: 990 }  TLS from the first byte
//   parseFtpUrl("127.0.0.1:2121")                    -> ftp:// assumed
//
// User and password may be percent-encoded (anna%40home -> anna@home). The path is
// relative to where the login lands (the home folder), as RFC 1738 says.

import { UsageError } from "../protocol/errors.ts";

export interface FtpUrl {
  security: "plain" | "explicit" | "implicit";
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** The folder to start in (undefined: the home folder). */
  path?: string;
}

const SCHEMES: Record<string, { security: FtpUrl["security"]; port: number }> = {
  "ftp:": { security: "plain", port: 21 },
  "ftpes:": { security: "explicit", port: 21 },
  "ftps:": { security: "implicit", port: 990 },
};

export function parseFtpUrl(text: string): FtpUrl {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `ftp://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(text)} (expected ftp://[user@]host[:port]/)`);
  }
  const scheme = SCHEMES[url.protocol.toLowerCase()];
  if (!scheme) throw new UsageError(`unsupported scheme ${url.protocol} (use ftp://, ftpes:// for explicit FTPS or ftps:// for implicit FTPS)`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!host) throw new UsageError(`no host in ${JSON.stringify(text)}`);
  const port = url.port ? Number(url.port) : scheme.port;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new UsageError(`bad percent-encoding in ${JSON.stringify(s)}`);
    }
  };
  const path = decode(url.pathname).replace(/^\/+/, "").replace(/\/+$/, "");
  return {
    security: scheme.security,
    host,
    port,
    ...(url.username ? { user: decode(url.username) } : {}),
    ...(url.password ? { password: decode(url.password) } : {}),
    ...(path ? { path } : {}),
  };
}
