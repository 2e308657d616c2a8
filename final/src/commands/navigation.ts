//> 0 navigation-commands
// Moving around the user's tree. The current folder is a virtual path, kept per session:
// a server must never chdir() (that would move every session at once).
//
//   C: PWD        S: 257 "/" is the current folder.
//   C: CWD docs   S: 250 Folder changed to /docs.
//   C: CDUP       S: 250 Folder changed to /.
//   C: CDUP       S: 550 Path is outside your home folder.

import { checkedPath } from "../fs/open-path.ts";
import { FtpError, quotePath } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import { alias, type CommandSpec } from "./spec.ts";

async function changeFolder(s: Session, arg: string): Promise<void> {
  const vpath = checkedPath(s, arg, "e");
  if ((await s.storage!.stat(vpath)).kind !== "folder") throw new FtpError(550, `${vpath}: not a folder.`);
  s.cwd = vpath;
  s.reply(250, `Folder changed to ${vpath}.`);
}

const pwd: CommandSpec = {
  name: "PWD",
  arg: "none",
  auth: true,
  help: "Syntax: PWD (print the current folder).",
  handler: (s) => s.reply(257, `${quotePath(s.cwd)} is the current folder.`),
};

const cwd: CommandSpec = {
  name: "CWD",
  arg: "required",
  auth: true,
  perm: "e",
  help: "Syntax: CWD <path> (change folder).",
  handler: changeFolder,
};

const cdup: CommandSpec = {
  name: "CDUP",
  arg: "none",
  auth: true,
  perm: "e",
  help: "Syntax: CDUP (go to the parent folder).",
  handler: (s) => changeFolder(s, ".."),
};

export const navigationCommands: CommandSpec[] = [pwd, alias(pwd, "XPWD"), cwd, alias(cwd, "XCWD"), cdup, alias(cdup, "XCUP")];
//<
