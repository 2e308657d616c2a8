// All shell commands, and turning a list of words into a call of one of them.
//
//   runCommand(ctx, ["get", "-c", "big.bin"])  -> transferCommands' get, args ["big.bin"], flags {"-c"}
//   runCommand(ctx, ["fetch", "x"])            -> throws UsageError: unknown command "fetch"; "help" lists them

import { UsageError } from "../protocol/errors.ts";
import type { CommandContext, CommandSpec } from "./context.ts";
import { fileCommands } from "./files.ts";
import { navigationCommands } from "./navigation.ts";
import { sessionCommands } from "./session.ts";
import { transferCommands } from "./transfers.ts";

export const COMMANDS: CommandSpec[] = [...navigationCommands, ...transferCommands, ...fileCommands, ...sessionCommands];

export function findCommand(name: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  return COMMANDS.find((c) => c.names.includes(lower));
}

/** Split leading -x flags from the arguments ("--" ends them; "-" alone is an argument). */
export function parseArguments(spec: CommandSpec, words: string[]): { args: string[]; flags: Set<string> } {
  const flags = new Set<string>();
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--") {
      i++;
      break;
    }
    if (!w.startsWith("-") || w === "-") break;
    if (!spec.flags?.includes(w)) throw new UsageError(`${spec.names[0]}: unknown option ${w} (usage: ${spec.usage})`);
    flags.add(w);
  }
  const args = words.slice(i);
  if (args.length < spec.min || args.length > spec.max) throw new UsageError(`usage: ${spec.usage}`);
  return { args, flags };
}

export async function runCommand(ctx: CommandContext, words: string[]): Promise<CommandSpec> {
  const [name, ...rest] = words;
  const spec = findCommand(name ?? "");
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(name)}; "help" lists them`);
  // reget and reput are get -c and put -c.
  const implied = ["reget", "reput"].includes(name!.toLowerCase()) ? ["-c"] : [];
  const { args, flags } = parseArguments(spec, [...implied, ...rest]);
  await spec.run(ctx, args, flags);
  return spec;
}
