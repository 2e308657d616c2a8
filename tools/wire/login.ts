/**
 * Logging in on a control connection: USER (331), PASS (230), and optionally TYPE (200), each
 * checked with an FTP-aware explanation when the server answers otherwise.
 *
 *   const ftp = await login(await FtpSocket.connect(host, port), "anna", "pw", { type: "I" });
 */
import type { FtpSocket } from "./ftp-socket.ts";

export interface LoginOptions {
  /** Send `TYPE <type>` after the login (e.g. "I" for binary transfers). Default: none. */
  type?: "A" | "I";
}

export async function login(ftp: FtpSocket, user = "anonymous", password = "guest@example.com", opts: LoginOptions = {}): Promise<FtpSocket> {
  await ftp.sendExpect(`USER ${user}`, 331, "USER is answered with 331 (send the password)");
  await ftp.sendExpect(`PASS ${password}`, 230, `the login ${user}/${password} is valid for this server`);
  if (opts.type) await ftp.sendExpect(`TYPE ${opts.type}`, 200);
  return ftp;
}
