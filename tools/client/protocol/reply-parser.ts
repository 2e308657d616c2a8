// Replies: bytes from the control connection in, whole replies out (RFC 959, section 4.2).
//
//   in:  "211-Features:\r\n EPSV\r\n SIZE\r\n211 End\r\n"
//   out: { code: 211, lines: ["211-Features:", " EPSV", " SIZE", "211 End"],
//          message: "Features:\n EPSV\n SIZE\nEnd" }
//
//   in:  "230 Login successful.\r\n"   (may arrive in any pieces: "23", "0 Login", ...)
//   out: { code: 230, lines: ["230 Login successful."], message: "Login successful." }
//
// A reply is one line "NNN text", or several: the first "NNN-text", the last "NNN text"
// (the same code, then a space). Lines in between may say anything, even start with digits,
// so only "same code + space" ends a multi-line reply.

import { StringDecoder } from "node:string_decoder";

export interface Reply {
  code: number;
  /** The lines as received (without CRLF): what `debug` shows after "S:". */
  lines: string[];
  /** The text without the code prefixes, lines joined with "\n". */
  message: string;
}

/** The first digit: 1 preliminary, 2 done, 3 need more, 4 try again later, 5 failed. */
export const isPreliminary = (r: Reply) => r.code >= 100 && r.code < 200;
export const isPositive = (r: Reply) => r.code >= 200 && r.code < 400;

/** Bytes that are not FTP replies (an HTTP server, a TLS port spoken to in clear text...). */
export class ReplyFormatError extends Error {}

const MAX_LINE = 64 * 1024;

export class ReplyParser {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  private current: string[] = [];
  private code = 0;

  /** Feed bytes; returns the replies they complete (often none, sometimes several). */
  push(chunk: Buffer | string): Reply[] {
    this.partial += typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    const done: Reply[] = [];
    let nl: number;
    while ((nl = this.partial.indexOf("\n")) !== -1) {
      const line = this.partial.slice(0, nl).replace(/\r$/, "");
      this.partial = this.partial.slice(nl + 1);
      const reply = this.line(line);
      if (reply) done.push(reply);
    }
    if (this.partial.length > MAX_LINE) throw new ReplyFormatError(`a reply line longer than ${MAX_LINE} characters`);
    return done;
  }

  private line(line: string): Reply | null {
    if (this.current.length === 0) {
      const m = /^(\d{3})([ -]|$)/.exec(line);
      if (!m) throw new ReplyFormatError(`not an FTP reply: ${JSON.stringify(line.slice(0, 80))}`);
      this.code = Number(m[1]);
      this.current.push(line);
      return m[2] === "-" ? null : this.finish();
    }
    this.current.push(line);
    // The end of a multi-line reply: the same code followed by a space (or nothing).
    const end = line.startsWith(String(this.code)) && (line.length === 3 || line[3] === " ");
    return end ? this.finish() : null;
  }

  private finish(): Reply {
    const lines = this.current;
    this.current = [];
    const code = this.code;
    const prefix = new RegExp(`^${code}[ -]?`);
    const message = lines.map((l, i) => (i === 0 || i === lines.length - 1 || l.startsWith(`${code}-`) ? l.replace(prefix, "") : l)).join("\n");
    return { code, lines, message };
  }
}
