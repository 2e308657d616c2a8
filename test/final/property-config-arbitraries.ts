/**
 * Generators of users files and INI config files for property-config.test.ts (and the
 * known-bugs file): well-formed files with their expected reading, and hostile ones.
 *
 * `knownBugShapes: false` leaves out the line shapes that are known to break the property
 * "every mistake is reported with its line" (see property-config.test.ts); with `true` they
 * are in.
 */
import fc from "fast-check";
import { anyString } from "./property-arbitraries.ts";

const LETTERS = "elradfmwMT";
const perms = fc.subarray([...LETTERS], { minLength: 1 }).map((a) => a.join(""));
const badPerms = fc.constantFrom("elrx", "ELR", "r w", "*", "elr!", "éa");
const ws = fc.constantFrom(" ", "  ", "\t", " \t ");
const lineEnd = fc.constantFrom("\n", "\r\n");
const noNewline = (s: string) => !/[\r\n]/.test(s);

// ---- users file ------------------------------------------------------------------------------

export interface UserRow {
  name: string;
  password: string;
  perms: string;
  home: string;
  line: number;
}

const plainName = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-".split("")), minLength: 1, maxLength: 6 });
const password = fc.string({ unit: fc.constantFrom(..."abcXYZ0189#!$%&*()[]{}<>?;:'\"\\".split("")), minLength: 1, maxLength: 10 });
const home = fc.constantFrom("h1", "h 2", "pub", "./h1", "missing", "/nonexistent/x", "h1/", "ü home", "h 2 ");

function userNames(knownBugShapes: boolean) {
  // "Anonymous" next to "anonymous" is a known bug (a plain Error instead of a ConfigError).
  const fixed = ["anna", "bob", "Anna", "anonymous", "ftp", "FTP", "Ftp", ...(knownBugShapes ? ["Anonymous", "ANONYMOUS", "anonymouS"] : [])];
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...fixed) }, { weight: 1, arbitrary: plainName });
}

function usersLine(knownBugShapes: boolean): fc.Arbitrary<string> {
  const name = userNames(knownBugShapes);
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(ws, name, ws, password, ws, perms, ws, home, ws).map((p) => (p[0] === " " ? "" : p[0]) + p.slice(1).join("")) },
    { weight: 1, arbitrary: fc.tuple(name, ws, password, ws, badPerms, ws, home).map((p) => p.join("")) },
    { weight: 1, arbitrary: fc.tuple(name, ws, password, ws, perms).map((p) => p.join("")) },
    { weight: 1, arbitrary: fc.tuple(name).map((p) => p.join("")) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom("", " ", "\t"), fc.constantFrom("#", "# anna x elr /", "#anonymous - elr .")).map((p) => p.join("")) },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "\t", "\uFEFF", "\u00a0") },
    { weight: 2, arbitrary: anyString.filter(noNewline) },
  );
}

export function usersText(opts: { knownBugShapes: boolean }): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fc.tuple(usersLine(opts.knownBugShapes), lineEnd), { maxLength: 8 }), fc.boolean(), fc.boolean())
    .map(([lines, bom, finalEnd]) => {
      let text = lines.map(([l, e]) => l + e).join("");
      if (!finalEnd && text.endsWith("\n")) text = text.replace(/\r?\n$/, "");
      return (bom ? "\uFEFF" : "") + text;
    });
}

/** A users file in which every user line is valid and names are unique: its text and the users it holds. */
export const validUsers: fc.Arbitrary<{ text: string; rows: UserRow[] }> = fc
  .tuple(
    fc.uniqueArray(fc.oneof(plainName, fc.constantFrom("anonymous", "ftp")), {
      maxLength: 6,
      selector: (n) => (n.toLowerCase() === "ftp" || n === "anonymous" ? "anonymous" : n),
    }),
    fc.array(fc.tuple(ws, ws, ws, fc.constantFrom("", "# comment", "   ", "#x y z"), lineEnd, password, perms, fc.constantFrom("h1", "h 2", "/srv/ftp/a b", "pub/x", "ü home")), { maxLength: 6 }),
  )
  .map(([names, decor]) => {
    const rows: UserRow[] = [];
    let text = "";
    let line = 1;
    names.forEach((name, i) => {
      const [s1, s2, s3, extra, end, pw, pm, hm] = decor[i % Math.max(1, decor.length)] ?? [" ", " ", " ", "", "\n", "pw", "elr", "h1"];
      if (extra !== "" && i % 2 === 0) {
        text += extra + end;
        line++;
      }
      text += `${name}${s1}${pw}${s2}${pm}${s3}${hm}${end}`;
      rows.push({ name, password: pw, perms: pm, home: hm, line });
      line++;
    });
    return { text, rows };
  });

// ---- INI config -------------------------------------------------------------------------------

