// Commands and file names travel as bytes; the server works with strings. A codec turns one
// into the other. UTF-8 is the default (RFC 2640); bytes that are not valid UTF-8 become
// U+FFFD instead of breaking the session.

export interface Codec {
  readonly name: string;
  decode(bytes: Buffer): string;
  encode(text: string): Buffer;
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

export const utf8: Codec = {
  name: "utf-8",
  decode: (bytes) => utf8Decoder.decode(bytes),
  encode: (text) => Buffer.from(text, "utf8"),
};
