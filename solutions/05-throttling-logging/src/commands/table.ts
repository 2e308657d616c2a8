// The command table: every command the server understands, in one place. The session looks
// commands up here; HELP lists it; FEAT collects the features its entries declare.

import { dataSetupCommands } from "./data-setup.ts";
import { infoCommands } from "./info.ts";
import { listingCommands } from "./listing.ts";
import { loginCommands } from "./login.ts";
import { navigationCommands } from "./navigation.ts";
import { paramCommands } from "./params.ts";
import type { CommandSpec } from "./spec.ts";
import { transferCommands } from "./transfer.ts";

export function buildCommandTable(): Map<string, CommandSpec> {
  const table = new Map<string, CommandSpec>();
  const all = [
    ...loginCommands,
    ...infoCommands,
    ...paramCommands,
    ...navigationCommands,
    ...dataSetupCommands,
    ...listingCommands,
    ...transferCommands,
  ];
  for (const spec of all) {
    if (table.has(spec.name)) throw new Error(`command ${spec.name} is defined twice`);
    table.set(spec.name, spec);
  }
  return table;
}
