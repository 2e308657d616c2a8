// Everything a running server needs to know, with the defaults a newcomer would expect.

import type { Authorizer } from "./auth/authorizer.ts";
import type { Codec } from "./protocol/codec.ts";
import { utf8 } from "./protocol/codec.ts";
import type { MasqueradeRule } from "./config/values.ts";
import type { Logger } from "./log.ts";
import { silentLogger } from "./log.ts";

export interface ServerOptions {
  host: string;
  port: number;
  authorizer: Authorizer;
  /** First line of the 220 greeting. */
  banner: string;
  /** Text of the 230 reply and of the 221 reply. */
  loginMessage: string;
  quitMessage: string;
  /** Sessions at once, in all and from one address (0: no limit). */
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Per-network masquerade: clients inside a network are told its address. */
  masqueradeMap: MasqueradeRule[];
  /** Bytes per second per session: uploads (read from the client), downloads (written). 0: none. */
  readLimit: number;
  writeLimit: number;
  /** Seconds a transfer may make no progress before it is cut. */
  dataTimeoutSec: number;
  /** Failed logins from one address before it is banned (0: never), and for how long. */
  banAfter: number;
  banSeconds: number;
  /** Address to put in the 227 reply instead of our own (behind NAT). */
  masqueradeAddress?: string;
  passiveRange?: { from: number; to: number };
  /** Seconds a control connection may stay idle (no command, no transfer). */
  idleTimeoutSec: number;
  /** Seconds a passive listener waits for the client to connect. */
  passiveAcceptTimeoutSec: number;
  /** Wrong passwords before the connection is closed. */
  maxLoginAttempts: number;
  /** Delay before answering a wrong password, to slow down guessing. */
  authFailedDelayMs: number;
  permitForeignAddresses: boolean;
  permitPrivilegedPorts: boolean;
  /** Longest command line accepted, in bytes. */
  maxLineLength: number;
  codec: Codec;
  log: Logger;
}

export function withDefaults(partial: Partial<ServerOptions> & Pick<ServerOptions, "authorizer">): ServerOptions {
  return {
    host: "127.0.0.1",
    port: 2121,
    banner: "ftp-lab FTP server ready.",
    loginMessage: "Login successful.",
    quitMessage: "Goodbye.",
    maxConnections: 512,
    maxConnectionsPerIp: 32,
    masqueradeMap: [],
    readLimit: 0,
    writeLimit: 0,
    dataTimeoutSec: 300,
    banAfter: 10,
    banSeconds: 600,
    idleTimeoutSec: 300,
    passiveAcceptTimeoutSec: 30,
    maxLoginAttempts: 3,
    authFailedDelayMs: 2000,
    permitForeignAddresses: false,
    permitPrivilegedPorts: false,
    maxLineLength: 4096,
    codec: utf8,
    log: silentLogger,
    ...partial,
  };
}
