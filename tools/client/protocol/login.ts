// Starting a session: greeting, TLS if asked, USER/PASS, then what every transfer relies on.
//
//   S: 220 ftp-lab FTP server ready.
//   C: AUTH TLS        S: 234 AUTH TLS successful     (explicit FTPS only; then the handshake)
//   C: USER anna       S: 331 Password required for anna.
//   C: PASS ******     S: 230 Login successful.
//   C: PBSZ 0          S: 200 PBSZ=0                  (FTPS only: protection buffer size, always 0 for TLS)
//   C: PROT P          S: 200 Data connections will be protected.
//   C: FEAT            S: 211-Features: ... 211 End
//   C: OPTS UTF8 ON    S: 200 UTF8 mode enabled.      (only if FEAT lists UTF8)
//   C: TYPE I          S: 200 Type set to I.          (binary: bytes as they are, and REST allowed)
//   C: PWD             S: 257 "/" is the current folder.
//
// startSession(control, login) -> { greeting, features, cwd, protectedData }; a refused login
// throws LoginError, a server that will not do TLS when asked throws ConnectionError: the
// client never falls back to clear text on its own.

import type { ControlConnection } from "./control-connection.ts";
import { ConnectionError, FtpReplyError, LoginError } from "./errors.ts";
import { Features } from "./features.ts";
import { parseQuotedPath } from "./path-reply.ts";
import type { Reply } from "./reply-parser.ts";

export interface Login {
  user: string;
  password: string;
  /** AUTH TLS before USER (ftpes://, --tls). */
  explicitTls: boolean;
  /** The connection is TLS already (ftps://). */
  implicitTls: boolean;
}

export interface SessionStart {
  greeting: Reply;
  features: Features;
  cwd: string;
  /** PROT P accepted: data connections use TLS. */
  protectedData: boolean;
}

export async function startSession(control: ControlConnection, login: Login): Promise<SessionStart> {
  let greeting = await control.read();
  while (greeting.code === 120) greeting = await control.read(); // "ready in a few minutes"
  if (greeting.code !== 220) throw new ConnectionError(`the server refused the session: ${greeting.code} ${greeting.message}`);

  if (login.explicitTls) {
    const auth = await control.command("AUTH TLS");
    if (auth.code !== 234 && auth.code !== 334) {
      throw new ConnectionError(`the server refused AUTH TLS (${auth.code} ${auth.message}); not sending the password in clear text`);
    }
    await control.startTls();
  }

  let reply = await control.command(`USER ${login.user}`);
  if (reply.code === 331 || reply.code === 332) reply = await control.command(`PASS ${login.password}`);
  if (reply.code !== 230 && reply.code !== 202) {
    throw new LoginError(`login as ${login.user} refused: ${reply.code} ${reply.message.split("\n")[0]}`);
  }

  let protectedData = false;
  if (login.explicitTls || login.implicitTls) {
    const pbsz = await control.command("PBSZ 0");
    const prot = pbsz.code === 200 ? await control.command("PROT P") : pbsz;
    protectedData = prot.code === 200;
    if (!protectedData) control.trace("T", `PROT P refused (${prot.code}): data connections stay in clear text`);
  }

  const features = Features.fromReply(await control.command("FEAT"));
  if (features.has("UTF8")) await control.command("OPTS UTF8 ON");
  const type = await control.command("TYPE I");
  if (type.code !== 200) throw new FtpReplyError(type, "TYPE I");
  const cwd = await printWorkingDirectory(control);
  return { greeting, features, cwd, protectedData };
}

export async function printWorkingDirectory(control: ControlConnection): Promise<string> {
  const reply = await control.command("PWD");
  if (reply.code !== 257) throw new FtpReplyError(reply, "PWD");
  return parseQuotedPath(reply.message) ?? "/";
}
