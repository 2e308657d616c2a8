// The interactive shell: a prompt, line editing, history (up/down), tab completion of
// commands and of names on the server, and Ctrl-C that stops a transfer, not the client.
//
//   anna@127.0.0.1:/> cd docs
//   anna@127.0.0.1:/docs> get rep<TAB>ort.pdf
//   get report.pdf [==========--------------] 40% 400.0 KB/1.0 MB 1.0 MB/s ETA 0.6 s   <- Ctrl-C
//   get: interrupted at 400.0 KB; "get report.pdf" again continues from there
//   anna@127.0.0.1:/docs> get report.pdf
//   resuming report.pdf at 400.0 KB (409600 of 1048576 bytes here): REST 409600
//
// Several commands on one line are separated by ";". Ctrl-D or quit leaves.

import readline from "node:readline";
import type { CommandContext } from "../commands/context.ts";
import { findCommand } from "../commands/table.ts";
import { runOne } from "../script.ts";
import { forgetListings, makeCompleter } from "./completer.ts";
import { splitCommands } from "./words.ts";

export async function runShell(ctx: CommandContext, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout): Promise<void> {
  const rl = readline.createInterface({
    input,
    output,
    completer: makeCompleter(ctx),
    terminal: true,
    historySize: 1000,
    removeHistoryDuplicates: true,
  });
  const { login, target } = ctx.session.config;
  const prompt = () => `${login.user}@${target.host}:${ctx.session.cwd}> `;
  let running: AbortController | null = null;

  rl.on("SIGINT", () => {
    if (running) {
      running.abort();
      return;
    }
    // At the prompt: forget the line typed so far, as a shell does.
    rl.write(null, { ctrl: true, name: "e" });
    rl.write(null, { ctrl: true, name: "u" });
    output.write("^C\n");
    rl.prompt();
  });

  ctx.out.result(`Connected to ${target.host}:${target.port}. Type "help" for the commands, TAB to complete, Ctrl-D to leave.`);
  rl.setPrompt(prompt());
  rl.prompt();
  for await (const line of rl) {
    let commands: string[][];
    try {
      commands = splitCommands(line);
    } catch (err) {
      ctx.out.error(`cannot read that line: ${(err as Error).message}`);
      commands = [];
    }
    for (const words of commands) {
      running = new AbortController();
      ctx.signal = running.signal;
      const code = await runOne(ctx, words);
      running = null;
      ctx.signal = undefined;
      if (!findCommand(words[0]!)?.readOnly) forgetListings();
      if (code !== 0 || ctx.quitRequested) break;
    }
    if (ctx.quitRequested) break;
    rl.setPrompt(prompt());
    rl.prompt();
  }
  rl.close();
}
