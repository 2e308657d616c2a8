// Who may log in, with which password, to which home folder, with which permissions.
// The server only talks to the Authorizer interface, so other user stores (a users file,
// a database, the system's accounts) plug in without touching the protocol code.

import { Permissions } from "./permissions.ts";

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



/** Users kept in memory: from the command line or from a users file. */
export class VirtualUsers implements Authorizer {
  private readonly users = new Map<string, { account: Account }>();
  private anonymous: Account | null = null;

  /**
   *   addUser("anna", "s3cret", "/srv/ftp/anna", "elradfmwMT")
   *   authenticate("anna", "s3cret")  ->  { name: "anna", home: "/srv/ftp/anna", ... }
   *   authenticate("anna", "wrong")   ->  null
   */
  addUser(name: string, password: string, home: string, perms: string): void {
    // Lesson 0: anyone gets in (see authenticate), so no user is stored yet.
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
    // Lesson 0: every name gets in, with any password, to the served folder.
    return this.anonymous;
  }
}
