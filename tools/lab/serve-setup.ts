// What `npm run serve` serves, and to whom: two folders under .lab/serve (copies of
// final/demo, so uploads never touch the repository) and the flags that give them to an
// anonymous user (read-only) and to learner/learner (every permission).
//
//   prepareServeFolders(root)  -> { public: "<root>/.lab/serve/public", learner: "<root>/.lab/serve/learner" }
//   accountFlags(folders, { user: true })
//   -> ["-d", public, "--anonymous", "--user", "learner:learner:elradfmwMT:<learner>"]
//
// Anonymous is switched on with --anonymous, not through --user, so that it works in lesson
// 1's starter, where storing named users (--user) is the very thing the learner writes.
//
// The learner's own flags win: with `--users FILE` the file alone decides who logs in (the
// lab adds no account and serves none of its folders), and with `-d DIR` anonymous sees DIR;
// the lines printed at start name what is really served (readServeChoices, fileAccounts).
// The folders under .lab/serve are kept between runs, and the start lines say so;
// `--fresh` starts from a fresh copy of final/demo.

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export const SERVE_DIR = ".lab/serve";
export const LEARNER = { name: "learner", password: "learner", perms: "elradfmwMT" } as const;

export interface ServeFolders {
  public: string;
  learner: string;
}

/** Creates the folders (a copy of final/demo in each) unless they exist: your uploads stay. */
export function prepareServeFolders(root: string, options: { fresh?: boolean } = {}): ServeFolders & { kept: boolean } {
  const base = path.join(root, SERVE_DIR);
  const folders = { public: path.join(base, "public"), learner: path.join(base, "learner") };
  const demo = path.join(root, "final", "demo");
  if (options.fresh) rmSync(base, { recursive: true, force: true });
  const kept = Object.values(folders).some((folder) => existsSync(folder));
  for (const folder of Object.values(folders)) {
    if (existsSync(folder)) continue;
    mkdirSync(folder, { recursive: true });
    if (existsSync(demo)) cpSync(demo, folder, { recursive: true, dereference: true });
    else writeFileSync(path.join(folder, "README.txt"), "A folder served by `npm run serve`.\n");
  }
  return { ...folders, kept };
}

/** What the learner's own server flags (after `--`) decide. */
export interface ServeChoices {
  /** --users FILE: the file decides who logs in. */
  usersFile: string | null;
  /** -d / --directory DIR: the folder anonymous sees (the last one given wins, as in the server). */
  directory: string | null;
}

export function readServeChoices(extra: readonly string[], cwd: string): ServeChoices {
  let usersFile: string | null = null;
  let directory: string | null = null;
  for (let i = 0; i < extra.length; i++) {
    const arg = extra[i]!;
    const value = (...names: string[]): string | undefined => {
      for (const name of names) {
        if (arg === name) return extra[i + 1];
        if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
      }
      return undefined;
    };
    const users = value("--users");
    if (users !== undefined) usersFile = path.resolve(cwd, users);
    const dir = value("-d", "--directory");
    if (dir !== undefined) directory = path.resolve(cwd, dir);
  }
  return { usersFile, directory };
}

/** A user of the learner's users file, as far as the lab can read it (for the start lines only). */
export interface FileUser {
  name: string;
  perms: string;
  home: string;
}

/** Reads "name password perms home" lines leniently; the server is the judge of the file. */
export function readFileUsers(file: string): FileUser[] {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const users: FileUser[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(line);
    if (m) users.push({ name: m[1]!, perms: m[3]!, home: path.resolve(path.dirname(file), m[4]!.trim()) });
  }
  return users;
}

/** What the server's command line offers (read from its --help). */
export interface ServerFlags {
  /** --user NAME:PASSWORD:PERMS:HOME */
  user: boolean;
  /** --anonymous (anonymous login on, even with named users) */
  anonymous?: boolean;
  /** -u NAME -P PASSWORD */
  usernamePassword: boolean;
}

export function readServerFlags(help: string): ServerFlags {
  return { user: /--user\b/.test(help), anonymous: /--anonymous\b/.test(help), usernamePassword: /--username\b/.test(help) && /--password\b/.test(help) };
}

export interface Accounts {
  flags: string[];
  anonymous: string | null;
  learner: string | null;
  /** --users FILE: who the file lets in (the lab adds nobody). */
  usersFile?: { file: string; users: FileUser[] };
}

/** With --users FILE: no account flags from the lab; the file's users, for the start lines. */
export function fileAccounts(file: string): Accounts {
  return { flags: [], anonymous: null, learner: null, usersFile: { file, users: readFileUsers(file) } };
}

