// Looking around: ls, nls, cd, pwd on the server; lcd, lpwd, lls on this machine.
//
//   ftp:/> ls                 C: EPSV ... C: LIST   (the server's own format, for people)
//   -rw-r--r-- 1 ftp ftp 6 Jan 01 12:00 a.txt
//   ftp:/> cd docs            C: CWD docs  S: 250 ...  C: PWD  S: 257 "/docs" ...
//   ftp:/docs> lcd /tmp       (where get puts files and put takes them from)

import { readdir, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CommandError } from "../protocol/errors.ts";
import { formatBytes } from "../ui/format.ts";
import type { CommandSpec } from "./context.ts";

export const navigationCommands: CommandSpec[] = [
  {
    names: ["ls", "dir"],
    usage: "ls [PATH]",
    summary: "list a folder on the server (LIST, in the server's format)",
    args: ["remote"],
    min: 0,
    max: 1,
    readOnly: true,
    async run(ctx, [where]) {
      const text = await ctx.session.listing("LIST", where);
      if (text.trim()) ctx.out.result(text.replace(/\r\n/g, "\n").trimEnd());
    },
  },
  {
    names: ["nls"],
    usage: "nls [PATH]",
    summary: "names only (NLST)",
    args: ["remote"],
    min: 0,
    max: 1,
    readOnly: true,
    async run(ctx, [where]) {
      const text = await ctx.session.listing("NLST", where);
      if (text.trim()) ctx.out.result(text.replace(/\r\n/g, "\n").trimEnd());
    },
  },
  {
    names: ["cd", "cwd"],
    usage: "cd PATH",
    summary: "change the folder on the server (CWD; cd .. goes up)",
    args: ["remote-dir"],
    min: 1,
    max: 1,
    readOnly: true,
    async run(ctx, [where]) {
      await ctx.session.cd(where!);
    },
  },
  {
    names: ["pwd"],
    usage: "pwd",
    summary: "the folder on the server (PWD)",
    args: [],
    min: 0,
    max: 0,
    readOnly: true,
    async run(ctx) {
      ctx.out.result(await ctx.session.pwd());
    },
  },
  {
    names: ["lcd"],
    usage: "lcd [FOLDER]",
    summary: "change the local folder (default: your home)",
    args: ["local"],
    min: 0,
    max: 1,
    readOnly: true,
    async run(ctx, [where]) {
      const target = path.resolve(where ?? os.homedir());
      try {
        process.chdir(target);
      } catch (err) {
        throw new CommandError(`cannot change to ${target}: ${(err as NodeJS.ErrnoException).code ?? err}`);
      }
      ctx.out.result(`local folder: ${process.cwd()}`);
    },
  },
  {
    names: ["lpwd"],
    usage: "lpwd",
    summary: "the local folder",
    args: [],
    min: 0,
    max: 0,
    readOnly: true,
    async run(ctx) {
      ctx.out.result(process.cwd());
    },
  },
  {
    names: ["lls"],
    usage: "lls [FOLDER]",
    summary: "list a local folder (sizes; .part files are interrupted downloads)",
    args: ["local"],
    min: 0,
    max: 1,
    readOnly: true,
    async run(ctx, [where]) {
      const dir = path.resolve(where ?? ".");
      const names = (await readdir(dir)).sort();
      for (const name of names) {
        const st = await stat(path.join(dir, name)).catch(() => null);
        ctx.out.result(st?.isDirectory() ? `${name}/` : `${name}  ${st ? formatBytes(st.size) : "?"}`);
      }
    },
  },
];
