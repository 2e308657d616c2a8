//> 0 command-table
// The command table: every command the server understands, in one place. The session looks
// commands up here; HELP lists it; FEAT collects the features its entries declare.

import { dataSetupCommands } from "./data-setup.ts";
//> final files-import
import { fileCommands } from "./files.ts";
//<
//> final tls-import
import { tlsCommands } from "./tls.ts";
//<
//> final hash-import
import { hashCommands } from "./hash.ts";
//<
import { infoCommands } from "./info.ts";
import { listingCommands } from "./listing.ts";
import { loginCommands } from "./login.ts";
import { navigationCommands } from "./navigation.ts";
import { paramCommands } from "./params.ts";
//> final site-import
import { siteCommand } from "./site.ts";
//<
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
//> final files-table
    ...fileCommands,
//<
//> final site-table
    siteCommand,
//<
//> final tls-table
    ...tlsCommands,
//<
//> final hash-table
    ...hashCommands,
//<
  ];
  for (const spec of all) {
    if (table.has(spec.name)) throw new Error(`command ${spec.name} is defined twice`);
    table.set(spec.name, spec);
  }
  return table;
}
//<
