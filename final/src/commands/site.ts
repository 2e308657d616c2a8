//> final site-commands
// SITE commands: server-specific extras, with their own small table.
//
//   C: SITE HELP              S: 214-SITE commands: ... 214 Help OK.
//   C: SITE CHMOD 755 run.sh  S: 200 Mode of /run.sh set to 0755.

import { checkedPath } from "../fs/open-path.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./spec.ts";
//> final site-quota-import
import { formatSize } from "../quota.ts";
//<

interface SiteCommand {
  name: string;
  help: string;
  handler(s: Session, arg: string): Promise<void> | void;
}

const siteCommands: SiteCommand[] = [
  {
    name: "HELP",
    help: "SITE HELP (this list)",
    handler: (s) => s.reply(214, ["SITE commands:", ...siteCommands.map((c) => c.help), "Help OK."]),
  },
  {
    name: "CHMOD",
    help: "SITE CHMOD <mode> <path> (change permission bits, e.g. 644)",
    async handler(s, arg) {
      const m = /^([0-7]{1,4})\s+(.+)$/.exec(arg);
      if (!m) throw new FtpError(501, "Syntax: SITE CHMOD <octal mode> <path>");
      const mode = parseInt(m[1]!, 8) & 0o777; // never setuid/setgid/sticky
      const vpath = checkedPath(s, m[2]!, "M");
      if (vpath === "/") throw new FtpError(550, "Not allowed on your home folder.");
      await s.storage!.chmod(vpath, mode);
      s.reply(200, `Mode of ${vpath} set to 0${mode.toString(8)}.`);
    },
  },
//> final site-quota
  {
    name: "QUOTA",
    help: "SITE QUOTA (your disk usage and limits)",
    async handler(s) {
      const quotas = s.options.quotas;
      const account = s.requireAccount();
      const home = s.jail!.realHome;
      if (!quotas) return s.reply(200, "No quotas on this server.");
      const lines = [`Quota for ${account.name}:`];
      const limits = quotas.limitsSeenBy(account.name, home, account.mounts);
      if (limits.length === 0) lines.push("No limits apply to you.");
      for (const limit of limits) {
        const used = await quotas.used(limit.root);
        const where = limit.vpath ? `Virtual folder ${limit.vpath}` : limit.root === home ? "Home" : limit.root.startsWith(home) ? `Folder /${limit.root.slice(home.length + 1)}` : "Shared folder";
        lines.push(`${where}: ${formatSize(used)} used of ${formatSize(limit.bytes)} (${Math.min(100, Math.round((used / limit.bytes) * 100))}%).`);
      }
      s.reply(200, [...lines, "End of quota."]);
    },
  },
//<
];

export const siteCommand: CommandSpec = {
  name: "SITE",
  arg: "required",
  auth: true,
  help: "Syntax: SITE <command> [<args>] (server-specific commands; SITE HELP lists them).",
  async handler(s, arg) {
    const space = arg.indexOf(" ");
    const name = (space === -1 ? arg : arg.slice(0, space)).toUpperCase();
    const rest = space === -1 ? "" : arg.slice(space + 1);
    const command = siteCommands.find((c) => c.name === name);
    if (!command) throw new FtpError(501, `Unknown SITE command ${JSON.stringify(name.slice(0, 20))}; try SITE HELP.`);
    await command.handler(s, rest);
  },
};
//<
