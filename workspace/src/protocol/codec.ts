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

export const utf8: Codec = {
  name: "utf-8",
  decode: decodeName,
  encode: encodeName,
};
