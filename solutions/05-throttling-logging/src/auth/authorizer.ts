// Who may log in, with which password, to which home folder, with which permissions.
// The server only talks to the Authorizer interface, so other user stores (a users file,
// a database, the system's accounts) plug in without touching the protocol code.

import { Permissions } from "./permissions.ts";
import { createHash, timingSafeEqual } from "node:crypto";
import { checkerFor, isStoredHash, type PasswordCheck } from "./password-hash.ts";

export interface Account {
  name: string;
  /** Absolute path of the folder that is "/" for this user. */
  home: string;
  perms: Permissions;
  anonymous: boolean;
}

export interface Authorizer {
  /** Is this a name that logs in without a real password (anonymous, ftp)? */
  isAnonymousName(name: string): boolean;
  /** The account for these credentials, or null. Must not reveal whether the name exists. */
  authenticate(name: string, password: string): Promise<Account | null>;
}

export const ANONYMOUS_NAMES = ["anonymous", "ftp"];

interface StoredUser {
  account: Account;
  passwordDigest: Buffer;
  /** Set for a stored hash (scrypt, md5) instead of a plain password. */
  check?: PasswordCheck;
}


/**
 * What we keep instead of the password: its SHA-256 digest, so the password itself is not
 * kept in memory for a crash dump or a debugger to show.
 *
 *   digest("s3cret")  ->  <Buffer 2f 05 ...> (32 bytes)
 */
function digest(password: string): Buffer {
  return createHash("sha256").update(password, "utf8").digest();
}


/** Users kept in memory: from the command line or from a users file. */
export class VirtualUsers implements Authorizer {
  private readonly users = new Map<string, StoredUser>();
  private anonymous: Account | null = null;

  /**
   *   addUser("anna", "s3cret", "/srv/ftp/anna", "elradfmwMT")
   *   authenticate("anna", "s3cret")  ->  { name: "anna", home: "/srv/ftp/anna", ... }
   *   authenticate("anna", "wrong")   ->  null
   */
  addUser(name: string, password: string, home: string, perms: string): void {
    if (ANONYMOUS_NAMES.includes(name.toLowerCase())) {
      this.addAnonymous(home, perms);
      return;
    }
    if (this.users.has(name)) throw new Error(`user ${JSON.stringify(name)} is defined twice`);
    // A stored hash (users file, or --user with a hash instead of the password).
    if (isStoredHash(password)) {
      const check = checkerFor(password);
      this.users.set(name, { account: { name, home, perms: new Permissions(perms), anonymous: false }, passwordDigest: Buffer.alloc(32), check });
      return;
    }
    this.users.set(name, {
      account: { name, home, perms: new Permissions(perms), anonymous: false },
      passwordDigest: digest(password),
    });
  }

  addAnonymous(home: string, perms = "elr"): void {
    if (this.anonymous) throw new Error("anonymous is defined twice");
    this.anonymous = { name: "anonymous", home, perms: new Permissions(perms), anonymous: true };
  }

  get hasAnonymous(): boolean {
    return this.anonymous !== null;
  }

  get userNames(): string[] {
    return [...this.users.keys()];
  }

  isAnonymousName(name: string): boolean {
    return this.anonymous !== null && ANONYMOUS_NAMES.includes(name.toLowerCase());
  }

  async authenticate(name: string, password: string): Promise<Account | null> {
    if (this.isAnonymousName(name)) return this.anonymous;
    const user = this.users.get(name);
    // Compare digests in constant time, and do the same work for unknown names.
    const given = digest(password);
    const expected = user?.passwordDigest ?? digest(`\0no such user\0${password}`);
    const same = timingSafeEqual(given, expected);
    // A stored hash: only the password itself passes its check, never the hash.
    if (user?.check) return (await user.check(password)) ? user.account : null;
    return user && same ? user.account : null;
  }
}
