//> final hash-password
// `npm run hash-password`: prints a stored hash for a password, for the users file or --user,
// so that the file never holds the password itself.
//
//   $ npm run -s hash-password
//   Password: ********
//   scrypt$16384$8$1$3q2+7w...$Jv0...
//
// At a terminal the password is read without echo; piped in, the first line is used
// (`printf 's3cret\n' | npm run -s hash-password`).

import { createInterface } from "node:readline";
import { hashPassword } from "./auth/password-hash.ts";

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) return line;
    return "";
  }
  process.stderr.write("Password: ");
  process.stdin.setRawMode(true);
  process.stdin.resume();
  return new Promise((resolve) => {
    let typed = "";
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") {
          process.stdin.setRawMode(false);
          process.stdin.pause();
          process.stdin.off("data", onData);
          process.stderr.write("\n");
          return resolve(typed);
        }
        if (ch === "\u0003") process.exit(130); // Ctrl-C
        if (ch === "\u007f") typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    process.stdin.on("data", onData);
  });
}

const password = await readPassword();
if (password === "") {
  process.stderr.write("hash-password: error: empty password\n");
  process.exit(2);
}
process.stdout.write(`${await hashPassword(password)}\n`);
//<
