//> 0 info-commands
// Commands that describe the server and the session.
//
//   C: SYST        S: 215 UNIX Type: L8
//   C: FEAT        S: 211-Features:
//                  S:  UTF8
//                  S:  SIZE
//                  S: 211 End
//   C: HELP RETR   S: 214 Syntax: RETR <path> (download a file).
//   C: STAT        S: 211-ftp-lab status ... 211 End of status.

import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
//> final opts-utf8-import
import { utf8 } from "../protocol/codec.ts";
//<
//> final hash-option-import
import { hashOption } from "./hash.ts";
//<
//> final opts-mlst-import
import { MLST_FACTS } from "../listing/format.ts";
//<
//> final stat-path-import
import { statPath } from "./listing.ts";
//<
import type { CommandSpec } from "./spec.ts";

/** FEAT lines come from the table: each command that adds a feature says so (RFC 2389). */
function featureLines(s: Session): string[] {
  const lines = new Set<string>();
  for (const spec of s.commands.values()) {
    const feat = typeof spec.feat === "function" ? spec.feat(s) : spec.feat;
    if (feat) lines.add(feat);
  }
  return [...lines].sort();
}

/** HELP without argument: every command name, eight to a line. */
function helpLines(s: Session): string[] {
  const names = [...s.commands.keys()].sort();
  const rows: string[] = [];
  for (let i = 0; i < names.length; i += 8) rows.push(names.slice(i, i + 8).map((n) => n.padEnd(6)).join(" ").trimEnd());
  return ["Recognized commands (HELP <command> for details):", ...rows, "Help OK."];
}

function sessionStatus(s: Session): string[] {
  const data = s.data ? `${s.data.mode} data connection ${s.data.connected ? "open" : "ready"}` : "no data connection";
  return [
    "ftp-lab FTP server status:",
    `Connected from ${s.remoteIp}`,
    s.account ? `Logged in as ${s.account.name}` : "Not logged in",
    `TYPE: ${s.type === "A" ? "ASCII" : "Binary"}, STRUcture: File, MODE: Stream`,
    s.transfer ? `Transfer in progress: ${s.transfer.command} ${s.transfer.path} (${s.transfer.bytes} bytes)` : data,
    "End of status.",
  ];
}

export const infoCommands: CommandSpec[] = [
  {
    name: "NOOP",
    arg: "none",
    auth: false,
    help: "Syntax: NOOP (do nothing; keeps the connection alive).",
    handler: (s) => s.reply(200, "NOOP ok."),
  },
  {
    name: "SYST",
    arg: "none",
    auth: false,
    help: "Syntax: SYST (name the system type).",
    handler: (s) => s.reply(215, "UNIX Type: L8"),
  },
  {
    name: "FEAT",
    arg: "none",
    auth: false,
    help: "Syntax: FEAT (list the extensions this server supports).",
    handler: (s) => s.reply(211, ["Features:", ...featureLines(s), "End"]),
  },
  {
    name: "OPTS",
    arg: "required",
    auth: false,
    help: "Syntax: OPTS UTF8 ON|OFF, or OPTS MLST fact;fact; (set options).",
    feat: "UTF8",
    handler(s, arg) {
      const [option = "", ...rest] = arg.trim().split(/\s+/);
      const value = rest.join(" ");
      switch (option.toUpperCase()) {
        case "UTF8":
        case "UTF-8":
          if (!/^(ON|OFF)?$/i.test(value)) throw new FtpError(501, "Syntax: OPTS UTF8 ON|OFF");
//> final opts-utf8-state
          // Names are always UTF-8 (RFC 2640); OFF is accepted because old clients send it.
          s.utf8 = value.toUpperCase() !== "OFF";
//> final opts-utf8-codec
          // With a legacy encoding (--encoding gbk), a client that asks for UTF-8 gets it.
          s.codec = s.utf8 ? utf8 : s.options.codec;
//<
          return s.reply(200, `UTF8 mode ${s.utf8 ? "enabled" : "disabled"}.`);
//<
//> 0-final opts-utf8-always
          //- // Names are always UTF-8 (RFC 2640); OFF is accepted because old clients send it.
          //- return s.reply(200, `UTF8 mode ${value.toUpperCase() !== "OFF" ? "enabled" : "disabled"}.`);
//<
//> final opts-mlst
        case "MLST": {
          const wanted = value.split(";").map((f) => f.trim().toLowerCase()).filter(Boolean);
          s.mlstFacts = new Set(wanted.filter((f) => (MLST_FACTS as readonly string[]).includes(f)));
          return s.reply(200, `MLST OPTS ${[...s.mlstFacts].map((f) => `${f};`).join("")}`);
        }
//<
//> final opts-hash
        case "HASH":
          return hashOption(s, value);
//<
        default:
          throw new FtpError(501, `Unknown option ${JSON.stringify(option)}.`);
      }
    },
  },
  {
    name: "HELP",
    arg: "optional",
    auth: false,
    help: "Syntax: HELP [<command>] (show help).",
    handler(s, arg) {
      if (!arg.trim()) return s.reply(214, helpLines(s));
      const spec = s.commands.get(arg.trim().toUpperCase());
      if (!spec) throw new FtpError(501, `Unknown command ${JSON.stringify(arg.trim().slice(0, 20))}.`);
      s.reply(214, spec.help);
    },
  },
  {
    name: "STAT",
    arg: "optional",
    auth: false,
    urgent: true,
    help: "Syntax: STAT [<path>] (server status, or a listing on the control connection).",
    async handler(s, arg) {
      if (s.transfer) {
        const t = s.transfer;
        return s.reply(213, `Transfer in progress: ${t.command} ${t.path}, ${t.bytes} bytes so far.`);
      }
      if (!arg.trim()) return s.reply(211, sessionStatus(s));
      s.requireAccount();
//> final stat-path
      await statPath(s, arg);
//<
//> 0-final no-stat-path
      //- throw new FtpError(502, "STAT with a path is not implemented.");
//<
    },
  },
];
//<
