// Transfer parameters (RFC 959 section 4.1.2). Only the useful combinations exist today:
// stream mode, file structure, ASCII or binary (image) type.
//
//   C: TYPE I         S: 200 Type set to I (binary).
//   C: TYPE A         S: 200 Type set to A (ASCII: line endings are converted).
//   C: MODE S         S: 200 Mode set to S.       (MODE B -> 504)

import { FtpError } from "../protocol/reply.ts";
import type { CommandSpec } from "./spec.ts";

export const paramCommands: CommandSpec[] = [
  {
    name: "TYPE",
    arg: "required",
    auth: true,
    help: "Syntax: TYPE A|I|L 8 (ASCII or binary transfers).",
    handler(s, arg) {
      const t = arg.trim().toUpperCase().replace(/\s+/g, " ");
      if (t === "A" || t === "A N") {
        s.type = "A";
        return s.reply(200, "Type set to A (ASCII: line endings are converted).");
      }
      if (t === "I" || t === "L 8" || t === "L8") {
        s.type = "I";
        return s.reply(200, "Type set to I (binary).");
      }
      throw new FtpError(504, `Type ${JSON.stringify(arg.trim().slice(0, 20))} not supported; use A or I.`);
    },
  },
  {
    name: "MODE",
    arg: "required",
    auth: true,
    help: "Syntax: MODE S (only stream mode is supported).",
    handler(s, arg) {
      if (arg.trim().toUpperCase() !== "S") throw new FtpError(504, "Only MODE S (stream) is supported.");
      s.reply(200, "Mode set to S.");
    },
  },
  {
    name: "STRU",
    arg: "required",
    auth: true,
    help: "Syntax: STRU F (only file structure is supported).",
    handler(s, arg) {
      if (arg.trim().toUpperCase() !== "F") throw new FtpError(504, "Only STRU F (file) is supported.");
      s.reply(200, "Structure set to F.");
    },
  },
];
