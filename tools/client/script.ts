// Commands without a prompt: from the command line (-c "cd docs; get a.txt", or words after
// the URL) or from stdin when it is not a terminal. The first failure stops the run.
//
//   runScript(ctx, [["cd", "docs"], ["get", "a.txt"]])  -> 0   all went well
//   runScript(ctx, [["get", "missing.txt"], ["ls"]])    -> 1   "get: 550 ..." on stderr; ls never runs
//   runScript(ctx, [["fetch", "x"]])                    -> 2   unknown command (a usage error)
//   (the server cannot be reached again after a lost connection)  -> 2

import type { CommandContext } from "./commands/context.ts";
import { runCommand } from "./commands/table.ts";
import { exitCodeOf, messageOf } from "./protocol/errors.ts";

/** Run one command; print its failure. Returns the exit code it deserves (0 if it went well). */
export async function runOne(ctx: CommandContext, words: string[]): Promise<number> {
  try {
    await runCommand(ctx, words);
    return 0;
  } catch (err) {
    ctx.out.error(`${words.slice(0, 3).join(" ")}${words.length > 3 ? " ..." : ""}: ${messageOf(err)}`);
    return exitCodeOf(err);
  }
}

export async function runScript(ctx: CommandContext, commands: Iterable<string[]> | AsyncIterable<string[]>): Promise<number> {
  for await (const words of commands) {
    if (words.length === 0) continue;
    const code = await runOne(ctx, words);
    if (code !== 0) return code;
    if (ctx.quitRequested) break;
  }
  return 0;
}
