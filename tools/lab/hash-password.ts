// `npm run -s hash-password`: prints a stored password digest, for --user NAME:DIGEST:PERMS:HOME
// or a users file, so that neither holds the password itself. Lesson 1 asks your server to
// accept these digests; this tool is the lab's, so that it works in the student repository too
// (it needs nothing of the reference server).
//
//   $ npm run -s hash-password
//   Password: ********
//   scrypt$16384$8$1$3q2+7w...$Jv0...
//
// The digest: node:crypto's scrypt with N=16384, r=8, p=1, a random 16-byte salt and a 32-byte
// hash, written scrypt$N$r$p$<salt, base64>$<hash, base64>: the format the final server's
// auth/password-hash.ts verifies (test/lab/hash-password.test.ts checks that it does).
//
// At a terminal the password is read without echo; piped in, the first line is used
// (`printf 's3cret\n' | npm run -s hash-password`).

import { randomBytes, scrypt } from "node:crypto";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

/** scrypt's cost parameters and the hash length of every digest this tool makes. */
export const SCRYPT_PARAMS = { N: 16384, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

/** A new digest of `password`, with a random salt: scrypt$16384$8$1$SALT$HASH (base64). */
export function passwordDigest(password: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = SCRYPT_PARAMS;
  const salt = randomBytes(saltLength);
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => {
      if (err) reject(err);
      else resolve(`scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`);
    });
  });
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) return line;
    return "";
  }
  process.stderr.write("Password: ");
  process.stdin.setRawMode(true);
  process.stdin.resume();
  return new Promise((resolve) => {
    let typed = "";
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off("data", onData);
          process.stderr.write("\n");
          return resolve(typed);
        }
        if (ch === "\u0003") process.exit(130); // Ctrl-C
        if (ch === "\u007f") typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    process.stdin.on("data", onData);
  });
}

async function main(): Promise<void> {
  const password = await readPassword();
  if (password === "") {
    process.stderr.write("hash-password: error: empty password\n");
    process.exit(2);
  }
  process.stdout.write(`${await passwordDigest(password)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
