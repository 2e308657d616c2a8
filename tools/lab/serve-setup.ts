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

import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export const SERVE_DIR = ".lab/serve";
export const LEARNER = { name: "learner", password: "learner", perms: "elradfmwMT" } as const;

export interface ServeFolders {
  public: string;
  learner: string;
}

/** Creates the folders (a copy of final/demo in each) unless they exist: your uploads stay. */
export function prepareServeFolders(root: string): ServeFolders {
  const base = path.join(root, SERVE_DIR);
  const folders = { public: path.join(base, "public"), learner: path.join(base, "learner") };
  const demo = path.join(root, "final", "demo");
  for (const folder of Object.values(folders)) {
    if (existsSync(folder)) continue;
    mkdirSync(folder, { recursive: true });
    if (existsSync(demo)) cpSync(demo, folder, { recursive: true, dereference: true });
    else writeFileSync(path.join(folder, "README.txt"), "A folder served by `npm run serve`.\n");
  }
  return folders;
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

/** Two columns, the second aligned: "  curl ftp://...    list, as anonymous". */
function columns(rows: ReadonlyArray<[string, string]>): string[] {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`);
}
