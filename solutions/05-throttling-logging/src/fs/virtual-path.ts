// Every user sees a tree whose root "/" is their home folder. Paths the client sends are
// joined to the current folder and normalized without touching the disk:
//
//   cwd "/docs", arg "notes.txt"     -> "/docs/notes.txt"
//   cwd "/docs", arg "../pub/./a"    -> "/pub/a"
//   cwd "/",     arg "/etc/passwd"   -> "/etc/passwd"   (inside the home: home/etc/passwd)
//   cwd "/",     arg ".."            -> refused: it would leave the home
//
// Refusing (rather than quietly staying at "/") tells the user plainly where the wall is.

import { posix } from "node:path";
import { FtpError } from "../protocol/reply.ts";

export function resolveVirtual(cwd: string, arg: string): string {
  arg = unpadCR(arg);
  if (arg.includes("\0")) throw new FtpError(501, "Path names may not contain NUL bytes.");
  const joined = arg.startsWith("/") ? arg : `${cwd}/${arg}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) throw new FtpError(550, "Path is outside your home folder.");
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return `/${parts.join("/")}`;
}

/**
 * RFC 2640 section 3.1: a CR in a path name travels as CR NUL (listings send it so), and the
 * receiver takes CR NUL as CR. Any other NUL is still refused: no name on disk holds one.
 */
function unpadCR(arg: string): string {
  return arg.includes("\r\0") ? arg.replace(/\r\0/g, "\r") : arg;
}

export function virtualBasename(vpath: string): string {
  return posix.basename(vpath);
}

export function virtualDirname(vpath: string): string {
  return posix.dirname(vpath);
}