const SETTING_VALUES: Record<string, fc.Arbitrary<string>> = {
  "server.listen": fc.constantFrom("127.0.0.1", "0.0.0.0", "::", "::1"),
  "server.port": fc.integer({ min: 0, max: 65535 }).map(String),
  "server.banner": fc.constantFrom("Welcome", "ftp-lab ready.", "Hello, world!", "a b c"),
  "server.login_message": fc.constantFrom("Hi", "Logged in."),
  "server.quit_message": fc.constantFrom("Bye", "See you."),
  "server.max_connections": fc.integer({ min: 0, max: 1000 }).map(String),
  "server.max_connections_per_ip": fc.integer({ min: 0, max: 1000 }).map(String),
  "passive.ports": fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 100 })).filter(([a, n]) => a + n <= 65535).map(([a, n]) => `${a}-${a + n}`),
  "passive.masquerade_address": fc.constantFrom("203.0.113.7", "198.51.100.1"),
  "passive.masquerade_map": fc.constantFrom("192.168.0.0/16=192.168.1.10", "10.0.0.0/8=10.0.0.2, 192.168.0.0/16=192.168.1.10"),
  "users.anonymous": fc.constantFrom("yes", "no", "on", "off", "1", "0", "true", "false"),
  "users.anonymous_folder": fc.constantFrom("pub", "/srv/ftp", "./a b"),
  "users.anonymous_permissions": perms,
  "users.users_file": fc.constantFrom("users.txt", "/etc/ftp/users"),
  "limits.read_limit": fc.constantFrom("0", "300K", "2M", "1024", "1.5M"),
  "limits.write_limit": fc.constantFrom("0", "300K", "2M"),
  "limits.idle_timeout": fc.constantFrom("0", "30", "0.5", "300"),
  "limits.data_timeout": fc.constantFrom("0", "30", "300"),
  "limits.passive_timeout": fc.constantFrom("0", "5", "30"),
  "limits.auth_failed_delay": fc.constantFrom("0", "2", "0.25"),
  "limits.max_login_attempts": fc.integer({ min: 1, max: 1000 }).map(String),
  "limits.ban_after": fc.integer({ min: 0, max: 100 }).map(String),
  "limits.ban_seconds": fc.constantFrom("60", "600"),
  "security.permit_foreign_addresses": fc.constantFrom("true", "false", "no"),
  "security.permit_privileged_ports": fc.constantFrom("true", "false"),
  "logging.enabled": fc.constantFrom("true", "false"),
  "logging.console": fc.constantFrom("true", "false"),
  "logging.file": fc.constantFrom("ftpd.log", "/var/log/ftpd.log"),
  "logging.level": fc.constantFrom("error", "warn", "info", "verbose", "debug"),
};
const SECTIONS = [...new Set(Object.keys(SETTING_VALUES).map((n) => n.split(".")[0]!))];
const KEYS = Object.keys(SETTING_VALUES).map((n) => n.split(".")[1]!);

const keyName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.constantFrom("prot", "listne", "bannr", "max connections", "Port", "x", "ports", "level2", "_", "port.x", "a-b") },
);
const valueText = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(...Object.values(SETTING_VALUES)) },
  { weight: 1, arbitrary: fc.constantFrom("", "-1", "99999999", "abc", "null", "[1]", '"quoted"', "'single'", "1e3", "300X", "10-1", "1.2.3.4", "é") },
  { weight: 1, arbitrary: anyString.filter(noNewline) },
);
const sep = fc.constantFrom(" = ", "=", "\t=\t", " =", "= ");

function iniLine(knownBugShapes: boolean): fc.Arbitrary<string> {
  const wellFormed = [
    { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...SECTIONS), fc.constantFrom("serevr", "limit", "", "Server", "users ", " passive")).map((s) => `[${s}]`) },
    { weight: 6, arbitrary: fc.tuple(keyName, sep, valueText).map((p) => p.join("")) },
    { weight: 1, arbitrary: fc.tuple(keyName, fc.constantFrom("[] = 1", "[]=x")).map((p) => p.join("")) },
    { weight: 1, arbitrary: fc.constantFrom("", "   ", "; comment", "# comment", "  ; indented = comment", "#[server]") },
  ];
  const odd = [
    // Known to give a ConfigError without a line (or to be read differently by the line counter and by ini):
    { weight: 1, arbitrary: fc.constantFrom("[server] ; comment", "[server.x]", "[a.b]", "port", "console", '"prot" = 1', '"port" = 2121', "po;rt = 1", "po#rt = 1", "ba\\nner = x", "\uFEFF[server]") },
    { weight: 2, arbitrary: anyString.filter(noNewline) },
  ];
  return fc.oneof(...wellFormed, ...(knownBugShapes ? odd : []));
}

export function iniText(opts: { knownBugShapes: boolean }): fc.Arbitrary<string> {
  const end = opts.knownBugShapes ? fc.constantFrom("\n", "\r\n", "\r") : lineEnd;
  return fc
    .tuple(fc.array(fc.tuple(iniLine(opts.knownBugShapes), end), { maxLength: 10 }), fc.boolean())
    .map(([lines, bom]) => (opts.knownBugShapes && bom ? "\uFEFF" : "") + lines.map(([l, e]) => l + e).join(""))
    .map((t) => (opts.knownBugShapes ? t : t.replace(/\r(?!\n)/g, " ")));
}

/** A valid config: each chosen setting once, in its section, with a valid value; and where each one is. */
export const validIni: fc.Arbitrary<{ text: string; entries: Array<{ name: string; value: string; line: number }> }> = fc
  .tuple(
    fc.subarray(Object.keys(SETTING_VALUES), { maxLength: 12 }),
    fc.infiniteStream(fc.tuple(sep, fc.constantFrom("", "; note", "# note"), lineEnd)),
    fc.record(Object.fromEntries(Object.entries(SETTING_VALUES))),
  )
  .map(([names, decor, values]) => {
    const entries: Array<{ name: string; value: string; line: number }> = [];
    let text = "";
    let line = 1;
    const it = decor[Symbol.iterator]();
    for (const section of SECTIONS) {
      const here = names.filter((n) => n.startsWith(`${section}.`));
      if (!here.length) continue;
      text += `[${section}]\n`;
      line++;
      for (const name of here) {
        const [s, comment, end] = it.next().value as [string, string, string];
        if (comment) {
          text += comment + end;
          line++;
        }
        const value = values[name]!;
        text += `${name.split(".")[1]}${s}${value}${end}`;
        entries.push({ name, value, line });
        line++;
      }
    }
    return { text, entries };
  });
