// Where the lab commands write, and how they ask a question: the terminal normally, lists of
// lines in tests.
//
//   const io = terminalIo();
//   io.out("✓ lesson 1 passes");               -> stdout
//   await io.ask("Reset ...? [y/N] ")          -> "y" (what the learner typed), on a terminal only

import { createInterface } from "node:readline/promises";

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Whether a person can answer questions (stdin and stdout are a terminal). */
  interactive: boolean;
  /** One line typed by the person; only called when `interactive`. */
  ask(question: string): Promise<string>;
}

export function terminalIo(): Io {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/** The marks used in every listing. */
export const MARK = { pass: "✓", fail: "✗", none: "·", skip: "-" } as const;

export function plural(count: number, word: string, words = `${word}s`): string {
  return `${count} ${count === 1 ? word : words}`;
}
