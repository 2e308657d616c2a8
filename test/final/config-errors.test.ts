/**
 * Bad configurations are refused before the server starts: exit code 2, no LISTENING line
 * (never half-configured), and exactly one line on stderr that names the file and line to fix,
 * says what is wrong and how to fix it:
 *
 *   ftpd: error: /tmp/x/ftpd.ini:3: unknown key "prot" in [server] (fix: did you mean "port"?)
 *
 * Each case writes its files to a fresh temp folder and runs the server to completion.
 */
import { afterAll, describe, it } from "vitest";
import { makeTempRoot, type TempRoot } from "../harness/index.ts";
import { expectConfigError, lineOf, runCli } from "./config-helpers.ts";

interface Case {
  name: string;
  /** The config file (ftpd.ini). */
  ini: string;
  /** Other files next to it (users files, home folders: null = folder). */
  files?: Record<string, string | null>;
  /** Arguments; default ["--config", <ftpd.ini>]. Gets the temp folder. */
  args?: (root: TempRoot) => string[];
  /** Start of the message after "ftpd: error: ". */
  where: (root: TempRoot) => string;
  mentions: string[];
}

const roots: TempRoot[] = [];
afterAll(() => {
  for (const r of roots) r.cleanup();
});

/** FILE:LINE: of the first line of `text` containing `needle`, in the temp folder's `file`. */
const at = (file: string, text: string, needle: string) => (root: TempRoot) => `${root.path(file)}:${lineOf(text, needle)}:`;

const BAD_SECTION = "; a typo in a section name\n[sever]\nport = 2121\n";
const BAD_KEY = "[server]\nbanner = hi\nprot = 2121\n";
const OUTSIDE = "; no section yet\nport = 2121\n[server]\nbanner = hi\n";
const BAD_PORT = "[server]\n\nport = 99999\n";
const BAD_BOOL = "[users]\nanonymous = maybe\n";
const BAD_RATE = "[limits]\nwrite_limit = 1M\nread_limit = fast\n";
const BAD_RANGE = "[passive]\nports = 5-1\n";
const BAD_LISTEN = "[server]\nlisten = 999.1.1.1\n";
const MASQ_V6 = "[passive]\nmasquerade_address = 2001:db8::7\n";
const BAD_MAP = "[passive]\nmasquerade_address = 203.0.113.7\nmasquerade_map = 192.168.0.0/16=192.168.1.10, 10.0.0.0/8=fast\n";
const BAD_PERMS = "[users]\nanonymous_folder = .\nanonymous_permissions = elrx\n";
const BAD_LEVEL = "[logging]\nconsole = true\nlevel = loud\n";
const BAD_SECONDS = "[limits]\nidle_timeout = soon\n";
const AS_LIST = "[server]\nbanner[] = one\nbanner[] = two\n";
const USERS_OK_INI = "[users]\nusers_file = users.txt\n";
const USERS_BAD_LINE = "# name password perms home\nanna s3cret elradfmwMT homes/anna\nbob secret-only\n";
const USERS_BAD_PERMS = "anna s3cret elradfmwMT homes/anna\nbob pw elrZ homes/anna\n";
const USERS_NO_HOME = "anna s3cret elradfmwMT homes/anna\n\nbob pw elr homes/nobody-here\n";
const USERS_TWICE = "anna s3cret elr homes/anna\nanna other elr homes/anna\n";
const NO_FOLDER = "[users]\n; this folder does not exist\nanonymous_folder = no-such-folder\n";
const TWICE_LAST_BAD = "[server]\nmax_connections = 5\nbanner = hi\nmax_connections = lots\n";

