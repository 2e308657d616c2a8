// Asking for a password on the terminal without showing it.
//
//   Password for anna@127.0.0.1: ▮          (what you type is not echoed, not even as stars)
//   -> "s3cret"
//
// node:readline does the line editing (backspace, Ctrl-U); its echo goes to a muted
// stream. Ctrl-C or Ctrl-D gives up. Without a terminal there is nobody to ask: the caller
// must use --password or FTP_PASSWORD instead.

import readline from "node:readline";
import { Writable } from "node:stream";
import { UsageError } from "../protocol/errors.ts";

export function askPassword(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    let muted = false;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        if (!muted) output.write(chunk);
        done();
      },
    });
    const rl = readline.createInterface({ input, output: sink, terminal: true, historySize: 0 });
    let answered = false;
    rl.on("SIGINT", () => rl.close());
    rl.on("close", () => {
      output.write("\n");
      if (!answered) reject(new UsageError("no password given"));
    });
    rl.question(prompt, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    muted = true; // the prompt is out; from here on nothing typed is shown
  });
}
