// Changing things on the server: mkdir, rmdir, rm, rename, and size to ask about a file.
//
//   ftp:/> mkdir docs            C: MKD docs             S: 257 "/docs" created.
//   ftp:/> rename a.txt b.txt    C: RNFR a.txt           S: 350 Ready for RNTO.
//                                C: RNTO b.txt           S: 250 Renamed.
//   ftp:/> rm b.txt              C: DELE b.txt           S: 250 Deleted.

import { FtpReplyError } from "../protocol/errors.ts";
import { formatBytes } from "../ui/format.ts";
import type { CommandSpec } from "./context.ts";

export const fileCommands: CommandSpec[] = [
  {
    names: ["mkdir"],
    usage: "mkdir FOLDER",
    summary: "make a folder (MKD)",
    args: ["remote-dir"],
    min: 1,
    max: 1,
    async run(ctx, [name]) {
      ctx.show(await ctx.session.expect(`MKD ${name}`, [257, 250]));
    },
  },
  {
    names: ["rmdir"],
    usage: "rmdir FOLDER",
    summary: "remove an empty folder (RMD)",
    args: ["remote-dir"],
    min: 1,
    max: 1,
    async run(ctx, [name]) {
      ctx.show(await ctx.session.expect(`RMD ${name}`, [250]));
    },
  },
  {
    names: ["rm", "delete"],
    usage: "rm FILE...",
    summary: "delete files (DELE)",
    args: ["remote"],
    repeat: true,
    min: 1,
    max: Infinity,
    async run(ctx, names) {
      for (const name of names) ctx.show(await ctx.session.expect(`DELE ${name}`, [250, 200]));
    },
  },
  {
    names: ["rename", "mv"],
    usage: "rename FROM TO",
    summary: "rename or move (RNFR, then RNTO)",
    args: ["remote", "remote"],
    min: 2,
    max: 2,
    async run(ctx, [from, to]) {
      const first = await ctx.session.request(`RNFR ${from}`);
      if (first.code !== 350) throw new FtpReplyError(first, "RNFR");
      ctx.show(await ctx.session.expect(`RNTO ${to}`, [250, 200]));
    },
  },
  {
    names: ["size"],
    usage: "size FILE",
    summary: "a file's size on the server (SIZE)",
    args: ["remote"],
    min: 1,
    max: 1,
    readOnly: true,
    async run(ctx, [name]) {
      const reply = await ctx.session.expect(`SIZE ${name}`, [213]);
      const n = Number(reply.message.trim());
      ctx.out.result(`${name}: ${n} bytes${n >= 1024 ? ` (${formatBytes(n)})` : ""}`);
    },
  },
];
