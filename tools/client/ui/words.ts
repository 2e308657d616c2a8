// Command lines into words, the way a shell does it (simplified): spaces separate words,
// quotes and backslashes keep them together, ";" separates commands.
//
//   splitCommands('get "my file.txt"; ls docs')  -> [["get", "my file.txt"], ["ls", "docs"]]
//   splitWords("put my\\ file.txt")              -> words: [{ value: "put" ...}, { value: "my file.txt", raw: "my\\ file.txt" ... }]
//   quoteWord("my file.txt")                     -> "my\\ file.txt"   (what tab completion inserts)

export interface Word {
  value: string;
  /** The text as typed (quotes and backslashes included). */
  raw: string;
  start: number;
}

export interface Split {
  /** Commands, each a list of words. */
  commands: Word[][];
  /** A quote was left open at the end (the line is unfinished). */
  openQuote: string | null;
  /** The line ends in whitespace or ";" (the next word has not started). */
  endsBetweenWords: boolean;
}

export function split(line: string): Split {
  const commands: Word[][] = [[]];
  let word: Word | null = null;
  let quote: string | null = null;
  const current = () => commands[commands.length - 1]!;
  const begin = (i: number) => (word ??= { value: "", raw: "", start: i });
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      word!.raw += ch;
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && (line[i + 1] === '"' || line[i + 1] === "\\")) {
        word!.raw += line[++i]!;
        word!.value += line[i]!;
      } else word!.value += ch;
    } else if (ch === '"' || ch === "'") {
      begin(i).raw += ch;
      quote = ch;
    } else if (ch === "\\" && i + 1 < line.length) {
      const w = begin(i);
      w.raw += ch + line[i + 1]!;
      w.value += line[++i]!;
    } else if (/\s/.test(ch) || ch === ";") {
      if (word) current().push(word);
      word = null;
      if (ch === ";") commands.push([]);
    } else {
      const w = begin(i);
      w.raw += ch;
      w.value += ch;
    }
  }
  if (word) current().push(word);
  return {
    commands: commands.filter((c, i) => c.length > 0 || i === commands.length - 1),
    openQuote: quote,
    endsBetweenWords: line.length === 0 || (!quote && /[\s;]$/.test(line) && !/\\[\s;]$/.test(line)),
  };
}

export function splitWords(line: string): Word[] {
  const { commands } = split(line);
  return commands.flat();
}

/** Text -> commands as word lists; empty commands dropped. Throws on an unclosed quote. */
export function splitCommands(text: string): string[][] {
  const result = split(text);
  if (result.openQuote) throw new Error(`unclosed ${result.openQuote}`);
  return result.commands.map((c) => c.map((w) => w.value)).filter((c) => c.length > 0);
}

/** A name as a word that splits back into the same name. */
export function quoteWord(name: string): string {
  return name.replace(/[\s"'\\;]/g, (c) => `\\${c}`);
}
