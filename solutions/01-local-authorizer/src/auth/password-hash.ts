// Stored password hashes, so that a users file never holds a password an intruder could read
// and reuse elsewhere:
//
//   scrypt$16384$8$1$<salt, base64>$<hash, base64>   node:crypto's scrypt (memory-hard, slow on
//                                                     purpose); `npm run hash-password` makes one
//   md5:5f4dcc3b5aa765d61d8327deb882cf99             the seeds' xxftp password files (MD5 hex):
//                                                     read for compatibility, with a warning
//
// Anything else in the password field is a plain password, as in lesson 4's users file.

import { scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

export type PasswordCheck = (password: string) => Promise<boolean>;

const SCRYPT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Is this password field a stored hash rather than a plain password? */
export function isStoredHash(field: string): boolean {
  return SCRYPT.test(field);
}


/**
 * A checker for a stored hash, or an Error saying what is wrong with it.
 *   checkerFor("md5:5f4dcc3b5aa765d61d8327deb882cf99")("password")  ->  Promise<true>
 */
export function checkerFor(field: string): PasswordCheck {
  const m = SCRYPT.exec(field);
  if (!m) throw new Error("not a stored hash: expected scrypt$N$r$p$salt$hash or md5:<32 hex digits>");
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a hostile or mistyped file from making each login take minutes or gigabytes.
  if (!(N >= 2 && N <= 1 << 20 && (N & (N - 1)) === 0) || r < 1 || r > 32 || p < 1 || p > 16) {
    throw new Error(`scrypt parameters N=${N} r=${r} p=${p} are out of range (N a power of two up to 2^20, r 1-32, p 1-16)`);
  }
  const salt = Buffer.from(m[4]!, "base64");
  const expected = Buffer.from(m[5]!, "base64");
  if (expected.length < 16) throw new Error("the scrypt hash is too short (at least 16 bytes)");
  const options = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return async (password) => timingSafeEqual(await scryptAsync(password, salt, expected.length, options), expected);
}

