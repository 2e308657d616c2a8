//> 0 reply
// Replies are what the server says on the control connection: a three-digit code and text.
//
//   single line:  "257 \"/docs\" is the current directory.\r\n"
//   multi-line:   "211-Features:\r\n UTF8\r\n SIZE\r\n211 End\r\n"
//
// RFC 959 section 4.2: a multi-line reply starts with "code-", ends with "code ", and the
// lines between must not look like a final line, so we indent them with one space.

/** A reply the server can throw from anywhere in a command handler. */
export class FtpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Text that came from the client or the disk (a file name, say) must never add a line to a
 * reply: a CR or LF inside it would let a client forge replies. We replace them by spaces.
 */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, " ");
}

export function formatReply(code: number, text: string | readonly string[]): string {
  const lines = typeof text === "string" ? text.split("\n") : [...text];
  if (lines.length <= 1) return `${code} ${oneLine(lines[0] ?? "")}\r\n`;
  const first = lines[0] ?? "";
  const last = lines[lines.length - 1] ?? "";
  let out = `${code}-${oneLine(first)}\r\n`;
  for (const line of lines.slice(1, -1)) out += ` ${oneLine(line)}\r\n`;
  out += `${code} ${oneLine(last)}\r\n`;
  return out;
}

/** RFC 959 appendix II: a quote inside a quoted path name is doubled. */
export function quotePath(path: string): string {
  return `"${path.replace(/"/g, '""')}"`;
}

/** Final replies end a command; 1xx replies are preliminary (a transfer is starting). */
export function isFinal(code: number): boolean {
  return code >= 200;
}
//<
