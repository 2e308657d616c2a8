//> 0 login-commands
// Logging in and out.
//
//   C: USER anna            S: 331 Password required for anna.
//   C: PASS wrong           S: 530 Login incorrect.          (after a delay)
//   C: PASS s3cret          S: 230 Login successful.
//   C: REIN                 S: 220 Session reset; log in again.
//   C: QUIT                 S: 221 Goodbye.
//
// The same 331 is sent for names that do not exist, so a stranger cannot learn which do.

import { Jail } from "../fs/jail.ts";
import { LocalStorage } from "../storage/local.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./spec.ts";
//> final user-storage-import
import { userStorage } from "../storage/user-storage.ts";
//<

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const loginCommands: CommandSpec[] = [
  {
    name: "USER",
    arg: "required",
    auth: false,
    help: "Syntax: USER <name> (set the user name).",
    handler(s, name) {
      if (s.account) throw new FtpError(530, "Already logged in; use REIN to log in as someone else.");
      if (refuseBanned(s)) return;
//> final tls-control-required
      if (s.options.tlsControlRequired && !s.tls.control) throw new FtpError(530, "This server requires TLS: send AUTH TLS first.");
//<
      s.pendingUser = name;
      if (s.options.authorizer.isAnonymousName(name)) {
        s.reply(331, "Anonymous login ok, send your e-mail address as password.");
      } else {
        s.reply(331, `Password required for ${name}.`);
      }
    },
  },
  {
    name: "PASS",
    arg: "optional",
    auth: false,
    help: "Syntax: PASS <password> (send the password).",
    async handler(s, password) {
      if (s.account) throw new FtpError(503, "Already logged in.");
      const name = s.pendingUser;
      if (name === null) throw new FtpError(503, "Send USER first.");
      s.pendingUser = null;
      if (refuseBanned(s)) return;
      const account = await s.options.authorizer.authenticate(name, password);
      // The address may have been banned (by another of its connections) during the check.
      if (s.isClosed || refuseBanned(s)) return;
//> final user-address-check
      // A user outside its allowed networks is refused like a wrong password (no hint).
      const rules = account && !account.anonymous ? s.options.userAddressRules.get(account.name) : undefined;
      if (account && rules && !rules.permits(s.remoteIp)) {
        s.log("warn", "login refused from this address", { user: account.name, remote: s.remoteIp });
        await refuse(s, name);
        return;
      }
//<
      if (account) {
        await logIn(s, account);
        return;
      }
      await refuse(s, name);
    },
  },
  {
    name: "REIN",
    arg: "none",
    auth: false,
    help: "Syntax: REIN (log out and start a new login).",
    handler(s) {
      if (s.account) s.log("info", "logout");
      s.resetState();
      s.reply(220, "Session reset; log in again.");
    },
  },
  {
    name: "QUIT",
    arg: "none",
    auth: false,
    help: "Syntax: QUIT (close the connection).",
    handler(s) {
      s.close(221, s.options.quitMessage);
    },
  },
];

async function logIn(s: Session, account: NonNullable<Session["account"]>): Promise<void> {
  let jail: Jail;
  try {
    jail = await Jail.open(account.home);
//> final login-mounts
    for (const mount of account.mounts ?? []) await jail.mount(mount.vpath, mount.real);
//<
  } catch (err) {
    s.log("error", "home folder not available", { user: account.name, home: account.home, error: String(err) });
    throw new FtpError(530, "Login refused: your home folder is not available.");
  }
  s.account = account;
  s.jail = jail;
//> final user-storage
  s.storage = userStorage(jail, s.options, account); // storage/user-storage.ts: the layers the settings ask for
//<
//> 0-final plain-storage
  //- s.storage = new LocalStorage(jail);
//<
  s.cwd = "/";
  s.failedLogins = 0;
  s.log("info", "login", { user: account.name, anonymous: account.anonymous, perms: account.perms.text });
  s.reply(230, s.options.loginMessage);
}

/** A banned address may not log in, on any connection: 421 and close. True when refused. */
function refuseBanned(s: Session): boolean {
  if (!s.banned) return false;
  s.log("warn", "login refused: the address is banned", { remote: s.remoteIp });
  s.close(421, "Too many failed logins from your address; try again later.");
  return true;
}

/**
 * A wrong password is answered only after a delay, during which we read nothing more from
 * this client, and after too many the connection is closed: guessing becomes slow.
 */
async function refuse(s: Session, name: string): Promise<void> {
  s.failedLogins++;
  s.log("warn", "login failed", { name, attempt: s.failedLogins, remote: s.remoteIp });
  const banned = s.loginFailed();
  s.pauseInput();
  try {
    await sleep(s.options.authFailedDelayMs);
  } finally {
    s.resumeInput();
  }
  if (banned) {
    s.close(530, `Login incorrect. Too many failed logins from your address; try again in ${s.options.banSeconds} seconds.`);
    return;
  }
  if (s.failedLogins >= s.options.maxLoginAttempts) {
    s.log("warn", "too many failed logins; disconnecting", { remote: s.remoteIp });
    s.close(530, "Login incorrect. Too many failed attempts; closing connection.");
    return;
  }
  s.reply(530, "Login incorrect.");
}
//<
