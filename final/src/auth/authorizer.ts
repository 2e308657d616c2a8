//> 0 authorizer
// Who may log in, with which password, to which home folder, with which permissions.
// The server only talks to the Authorizer interface, so other user stores (a users file,
// a database, the system's accounts) plug in without touching the protocol code.

import { Permissions } from "./permissions.ts";
//> 1 hash-import
import { createHash, timingSafeEqual } from "node:crypto";
import { checkerFor, isStoredHash, type PasswordCheck } from "./password-hash.ts";
//<
//> final decoy-import
import { decoyCheckerFor, scryptCost } from "./password-hash.ts";
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

//> 1 stored-user
interface StoredUser {
  account: Account;
  passwordDigest: Buffer;
  /** Set for a stored hash (scrypt, md5) instead of a plain password. */
  check?: PasswordCheck;
//> final stored-cost
  /** For a scrypt hash: what its check costs (scryptCost). */
  cost?: string;
//<
}

//<

//> 1 digest
/**
 * What we keep instead of the password: its SHA-256 digest, so the password itself is not
 * kept in memory for a crash dump or a debugger to show.
 *
 *   digest("s3cret")  ->  <Buffer 2f 05 ...> (32 bytes)
 */
function digest(password: string): Buffer {
  return createHash("sha256").update(password, "utf8").digest();
}

//<

/** Users kept in memory: from the command line or from a users file. */
export class VirtualUsers implements Authorizer {
//> 0-1 no-users-yet
  //- private readonly users = new Map<string, { account: Account }>();
//<
//> 1 users-map
  private readonly users = new Map<string, StoredUser>();
//<
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
//> 0-1 no-named-users
    // Lesson 0: anyone gets in (see authenticate), so no user is stored yet.
//<
//> 1 add-user
    if (ANONYMOUS_NAMES.includes(name.toLowerCase())) {
      this.addAnonymous(home, perms);
      return;
    }
    if (this.users.has(name)) throw new Error(`user ${JSON.stringify(name)} is defined twice`);
    // A stored hash (users file, or --user with a hash instead of the password).
    if (isStoredHash(password)) {
      const check = checkerFor(password);
//> final add-cost
      const cost = scryptCost(password) ?? undefined;
      this.users.set(name, { account: { name, home, perms: new Permissions(perms), anonymous: false }, passwordDigest: Buffer.alloc(32), check, ...(cost ? { cost } : {}) });
      // Every check then pays for this cost too (see checkEqually), so timing tells no names apart.
      if (cost && !this.decoys.has(cost)) this.decoys.set(cost, decoyCheckerFor(password));
      return;
//<
//> 1-final add-hashed
      //- this.users.set(name, { account: { name, home, perms: new Permissions(perms), anonymous: false }, passwordDigest: Buffer.alloc(32), check });
      //- return;
//<
    }
    this.users.set(name, {
      account: { name, home, perms: new Permissions(perms), anonymous: false },
      passwordDigest: digest(password),
    });
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
//> 0-1 anyone
    // Lesson 0: every name gets in, with any password, to the served folder.
    //- return this.anonymous;
//<
//> 1 check-password
    if (this.isAnonymousName(name)) return this.anonymous;
    const user = this.users.get(name);
    // Compare digests in constant time, and do the same work for unknown names.
    const given = digest(password);
    const expected = user?.passwordDigest ?? digest(`\0no such user\0${password}`);
    const same = timingSafeEqual(given, expected);
//> final hashed-check
    if (this.decoys.size > 0) return (await this.checkEqually(user, password, same)) ? user!.account : null;
//<
    // A stored hash: only the password itself passes its check, never the hash.
    if (user?.check) return (await user.check(password)) ? user.account : null;
    return user && same ? user.account : null;
//<
  }
}
//<
