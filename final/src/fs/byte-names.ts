//> 0 byte-names
// File names on Linux are bytes, not text: any byte but "/" and NUL, valid UTF-8 or not. The
// server works with strings, so a name is decoded losslessly, the way Python's
// "surrogateescape" does it: valid UTF-8 sequences become their characters, and every other
// byte 0x80-0xFF becomes a lone surrogate U+DC80-U+DCFF (a code point no valid UTF-8 text can
// hold). Encoding does the inverse, so a name goes disk -> listing -> command -> disk with the
// same bytes, and two names that differ only in invalid bytes stay two names:
//
//   <61 fe 2e 62 69 6e>  ->  "a\uDCFE.bin"  ->  <61 fe 2e 62 69 6e>   (not "a\uFFFD.bin")
//   <61 fd 2e 62 69 6e>  ->  "a\uDCFD.bin"  ->  <61 fd 2e 62 69 6e>
//
// The UTF-8 codec (protocol/codec.ts) uses the same mapping for the wire, so such a name is
// sent as its own bytes, as vsftpd and pyftpdlib do. Node's fs encodes a string path as UTF-8
// (a lone surrogate would become EF BF BD), so every path with an escape in it goes to the
// disk as a Buffer: the fs functions below take the server's strings and do that.

import { isUtf8 } from "node:buffer";
import { createReadStream as createReadStreamOf, type Mode, type PathLike } from "node:fs";
import * as fsp from "node:fs/promises";

/** Lone surrogates U+DC80-U+DCFF: the escapes (the u flag keeps real surrogate pairs whole). */
const ESCAPE = /[\uDC80-\uDCFF]/u;
const ESCAPES = /[\uDC80-\uDCFF]+/gu;

/** Bytes -> text: valid UTF-8 as text, every other byte as an escape. */
export function decodeName(bytes: Uint8Array): string {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf)) return buf.toString("utf8");
  let out = "";
  let run = 0; // start of the current run of valid UTF-8
  let i = 0;
  while (i < buf.length) {
    const n = sequenceLength(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += buf.toString("utf8", run, i) + String.fromCharCode(0xdc00 + buf[i]!);
    i += 1;
    run = i;
  }
  return out + buf.toString("utf8", run);
}

/** Text -> bytes: the inverse of decodeName (UTF-8, with each escape back to its byte). */
export function encodeName(text: string): Buffer {
  if (!ESCAPE.test(text)) return Buffer.from(text, "utf8");
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(ESCAPES)) {
    parts.push(Buffer.from(text.slice(last, m.index), "utf8"));
    parts.push(Buffer.from(Array.from(m[0], (c) => c.charCodeAt(0) - 0xdc00)));
    last = m.index! + m[0].length;
  }
  parts.push(Buffer.from(text.slice(last), "utf8"));
  return Buffer.concat(parts);
}

/** The path as fs must get it: the string itself, or its bytes when it holds an escape. */
export function diskPath(path: string): string | Buffer {
  return ESCAPE.test(path) ? encodeName(path) : path;
}

/**
 * The length of the valid UTF-8 sequence at `i` (1 to 4), or 0 if none starts there
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
function sequenceLength(b: Buffer, i: number): number {
  const b0 = b[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

// ---- fs calls that take the server's strings --------------------------------------------------
// The same names and arguments as node:fs/promises, for the calls the commands make.

export const stat = (path: string) => fsp.stat(diskPath(path));
export const lstat = (path: string) => fsp.lstat(diskPath(path));
export const open = (path: string, flags?: string | number, mode?: Mode) => fsp.open(diskPath(path), flags, mode);
export const unlink = (path: string) => fsp.unlink(diskPath(path));
export const rename = (from: string, to: string) => fsp.rename(diskPath(from), diskPath(to));
export const mkdir = (path: string) => fsp.mkdir(diskPath(path));
export const rmdir = (path: string) => fsp.rmdir(diskPath(path));
export const utimes = (path: string, atime: Date | number, mtime: Date | number) => fsp.utimes(diskPath(path), atime, mtime);
export const chmod = (path: string, mode: Mode) => fsp.chmod(diskPath(path), mode);
export const truncate = (path: string, length?: number) => fsp.truncate(diskPath(path), length);
export const opendir = (path: string, options?: Parameters<typeof fsp.opendir>[1]) => fsp.opendir(diskPath(path), options);
export const createReadStream = (path: string, options?: Parameters<typeof createReadStreamOf>[1]) => createReadStreamOf(diskPath(path) as PathLike, options);

/** realpath, decoded losslessly (Node's own decodes the result as UTF-8, with U+FFFD). */
export async function realpath(path: string): Promise<string> {
  return decodeName(await fsp.realpath(diskPath(path), { encoding: "buffer" }));
}
//<
