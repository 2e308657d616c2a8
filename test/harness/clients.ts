/**
 * Running a real FTP client (basic-ftp) against a server under test.
 *
 * A real client catches what a raw socket test doesn't: the little conventions clients rely on
 * (FEAT, TYPE I, EPSV/PASV choice, listing formats). When it fails, its own error is often terse
 * ("Timeout (control socket)"), so we capture its protocol log quietly and attach it to the error.
 */
import { Client } from "basic-ftp";

export interface FtpAddress {
  host: string;
  port: number;
}

export interface FtpLogin {
  /** Default "anonymous". */
  user?: string;
  /** Default "anonymous@". */
  password?: string;
}

export interface BasicFtpOptions {
  /** basic-ftp's timeout for each step. Default 10 s. */
  timeoutMs?: number;
  /** Explicit FTPS (AUTH TLS) when true. */
  secure?: boolean;
  /** TLS options, e.g. { rejectUnauthorized: false } for a self-signed test certificate. */
  secureOptions?: import("node:tls").ConnectionOptions;
}

const LOG_TAIL = 40;

/**
 * Connect, log in, run `fn`, and always close. On failure, the error's message gets the last
 * lines of basic-ftp's log ("> USER x", "< 331 ...") appended; its class and `code` are kept.
 */
export async function withBasicFtp<T>(
  server: FtpAddress,
  login: FtpLogin,
  fn: (client: Client, log: () => string) => Promise<T>,
  opts: BasicFtpOptions = {},
): Promise<T> {
  const client = new Client(opts.timeoutMs ?? 10_000);
  const lines: string[] = [];
  client.ftp.verbose = false;
  // basic-ftp routes all its debug output through ftp.log(), which prints only when verbose.
  // Replacing it on this instance captures everything without printing anything.
  client.ftp.log = (message: string) => {
    lines.push(message);
  };
  const log = () => lines.join("\n");
  try {
    await client.access({
      host: server.host,
      port: server.port,
      user: login.user ?? "anonymous",
      password: login.password ?? "anonymous@",
      ...(opts.secure ? { secure: true } : {}),
      ...(opts.secureOptions ? { secureOptions: opts.secureOptions } : {}),
    });
    return await fn(client, log);
  } catch (err) {
    const tail = lines.slice(-LOG_TAIL).join("\n").trimEnd();
    const footer = `\n--- basic-ftp log (last ${Math.min(lines.length, LOG_TAIL)} of ${lines.length} entries) ---\n${tail || "(empty)"}`;
    if (err instanceof Error) {
      err.message += footer;
      throw err;
    }
    throw new Error(String(err) + footer);
  } finally {
    client.close();
  }
}
