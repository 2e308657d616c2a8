// Did the whole file arrive, unchanged? Ask the server for its checksum and compare.
//
//   FEAT lists "HASH SHA-256*;SHA-512;SHA-1;MD5":
//     C: HASH big.bin   S: 213 SHA-256 0-1048575 3a7bd3e2... big.bin
//     -> { ok: true, method: "HASH", text: "SHA-256 3a7bd3e2… matches the server's" }
//   no HASH (pyftpdlib, lesson servers):
//     C: SIZE big.bin   S: 213 1048576
//     -> { ok: true, method: "SIZE", text: "1048576 bytes, as SIZE says (no HASH on this server)" }
//
// HASH catches what sizes cannot: a resume onto a part file that came from a different
// version of the file has the right length and the wrong bytes.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { hashAlgorithms } from "../protocol/features.ts";
import type { FtpSession } from "../session.ts";

export interface Verification {
  ok: boolean;
  method: "HASH" | "SIZE" | "none";
  text: string;
}

/** FTP's names -> node:crypto's, most trusted first. */
const ALGORITHMS: [string, string][] = [
  ["SHA-256", "sha256"],
  ["SHA-512", "sha512"],
  ["SHA-1", "sha1"],
  ["MD5", "md5"],
];

export async function hashFile(path: string, algorithm: string): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function byHash(session: FtpSession, remote: string, local: string): Promise<Verification | null> {
  const offered = hashAlgorithms(session.features);
  if (!offered) return null;
  const pick = ALGORITHMS.find(([name]) => offered.names.includes(name));
  if (!pick) return null;
  const [name, nodeName] = pick;
  const current = session.hashAlgorithm ?? offered.current;
  if (current !== name) {
    const opts = await session.request(`OPTS HASH ${name}`);
    if (opts.code !== 200) return null;
  }
  session.hashAlgorithm = name;
  const reply = await session.request(`HASH ${remote}`);
  if (reply.code !== 213) return null; // not allowed here, or busy (450): fall back to SIZE
  const m = /^(\S+)\s+(\d+)-(\d+)\s+([0-9a-fA-F]+)/.exec(reply.message.trim());
  if (!m) return null;
  const theirs = m[4]!.toLowerCase();
  const ours = await hashFile(local, nodeName);
  return ours === theirs
    ? { ok: true, method: "HASH", text: `${name} ${ours.slice(0, 16)}… matches the server's` }
    : { ok: false, method: "HASH", text: `${name} differs: here ${ours.slice(0, 16)}…, on the server ${theirs.slice(0, 16)}…` };
}

export async function verifyTransfer(session: FtpSession, remote: string, local: string): Promise<Verification> {
  const hashed = await byHash(session, remote, local);
  if (hashed) return hashed;
  const [remoteSize, localSize] = await Promise.all([session.size(remote), stat(local).then((s) => s.size)]);
  if (remoteSize === undefined) return { ok: true, method: "none", text: "not checked: the server has neither HASH nor SIZE" };
  return remoteSize === localSize
    ? { ok: true, method: "SIZE", text: `${localSize} bytes, as SIZE says (no HASH on this server)` }
    : { ok: false, method: "SIZE", text: `sizes differ: ${localSize} bytes here, ${remoteSize} on the server` };
}
