// Who may log in, with which password, to which home folder, with which permissions.
// The server only talks to the Authorizer interface, so other user stores (a users file,
// a database, the system's accounts) plug in without touching the protocol code.

import { createHash, timingSafeEqual } from "node:crypto";
import { Permissions } from "./permissions.ts";
//> final hash-import
import { checkerFor, decoyCheckerFor, isStoredHash, scryptCost, type PasswordCheck } from "./password-hash.ts";
//<

export interface Account {
  name: string;
  /** Absolute path of the folder that is "/" for this user. */
  home: string;
  perms: Permissions;
  anonymous: boolean;
//> final account-mounts
  /** Virtual folders: a real folder shown at a virtual path ("/shared" -> "/srv/shared"). */
  mounts?: Array<{ vpath: string; real: string }>;
//<
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
//> final stored-check
  /** Set for a stored hash (scrypt, md5) instead of a plain password. */
  check?: PasswordCheck;
  /** For a scrypt hash: what its check costs (scryptCost). */
  cost?: string;
//<
}

/**
 * What we keep instead of the password: its SHA-256 digest, so the password itself is not
 * kept in memory for a crash dump or a debugger to show.
 *
 *   digest("s3cret")  ->  <Buffer 2f 05 ...> (32 bytes)
 */
function digest(password: string): Buffer {
//> 1 digest
  return createHash("sha256").update(password, "utf8").digest();
//| stub
  // TODO(lesson 1): return the SHA-256 digest of the password (node:crypto's createHash).
  //- return Buffer.from(password, "utf8");
//<
}

/** Users kept in memory: from the command line or from a users file. */
export class VirtualUsers implements Authorizer {
  private readonly users = new Map<string, StoredUser>();
  private anonymous: Account | null = null;
//> final dummy-check
  /** One decoy check per scrypt cost in the store (usually one: npm run hash-password's). */
  private readonly decoys = new Map<string, PasswordCheck>();
//<

  /**
   *   addUser("anna", "s3cret", "/srv/ftp/anna", "elradfmwMT")
   *   authenticate("anna", "s3cret")  ->  { name: "anna", home: "/srv/ftp/anna", ... }
   *   authenticate("anna", "wrong")   ->  null
   */
  addUser(name: string, password: string, home: string, perms: string): void {
//> 1 add-user
    if (ANONYMOUS_NAMES.includes(name.toLowerCase())) {
      this.addAnonymous(home, perms);
      return;
    }
    if (this.users.has(name)) throw new Error(`user ${JSON.stringify(name)} is defined twice`);
//> final add-hashed
    // A stored hash (users file, or --user with a hash instead of the password).
    if (isStoredHash(password)) {
      const check = checkerFor(password);
      const cost = scryptCost(password) ?? undefined;
      this.users.set(name, { account: { name, home, perms: new Permissions(perms), anonymous: false }, passwordDigest: Buffer.alloc(32), check, ...(cost ? { cost } : {}) });
      // Every check then pays for this cost too (see checkEqually), so timing tells no names apart.
      if (cost && !this.decoys.has(cost)) this.decoys.set(cost, decoyCheckerFor(password));
      return;
    }
//<
    this.users.set(name, {
      account: { name, home, perms: new Permissions(perms), anonymous: false },
      passwordDigest: digest(password),
    });
//| stub
    // TODO(lesson 1): remember the user in this.users: its Account (home, new Permissions(perms),
    // anonymous: false) and the digest of its password, never the password itself. A name
    // defined twice is an error; "anonymous" and "ftp" mean addAnonymous.
//<
  }

  addAnonymous(home: string, perms = "elr"): void {
    if (this.anonymous) throw new Error("anonymous is defined twice");
    this.anonymous = { name: "anonymous", home, perms: new Permissions(perms), anonymous: true };
  }

//> final check-equally
  /**
   * With scrypt hashes in the store, every check makes the same scrypt computations: one per
   * scrypt cost present (one, when every hash came from `npm run hash-password`), the user's
   * own hash for its cost and a decoy for the others. A plain or md5 password, or a name that
   * does not exist, runs the decoys only (plus its digest compare or md5, microseconds). So a
   * wrong password costs the same whoever the name belongs to, whatever form its password has.
   */
  private async checkEqually(user: StoredUser | undefined, password: string, sameDigest: boolean): Promise<boolean> {
    const runs = [...this.decoys].map(([cost, decoy]) => (user?.cost === cost ? user.check! : decoy)(password));
    const scrypted = await Promise.all(runs);
    if (!user) return false;
    if (user.cost !== undefined) return scrypted.some(Boolean);
    if (user.check) return user.check(password);
    return sameDigest;
  }

//<
//> final accounts-named
  /** The accounts a folder rule names: one user, "anonymous", or "*" for all of them. */
  accountsNamed(name: string): Account[] {
    if (name === "*") return [...[...this.users.values()].map((u) => u.account), ...(this.anonymous ? [this.anonymous] : [])];
    if (ANONYMOUS_NAMES.includes(name.toLowerCase())) return this.anonymous ? [this.anonymous] : [];
    const user = this.users.get(name);
    return user ? [user.account] : [];
  }

//<
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
//> 0-1 anonymous-only
    //- return null;
//<
//> 1 check-password
    const user = this.users.get(name);
    // Compare digests in constant time, and do the same work for unknown names.
    const given = digest(password);
    const expected = user?.passwordDigest ?? digest(`\0no such user\0${password}`);
    const same = timingSafeEqual(given, expected);
//> final hashed-check
    if (this.decoys.size > 0) return (await this.checkEqually(user, password, same)) ? user!.account : null;
    if (user?.check) return (await user.check(password)) ? user.account : null;
//<
    return user && same ? user.account : null;
//| stub
    // TODO(lesson 1): look the user up and compare the digest of `password` with the stored
    // one in constant time (timingSafeEqual), doing the same work for an unknown name, so
    // that neither the reply nor its timing tells a guesser which names exist.
//<
  }
}
