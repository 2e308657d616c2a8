//> 0 codec
// Commands and file names travel as bytes; the server works with strings. A codec turns one
// into the other. UTF-8 is the default (RFC 2640); bytes that are not valid UTF-8 never break
// the session: each becomes an escape (fs/byte-names.ts) that encodes back to the same byte,
// so a file whose name is not UTF-8 is listed with its own bytes and found again by them.

import { decodeName, encodeName } from "../fs/byte-names.ts";

export interface Codec {
  readonly name: string;
  decode(bytes: Buffer): string;
  encode(text: string): Buffer;
}

//> final legacy-codecs-import
import iconv from "iconv-lite";

//<
export const utf8: Codec = {
  name: "utf-8",
  decode: decodeName,
  encode: encodeName,
};
//> final legacy-codecs

/**
 * A legacy encoding for old clients (`--encoding gbk`: Chinese Windows tools that send file
 * names in the system code page). iconv-lite does the work: bytes it cannot decode become
 * U+FFFD, and characters the encoding lacks become "?", so nothing ever breaks a session.
 *
 *   codecFor("gbk").decode(<c4 e3 ba c3>)  ->  "你好"
 */
export function codecFor(name: string): Codec {
  const normal = name.trim().toLowerCase();
  if (normal === "utf-8" || normal === "utf8") return utf8;
  if (!iconv.encodingExists(normal)) throw new Error(`unknown encoding ${JSON.stringify(name)}; use utf-8, gbk, gb18030, big5, shift_jis, cp1251 ...`);
  return { name: normal, decode: (bytes) => iconv.decode(bytes, normal), encode: (text) => iconv.encode(text, normal) };
}
//<
//<
