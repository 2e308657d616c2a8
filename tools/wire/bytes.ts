/**
 * Turning bytes into text a learner can read, and into shell lines they can paste.
 *
 * FTP bugs are very often invisible characters (a missing \r, a stray \n, a NUL), so every
 * message the harness prints goes through here: CR, LF and TAB become \r \n \t, other control
 * bytes and invalid UTF-8 become \xNN, and valid UTF-8 stays readable (file names may be UTF-8,
 * RFC 2640).
 */

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/** Length of the UTF-8 sequence announced by a lead byte, or 0 if it can't start one. */
function utf8SeqLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** C1 controls, line/paragraph separators and BOM would corrupt or hide in a terminal. */
function isPrintableCodePoint(cp: number): boolean {
  return cp >= 0xa0 && cp !== 0x2028 && cp !== 0x2029 && cp !== 0xfeff;
}

export interface Escaped {
  text: string;
  /** cols[i] is the column in `text` where byte i is drawn; cols[length] is text.length. */
  cols: number[];
}

/** Escape bytes for display and remember where each byte lands, so we can put a caret under it. */
export function escapeWithColumns(input: Uint8Array | string): Escaped {
  const buf = typeof input === "string" ? Buffer.from(input, "utf8") : input;
  const cols: number[] = [];
  let text = "";
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    cols.push(text.length);
    if (b === 0x0d) text += "\\r";
    else if (b === 0x0a) text += "\\n";
    else if (b === 0x09) text += "\\t";
    else if (b === 0x5c) text += "\\\\";
    else if (b >= 0x20 && b < 0x7f) text += String.fromCharCode(b);
    else if (b >= 0x80) {
      const n = utf8SeqLength(b);
      let ch: string | null = null;
      if (n > 0 && i + n <= buf.length) {
        try {
          ch = strictUtf8.decode(buf.subarray(i, i + n));
        } catch {
          ch = null;
        }
      }
      if (ch !== null && isPrintableCodePoint(ch.codePointAt(0)!)) {
        // All bytes of the character share its column.
        for (let k = 1; k < n; k++) cols.push(text.length);
        text += ch;
        i += n;
        continue;
      }
      text += "\\x" + hex2(b);
    } else text += "\\x" + hex2(b);
    i++;
  }
  cols.push(text.length);
  return { text, cols };
}

export function escapeBytes(input: Uint8Array | string): string {
  return escapeWithColumns(input).text;
}

/**
 * Escape, but keep the result at most `maxCols` wide around byte `focus` (e.g. the first
 * difference), so a 10 kB reply doesn't bury the interesting spot. `caret` is the column of
 * `focus` in the returned text.
 */
export function escapeWindow(
  input: Uint8Array | string,
  focus?: number,
  maxCols = 160,
): { text: string; caret: number | undefined } {
  const { text, cols } = escapeWithColumns(input);
  const nBytes = cols.length - 1;
  const caretAbs = focus === undefined ? undefined : cols[Math.min(Math.max(focus, 0), nBytes)]!;
  if (text.length <= maxCols) return { text, caret: caretAbs };
  const want = caretAbs ?? 0;
  const startCol = Math.max(0, want - Math.floor(maxCols / 3));
  let first = 0;
  while (first < nBytes && cols[first]! < startCol) first++;
  let last = first;
  while (last < nBytes && cols[last + 1]! - cols[first]! <= maxCols) last++;
  const head = first > 0 ? "…" : "";
  const tail = last < nBytes ? `… (+${nBytes - last} bytes)` : "";
  const out = head + text.slice(cols[first]!, cols[last]!) + tail;
  return { text: out, caret: caretAbs === undefined ? undefined : caretAbs - cols[first]! + head.length };
}

/**
 * A classic hexdump of 16-byte rows around `focus`, with a ^^ line under the focused byte.
 * Rows look like: `00000010  68 65 6c 6c 6f 20 77 6f  72 6c 64 0a              |hello world.|`
 */
export function hexdumpWindow(buf: Uint8Array, focus: number, contextRows = 1): string[] {
  const focusRow = Math.floor(focus / 16);
  const lastRow = Math.max(0, Math.ceil(buf.length / 16) - 1);
  const fromRow = Math.max(0, focusRow - contextRows);
  const toRow = Math.min(lastRow, focusRow + contextRows);
  const lines: string[] = [];
  if (buf.length === 0) return ["(no bytes)"];
  for (let row = fromRow; row <= toRow; row++) {
    const start = row * 16;
    const slice = buf.subarray(start, start + 16);
    let hexPart = "";
    let ascii = "";
    for (let k = 0; k < 16; k++) {
      if (k === 8) hexPart += " ";
      const b = slice[k];
      hexPart += b === undefined ? "   " : hex2(b) + " ";
      if (b !== undefined) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
    }
    lines.push(`${start.toString(16).padStart(8, "0")}  ${hexPart} |${ascii}|`);
    if (row === focusRow && focus < buf.length) {
      const k = focus - start;
      const col = 10 + k * 3 + (k >= 8 ? 1 : 0);
      lines.push(" ".repeat(col) + "^^");
    }
  }
  if (focus >= buf.length) lines.push(`(data ends here, after ${buf.length} bytes)`);
  return lines;
}

/** Quote one word for a POSIX shell, only when needed. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return "'" + word.replace(/'/g, `'\\''`) + "'";
}

/**
 * The inside of a single-quoted POSIX `printf` format that prints exactly these bytes.
 * Uses only escapes every printf knows (dash's too): \r \n \\ %% and 3-digit octal; valid
 * UTF-8 is kept as-is so file names stay readable.
 */
export function printfFormat(buf: Uint8Array): string {
  let out = "";
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b === 0x0d) out += "\\r";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x5c) out += "\\\\";
    else if (b === 0x25) out += "%%";
    else if (b === 0x27) out += `'\\''`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else {
      const n = b >= 0x80 ? utf8SeqLength(b) : 0;
      if (n > 0 && i + n <= buf.length) {
        try {
          const ch = strictUtf8.decode(buf.subarray(i, i + n));
          if (isPrintableCodePoint(ch.codePointAt(0)!)) {
            out += ch;
            i += n;
            continue;
          }
        } catch {
          // not UTF-8: fall through to octal
        }
      }
      out += "\\" + b.toString(8).padStart(3, "0");
    }
    i++;
  }
  return out;
}

/** What a control-connection line list looks like on the wire: strings get CRLF, Buffers are raw. */
export function wireBytes(lines: ReadonlyArray<string | Uint8Array>): Buffer {
  return Buffer.concat(lines.map((l) => (typeof l === "string" ? Buffer.from(l + "\r\n", "utf8") : Buffer.from(l))));
}

/** `printf '...' | nc host port`: replays a control session by hand. */
export function ncRepro(lines: ReadonlyArray<string | Uint8Array>, host: string, port: number): string {
  if (lines.length === 0) return `nc ${host} ${port}`;
  return `printf '${printfFormat(wireBytes(lines))}' | nc ${host} ${port}`;
}