const cases: Case[] = [
  {
    name: "unknown section, with a did-you-mean for a near-typo ([sever])",
    ini: BAD_SECTION,
    where: at("ftpd.ini", BAD_SECTION, "[sever]"),
    mentions: ["unknown section [sever]", "did you mean [server]?", "(fix: "],
  },
  {
    name: "unknown key, with a did-you-mean for a near-typo (prot)",
    ini: BAD_KEY,
    where: at("ftpd.ini", BAD_KEY, "prot ="),
    mentions: ['unknown key "prot"', '"port"', "(fix: "],
  },
  {
    name: "a key outside any section",
    ini: OUTSIDE,
    where: at("ftpd.ini", OUTSIDE, "port ="),
    mentions: ['"port"', "outside any [section]", "[server]"],
  },
  {
    name: "port out of range (99999)",
    ini: BAD_PORT,
    where: at("ftpd.ini", BAD_PORT, "port ="),
    mentions: ["99999", "0 to 65535", "(fix: "],
  },
  {
    name: "a bad boolean (anonymous = maybe)",
    ini: BAD_BOOL,
    where: at("ftpd.ini", BAD_BOOL, "anonymous ="),
    mentions: ["maybe", "true or false", "(fix: "],
  },
  {
    name: 'a bad rate (read_limit = fast), on the right line',
    ini: BAD_RATE,
    where: at("ftpd.ini", BAD_RATE, "read_limit"),
    mentions: ["read_limit", "fast", "300K", "(fix: "],
  },
  {
    name: "a backwards passive port range (5-1)",
    ini: BAD_RANGE,
    where: at("ftpd.ini", BAD_RANGE, "ports ="),
    mentions: ["5-1", "FROM-TO", "(fix: "],
  },
  {
    name: "a bad IP address for listen",
    ini: BAD_LISTEN,
    where: at("ftpd.ini", BAD_LISTEN, "listen ="),
    mentions: ["999.1.1.1", "IP address", "(fix: "],
  },
  {
    name: "an IPv6 masquerade_address (227 replies carry IPv4 only)",
    ini: MASQ_V6,
    where: at("ftpd.ini", MASQ_V6, "masquerade_address"),
    mentions: ["2001:db8::7", "IPv4", "(fix: "],
  },
  {
    name: "a bad masquerade_map entry, named in the message",
    ini: BAD_MAP,
    where: at("ftpd.ini", BAD_MAP, "masquerade_map"),
    mentions: ["10.0.0.0/8=fast", "NETWORK/BITS=IPv4", "(fix: "],
  },
  {
    name: "unknown permission letters (elrx)",
    ini: BAD_PERMS,
    where: at("ftpd.ini", BAD_PERMS, "anonymous_permissions"),
    mentions: ["elrx", "elradfmwMT", "(fix: "],
  },
  {
    name: "a bad log level (loud)",
    ini: BAD_LEVEL,
    where: at("ftpd.ini", BAD_LEVEL, "level ="),
    mentions: ["loud", "error, warn, info, verbose, debug", "(fix: "],
  },
  {
    name: "a bad number of seconds (idle_timeout = soon)",
    ini: BAD_SECONDS,
    where: at("ftpd.ini", BAD_SECONDS, "idle_timeout"),
    mentions: ["soon", "seconds", "(fix: "],
  },
  {
    name: "a key given as a list (banner[] = ...)",
    ini: AS_LIST,
    where: at("ftpd.ini", AS_LIST, "banner[]"),
    mentions: ['"banner"', "list", "(fix: "],
  },
  {
    name: "a missing config file (names the file)",
    ini: "",
    args: (root) => ["--config", root.path("nowhere/ftpd.ini")],
    where: (root) => `${root.path("nowhere/ftpd.ini")}:`,
    mentions: ["cannot read the config file", "ENOENT", "(fix: "],
  },
  {
    name: "users_file with a bad line (names the users file and ITS line)",
    ini: USERS_OK_INI,
    files: { "users.txt": USERS_BAD_LINE, "homes/anna": null },
    where: at("users.txt", USERS_BAD_LINE, "bob secret-only"),
    mentions: ["expected 4 fields", "name password perms home", "(fix: "],
  },
  {
    name: "users_file with unknown permission letters (names the users file and its line)",
    ini: USERS_OK_INI,
    files: { "users.txt": USERS_BAD_PERMS, "homes/anna": null },
    where: at("users.txt", USERS_BAD_PERMS, "bob pw elrZ"),
    mentions: ['"Z"', "elrZ", "(fix: "],
  },
  {
    name: "users_file with a missing home folder (names the users file, its line and the folder)",
    ini: USERS_OK_INI,
    files: { "users.txt": USERS_NO_HOME, "homes/anna": null },
    where: at("users.txt", USERS_NO_HOME, "bob pw"),
    mentions: ["nobody-here", "does not exist", '"bob"', "(fix: "],
  },
  {
    name: "users_file defining a user twice",
    ini: USERS_OK_INI,
    files: { "users.txt": USERS_TWICE, "homes/anna": null },
    where: (root) => `${root.path("users.txt")}:2:`,
    mentions: ['"anna"', "line 1", "(fix: "],
  },
  {
    name: "users_file that does not exist (names the config line that sets it, and the missing file)",
    ini: USERS_OK_INI,
    where: at("ftpd.ini", USERS_OK_INI, "users_file"),
    mentions: ["users.txt", "does not exist", "(fix: "],
  },
  {
    name: "a command-line flag with a bad value (--read-limit fast) is one line naming the flag",
    ini: "[limits]\nread_limit = 100K\n",
    args: (root) => ["--config", root.path("ftpd.ini"), "--read-limit", "fast"],
    where: () => "--read-limit",
    mentions: ['"fast"', "300K"],
  },
  {
    name: "anonymous_folder that does not exist (names the config file and line)",
    ini: NO_FOLDER,
    where: at("ftpd.ini", NO_FOLDER, "anonymous_folder"),
    mentions: ["no-such-folder", "does not exist"],
  },
  {
    name: "a key given twice is refused at its second line (the ini parser would silently keep the last)",
    ini: TWICE_LAST_BAD,
    where: at("ftpd.ini", TWICE_LAST_BAD, "lots"),
    mentions: ['"max_connections"', "twice", "first on line", "(fix: "],
  },
];

describe.concurrent("config: bad configurations are refused (exit 2, one line FILE:LINE: problem (fix: ...))", () => {
  it.each(cases)("$name", async (c) => {
    const root = makeTempRoot({ ...(c.files ?? {}), "ftpd.ini": c.ini });
    roots.push(root);
    const args = c.args ? c.args(root) : ["--config", root.path("ftpd.ini")];
    const run = await runCli(args);
    expectConfigError(run, { where: c.where(root), mentions: c.mentions });
  });
});
