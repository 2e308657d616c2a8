// A lesson's hints: lessons/NN-slug/hints.md, where every "## " heading starts a hint, from
// the gentlest to the one that nearly gives the answer away.
//
//   # Hints: lesson 2                      (ignored: the file's title)
//   ## Where the port comes from           -> hint 1, titled "Where the port comes from"
//   Look at candidatePorts ...
//   ## Skipping busy ports                 -> hint 2
//   ...

export interface Hint {
  title: string;
  body: string;
}

export function parseHints(markdown: string): Hint[] {
  const hints: Hint[] = [];
  let current: { title: string; lines: string[] } | null = null;
  let inFence = false;
  for (const line of markdown.replace(/\r\n/g, "\n").split("\n")) {
    // A "## " inside a code block is code, not a new hint.
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^##\s+(.*\S)\s*$/.exec(line);
    if (heading) {
      if (current) hints.push(finish(current));
      current = { title: heading[1]!, lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  if (current) hints.push(finish(current));
  return hints;
}

function finish(hint: { title: string; lines: string[] }): Hint {
  return { title: hint.title, body: hint.lines.join("\n").trim() };
}
