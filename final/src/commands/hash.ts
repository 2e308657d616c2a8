//> final hash
// Checksums of files on the server, so a client can check a transfer without downloading
// the file again (the socketserver homework's "file consistency", done with a standard
// command: draft-bryan-ftpext-hash, as FileZilla Server, ProFTPD and lftp speak it).
//
//   C: HASH notes.txt           S: 213 SHA-256 0-11 a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e notes.txt
//   C: OPTS HASH MD5            S: 200 MD5
//   C: XSHA256 notes.txt        S: 250 a591a6d4...   (the older X-commands: the hash only)
//
// The file is read as a stream (never loaded whole), and the hash covers the bytes on disk,
// as a binary download would deliver them.

import { createHash } from "node:crypto";
import { checkedPath } from "../fs/open-path.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import { StorageError } from "../storage/errors.ts";
import type { CommandSpec } from "./spec.ts";

/** FTP's algorithm names -> node:crypto's. The first is the default. */
const ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ["SHA-256", "sha256"],
  ["SHA-512", "sha512"],
  ["SHA-1", "sha1"],
  ["MD5", "md5"],
]);
const DEFAULT = "SHA-256";

const chosen = new WeakMap<Session, string>();

/** `OPTS HASH` (show the algorithm) and `OPTS HASH MD5` (choose one). */
export function hashOption(s: Session, value: string): void {
  const wanted = value.trim().toUpperCase();
  if (wanted === "") return s.reply(200, chosen.get(s) ?? DEFAULT);
  if (!ALGORITHMS.has(wanted)) throw new FtpError(501, `Unknown hash algorithm ${JSON.stringify(value.trim().slice(0, 20))}; use one of ${[...ALGORITHMS.keys()].join(", ")}.`);
  chosen.set(s, wanted);
  s.reply(200, wanted);
}

async function hashFile(s: Session, vpath: string, algorithm: string): Promise<{ hex: string; size: number }> {
  const file = await s.storage!.openRead(vpath).catch((err: unknown) => {
    if (err instanceof StorageError && err.code === "is-a-folder") throw new FtpError(553, "Is a folder; HASH works on files.");
    if (err instanceof StorageError && err.code === "not-a-file") throw new FtpError(553, "Not a regular file.");
    throw err;
  });
  try {
    const hash = createHash(algorithm);
    for await (const chunk of file.stream(0)) hash.update(chunk as Buffer);
    return { hex: hash.digest("hex"), size: file.info.size };
  } finally {
    await file.close();
  }
}

/** "HASH SHA-256*;SHA-512;SHA-1;MD5": the star marks this session's algorithm. */
function featLine(s: Session): string {
  const current = chosen.get(s) ?? DEFAULT;
  return `HASH ${[...ALGORITHMS.keys()].map((name) => (name === current ? `${name}*` : name)).join(";")}`;
}

/** XSHA256 and friends: the older form, one fixed algorithm, the hash alone in a 250 reply. */
function legacy(name: string, algorithm: string): CommandSpec {
  return {
    name,
    arg: "required",
    auth: true,
    perm: "r",
    help: `Syntax: ${name} <path> (the file's ${algorithm.toUpperCase()} hash).`,
    async handler(s, arg) {
      const { hex } = await hashFile(s, checkedPath(s, arg, "r"), algorithm);
      s.reply(250, hex);
    },
  };
}

export const hashCommands: CommandSpec[] = [
  {
    name: "HASH",
    arg: "required",
    auth: true,
    perm: "r",
    help: "Syntax: HASH <path> (the file's hash; OPTS HASH <algorithm> chooses it).",
    feat: featLine,
    async handler(s, arg) {
      const vpath = checkedPath(s, arg, "r");
      const name = chosen.get(s) ?? DEFAULT;
      const { hex, size } = await hashFile(s, vpath, ALGORITHMS.get(name)!);
      const end = size === 0 ? 0 : size - 1;
      s.reply(213, `${name} 0-${end} ${hex} ${vpath.slice(vpath.lastIndexOf("/") + 1)}`);
    },
  },
  legacy("XSHA256", "sha256"),
  legacy("XSHA512", "sha512"),
  legacy("XSHA1", "sha1"),
  legacy("XMD5", "md5"),
];
//<
