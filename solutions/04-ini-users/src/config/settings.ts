// Every setting the server has, in one table: its section and key in ftpd.ini, the
// command-line flag that overrides it, its default, the schema that checks it, and one line
// of documentation (used by --print-config and the sample ftpd.ini).

import type { z } from "zod";
import * as v from "./values.ts";

export interface SettingDef {
  section: string;
  key: string;
  schema: z.ZodTypeAny;
  /** Default as the operator would write it; undefined means "not set". */
  default?: string;
  /** The command-line flag that sets it (commander's option name is derived from it). */
  flag?: string;
  /** A path, resolved against the config file's folder. */
  path?: boolean;
  doc: string;
}

const TABLE = [
  { section: "server", key: "listen", schema: v.ipValue, default: "127.0.0.1", flag: "--interface", doc: "address to listen on; 0.0.0.0 or :: for every interface" },
  { section: "server", key: "port", schema: v.intValue(0, 65535), default: "2121", flag: "--port", doc: "control port (21 needs root; 0 takes a free port)" },
  { section: "server", key: "banner", schema: v.stringValue, default: "ftp-lab FTP server ready.", flag: "--banner", doc: "greeting in the 220 reply" },
  { section: "server", key: "login_message", schema: v.stringValue, default: "Login successful.", doc: "text of the 230 reply after a good login" },
  { section: "server", key: "quit_message", schema: v.stringValue, default: "Goodbye.", doc: "text of the 221 reply to QUIT" },
  { section: "server", key: "max_connections", schema: v.intValue(0, 1_000_000), default: "512", flag: "--max-cons", doc: "sessions at once (0: no limit); more get 421" },
  { section: "server", key: "max_connections_per_ip", schema: v.intValue(0, 1_000_000), default: "32", flag: "--max-cons-per-ip", doc: "sessions at once from one address (0: no limit); more get 421" },

  { section: "passive", key: "ports", schema: v.portRangeValue, flag: "--range", doc: "passive port range FROM-TO, e.g. 60000-60100 (forward it on your router)" },
  { section: "passive", key: "masquerade_address", schema: v.ipv4Value, flag: "--nat-address", doc: "public IPv4 address to announce in 227 replies (behind NAT)" },
  { section: "passive", key: "masquerade_map", schema: v.masqueradeMapValue, flag: "--masquerade-map", doc: "per-network addresses: NETWORK/BITS=ADDRESS, comma-separated (LAN clients get the LAN address)" },

  { section: "users", key: "anonymous", schema: v.boolValue, flag: "--anonymous", doc: "allow anonymous login (default: yes unless users_file or -u is given)" },
  { section: "users", key: "anonymous_folder", schema: v.stringValue, flag: "--directory", path: true, doc: "folder anonymous users (and -u) see as / (default: the current folder)" },
  { section: "users", key: "anonymous_permissions", schema: v.permsValue, default: "elr", doc: "permission letters for anonymous (elr: read-only; -w gives elradfmwMT)" },
  { section: "users", key: "users_file", schema: v.stringValue, flag: "--users", path: true, doc: "users file: `name password perms home` per line" },

  { section: "limits", key: "read_limit", schema: v.rateValue, default: "0", flag: "--read-limit", doc: "upload speed per session, bytes/s (300K, 1M; 0: no limit)" },
  { section: "limits", key: "write_limit", schema: v.rateValue, default: "0", flag: "--write-limit", doc: "download speed per session, bytes/s (300K, 1M; 0: no limit)" },
  { section: "limits", key: "idle_timeout", schema: v.secondsValue, default: "300", flag: "--timeout", doc: "seconds a session may sit idle, not counting transfers (0: no limit)" },
  { section: "limits", key: "data_timeout", schema: v.secondsValue, default: "300", doc: "seconds a transfer may stall before it is cut with 421 (0: no limit)" },
  { section: "limits", key: "passive_timeout", schema: v.secondsValue, default: "30", doc: "seconds to wait for the client to connect after PASV/EPSV (0: no limit)" },
  { section: "limits", key: "auth_failed_delay", schema: v.secondsValue, default: "2", flag: "--auth-failed-delay", doc: "seconds before answering a wrong password" },
  { section: "limits", key: "max_login_attempts", schema: v.intValue(1, 1000), default: "3", flag: "--max-login-attempts", doc: "wrong passwords before the connection is closed" },
  { section: "limits", key: "ban_after", schema: v.intValue(0, 1_000_000), default: "10", flag: "--ban-after", doc: "failed logins from one address (across connections, each within ban_seconds of the last) before it is banned, its open connections too (0: never)" },
  { section: "limits", key: "ban_seconds", schema: v.secondsValue, default: "600", flag: "--ban-seconds", doc: "how long a ban lasts" },

  { section: "security", key: "permit_foreign_addresses", schema: v.boolValue, default: "false", flag: "--permit-foreign-addresses", doc: "allow data connections with other addresses than the client's (FXP; unsafe)" },
  { section: "security", key: "permit_privileged_ports", schema: v.boolValue, default: "false", flag: "--permit-privileged-ports", doc: "allow PORT/EPRT to ports below 1024 (unsafe)" },

  { section: "logging", key: "enabled", schema: v.boolValue, default: "true", doc: "log at all" },
  { section: "logging", key: "console", schema: v.boolValue, default: "true", doc: "log to the console (stderr), human-readable" },
  { section: "logging", key: "file", schema: v.stringValue, flag: "--log-file", path: true, doc: "also log to this file, one JSON object per line" },
  { section: "logging", key: "level", schema: v.levelValue, default: "info", doc: "error, warn, info (sessions, logins, transfers), verbose (every command), debug (replies too); -V and -D set it" },
] as const satisfies readonly SettingDef[];

export const SETTINGS: readonly SettingDef[] = TABLE;

type Row = (typeof TABLE)[number];
type NameOf<D> = D extends { readonly section: infer S extends string; readonly key: infer K extends string } ? `${S}.${K}` : never;

/** "server.port", "passive.masquerade_map", ...: every setting's name, as --print-config shows it. */
export type SettingName = NameOf<Row>;

/**
 * Each setting's value, typed by its row: what its schema gives, or undefined too when it has
 * no default ("not set"). The one place the types come from, as the defaults do:
 *
 *   values["server.port"]            number
 *   values["passive.ports"]          { from: number; to: number } | undefined
 */
export type SettingValues = {
  readonly [D in Row as NameOf<D>]: z.output<D["schema"]> | (D extends { readonly default: string } ? never : undefined);
};

export function settingName(def: SettingDef): string {
  return `${def.section}.${def.key}`;
}

export const SECTIONS = [...new Set(SETTINGS.map((d) => d.section))];