/** The best setup the server's flags allow: anonymous and learner, or learner alone, or anonymous alone. */
export function accountFlags(folders: ServeFolders, flags: ServerFlags): Accounts {
  if (flags.user) {
    return {
      flags: [
        "-d",
        folders.public,
        ...(flags.anonymous ? ["--anonymous"] : ["--user", `anonymous:-:elr:${folders.public}`]),
        "--user",
        `${LEARNER.name}:${LEARNER.password}:${LEARNER.perms}:${folders.learner}`,
      ],
      anonymous: folders.public,
      learner: folders.learner,
    };
  }
  if (flags.usernamePassword) {
    return { flags: ["-d", folders.learner, "-u", LEARNER.name, "-P", LEARNER.password], anonymous: null, learner: folders.learner };
  }
  return { flags: ["-d", folders.public], anonymous: folders.public, learner: null };
}

/** Ready-to-paste lines for curl, lftp and FileZilla. */
export function connectionHelp(host: string, port: number, accounts: Accounts, root: string): string[] {
  const url = `ftp://${host.includes(":") ? `[${host}]` : host}:${port}/`;
  const shown = (folder: string) => path.relative(root, folder) || folder;
  if (accounts.usersFile) return fileConnectionHelp(url, host, port, accounts.usersFile, shown);
  const lines = ["Who can log in"];
  const who: Array<[string, string]> = [];
  if (accounts.anonymous) who.push(["anonymous (any password)", `read-only, sees ${shown(accounts.anonymous)}`]);
  if (accounts.learner) who.push([`${LEARNER.name} / ${LEARNER.password}`, `every permission (${LEARNER.perms}), sees ${shown(accounts.learner)}`]);
  lines.push(...columns(who));

  const auth = accounts.learner ? `-u ${LEARNER.name}:${LEARNER.password} ` : "";
  const curl: Array<[string, string]> = [];
  if (accounts.anonymous) curl.push([`curl ${url}`, "list, as anonymous"]);
  if (accounts.learner) {
    curl.push([`curl ${auth}${url}`, `list, as ${LEARNER.name}`]);
    curl.push([`curl ${auth}${url}README.txt`, "download a file"]);
    curl.push([`curl ${auth}-T notes.txt ${url}`, "upload notes.txt"]);
    curl.push([`curl ${auth}-P 127.0.0.1 ${url}`, "the same in active mode (PORT/EPRT: lesson 6 on)"]);
  } else {
    curl.push([`curl -P 127.0.0.1 ${url}`, "the same in active mode (PORT/EPRT: lesson 6 on)"]);
  }
  lines.push("", "curl (passive mode unless -P)", ...columns(curl));
  lines.push("", "lftp (then: ls, get README.txt, put notes.txt, bye)");
  lines.push(accounts.learner ? `  lftp -u ${LEARNER.name},${LEARNER.password} -p ${port} ${host}` : `  lftp -p ${port} ${host}`);
  lines.push("", "FileZilla: File > Site Manager > New site");
  lines.push(`  Protocol: FTP - File Transfer Protocol   Host: ${host}   Port: ${port}`);
  lines.push("  Encryption: Only use plain FTP (insecure)");
  lines.push(accounts.learner ? `  Logon Type: Normal   User: ${LEARNER.name}   Password: ${LEARNER.password}` : "  Logon Type: Anonymous");
  lines.push("  Transfer Settings tab: Transfer mode Passive");
  return lines;
}

/** The lines for --users FILE: the file's users, their homes, and curl/lftp lines that ask for the password. */
function fileConnectionHelp(url: string, host: string, port: number, from: { file: string; users: FileUser[] }, shown: (folder: string) => string): string[] {
  const lines = [`Who can log in: the users in ${from.file} (your users file decides; the lab adds no anonymous and no learner)`];
  if (from.users.length === 0) lines.push("  (the lab could read no user from it; the server's log says why if it cannot either)");
  lines.push(...columns(from.users.map((u) => [u.name === "anonymous" || u.name === "ftp" ? `${u.name} (any password)` : u.name, `${u.perms}, sees ${shown(u.home)}`])));
  const named = from.users.find((u) => u.name !== "anonymous" && u.name !== "ftp");
  const auth = named ? `-u ${named.name} ` : "";
  lines.push("", `curl (asks for ${named ? `${named.name}'s` : "the"} password)`);
  lines.push(`  curl ${auth}${url}`);
  lines.push("", "lftp (then: ls, get FILE, put FILE, bye)");
  lines.push(`  lftp ${named ? `-u ${named.name} ` : ""}-p ${port} ${host}`);
  return lines;
}

/** Two columns, the second aligned: "  curl ftp://...    list, as anonymous". */
function columns(rows: ReadonlyArray<[string, string]>): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`);
}
