// Everything a running server needs to know, in two parts:
//
// - ServerSettings: plain values (numbers, text, flags), each taken from a row of the settings
//   table (config/settings.ts), which also gives its type and its default. The kit makes
//   them from the command line (cli.ts): `options.server.port`, `options.server.banner` ...
// - ServerServices: the objects built once at startup from them (the authorizer, the logger,
//   the file-name codec; quotas, the TLS certificate and address rules in the final server).
//
//   const server = new FtpServer(parseCommandLine(["-p", "0", "-d", "/srv/ftp"]));

import type { SettingName, SettingValues } from "./config/settings.ts";

/** The type of a setting's value, as the settings table gives it. */
type Value<N extends SettingName> = SettingValues[N];

export interface ServerSettings {
  host: Value<"server.listen">;
  port: Value<"server.port">;
  /** First line of the 220 greeting. */
  banner: string;
  /** Text of the 230 reply and of the 221 reply. */
  loginMessage: string;
  quitMessage: string;
  /** Sessions at once, in all and from one address (0: no limit). */
  maxConnections: Value<"server.max_connections">;
  maxConnectionsPerIp: Value<"server.max_connections_per_ip">;
  /** Per-network masquerade: clients inside a network are told its address (the kit: the text as typed; lesson 3 parses it). */
  masqueradeMap?: Value<"passive.masquerade_map">;
  /** Bytes per second per session: uploads (read from the client), downloads (written). 0: none. */
  readLimit: Value<"limits.read_limit">;
  writeLimit: Value<"limits.write_limit">;
  /** Seconds a transfer may make no progress before it is cut. */
  dataTimeoutSec: Value<"limits.data_timeout">;
  /** Failed logins from one address before it is banned (0: never), and for how long. */
  banAfter: Value<"limits.ban_after">;
  banSeconds: Value<"limits.ban_seconds">;
  /** Address to put in the 227 reply instead of our own (behind NAT). */
  masqueradeAddress?: Value<"passive.masquerade_address">;
  passiveRange?: Value<"passive.ports">;
  /** Seconds a control connection may stay idle (no command, no transfer). */
  idleTimeoutSec: Value<"limits.idle_timeout">;
  /** Seconds a passive listener waits for the client to connect. */
  passiveAcceptTimeoutSec: Value<"limits.passive_timeout">;
  /** Wrong passwords before the connection is closed. */
  maxLoginAttempts: Value<"limits.max_login_attempts">;
  /** Delay before answering a wrong password, to slow down guessing. */
  authFailedDelayMs: number;
  permitForeignAddresses: Value<"security.permit_foreign_addresses">;
  permitPrivilegedPorts: Value<"security.permit_privileged_ports">;
  /** Longest command line accepted, in bytes. */
  maxLineLength: number;
}

/** Longest command line accepted, in bytes (no setting changes it). */
const MAX_LINE_LENGTH = 4096;

/** The server's settings from the settings' values: renamed, and a few in other units. */
export function serverSettings(values: SettingValues): ServerSettings {
  return {
    host: values["server.listen"],
    port: values["server.port"],
    banner: values["server.banner"],
    loginMessage: values["server.login_message"],
    quitMessage: values["server.quit_message"],
    maxConnections: values["server.max_connections"],
    maxConnectionsPerIp: values["server.max_connections_per_ip"],
    passiveRange: values["passive.ports"],
    masqueradeAddress: values["passive.masquerade_address"],
    masqueradeMap: values["passive.masquerade_map"],
    readLimit: values["limits.read_limit"],
    writeLimit: values["limits.write_limit"],
    idleTimeoutSec: values["limits.idle_timeout"],
    dataTimeoutSec: values["limits.data_timeout"],
    passiveAcceptTimeoutSec: values["limits.passive_timeout"],
    authFailedDelayMs: Math.round(values["limits.auth_failed_delay"] * 1000),
    maxLoginAttempts: values["limits.max_login_attempts"],
    banAfter: values["limits.ban_after"],
    banSeconds: values["limits.ban_seconds"],
    permitForeignAddresses: values["security.permit_foreign_addresses"],
    permitPrivilegedPorts: values["security.permit_privileged_ports"],
    maxLineLength: MAX_LINE_LENGTH,
  };
}

