// The folder in a 257 reply (PWD, MKD): a quoted name, with quotes inside it doubled.
//
//   in:  '257 "/docs" is the current folder.'        -> "/docs"
//   in:  '257 "/say ""hi""" created.'                -> '/say "hi"'
//   in:  '257 /docs'  (no quotes: an old server)     -> "/docs"

export function parseQuotedPath(message: string): string | null {
  const first = message.indexOf('"');
  if (first === -1) {
    const word = message.trim().split(/\s+/)[0];
    return word ? word : null;
  }
  let out = "";
  for (let i = first + 1; i < message.length; i++) {
    const ch = message[i]!;
    if (ch !== '"') out += ch;
    else if (message[i + 1] === '"') {
      out += '"';
      i++;
    } else return out;
  }
  return null; // no closing quote
}
