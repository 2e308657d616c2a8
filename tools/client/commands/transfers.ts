// Moving files: get, put (resumable, checked), mget and mput with wildcards, cat.
//
//   ftp:/> get big.bin
//   get big.bin [============================] 100% 1.0 MB/1.0 MB 9.8 MB/s ETA 0.0 s
//   get big.bin: 1.0 MB in 0.1 s (9.8 MB/s); verified: SHA-256 3a7bd3e2360a3d29… matches the server's
//   ftp:/> mput *.txt           (each local match, like put)
//   ftp:/> mget docs/*.md       (each match in docs/ on the server, like get)

import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { CommandError, messageOf } from "../protocol/errors.ts";
import { download } from "../transfer/download.ts";
import type { TransferSummary } from "../transfer/options.ts";
import { upload } from "../transfer/upload.ts";
import { formatBytes, formatRate } from "../ui/format.ts";
import { globMatcher, hasWildcards, joinPath, splitGlob } from "../ui/glob.ts";
import type { CommandContext, CommandSpec } from "./context.ts";

function summary(what: string, s: TransferSummary): string {
  const parts: string[] = [];
  if (s.alreadyComplete) parts.push(`${what}: complete already (${formatBytes(s.size)})`);
  else {
    const rate = s.seconds > 0 ? `, ${formatRate(s.moved / s.seconds)}` : "";
    parts.push(`${what}: ${formatBytes(s.moved)} in ${s.seconds.toFixed(1)} s${rate}`);
    if (s.resumedAt.length) parts.push(`resumed at ${s.resumedAt.map(formatBytes).join(", ")} of ${formatBytes(s.size)}`);
  }
  const head = parts.join(", ");
  return s.verification ? `${head}; verified: ${s.verification.text}` : head;
}

/** Where a download goes: the name's last part, inside LOCAL if that is a folder. */
async function localTarget(remote: string, local: string | undefined): Promise<string> {
  const base = path.posix.basename(remote);
  if (!local) return base;
  const st = await stat(local).catch(() => null);
  return st?.isDirectory() ? path.join(local, base) : local;
}

async function getOne(ctx: CommandContext, remote: string, local: string | undefined, resume: boolean): Promise<void> {
  const target = await localTarget(remote, local);
  const result = await download(ctx.session, remote, target, ctx.transferOptions(resume));
  ctx.out.result(summary(`get ${remote}`, result));
}

async function putOne(ctx: CommandContext, local: string, remote: string | undefined, resume: boolean): Promise<void> {
  const target = remote ?? path.basename(local);
  const result = await upload(ctx.session, local, target, ctx.transferOptions(resume));
  ctx.out.result(summary(`put ${target}`, result));
}

/** Run `each` for every item, go on after a failure, and fail at the end if any did. */
async function forEach(ctx: CommandContext, items: string[], each: (item: string) => Promise<void>): Promise<void> {
  const failed: string[] = [];
  for (const item of items) {
    if (ctx.signal?.aborted) break;
    try {
      await each(item);
    } catch (err) {
      ctx.out.error(`${item}: ${messageOf(err)}`);
      failed.push(item);
    }
  }
  if (ctx.signal?.aborted) throw new CommandError("interrupted");
  if (failed.length) throw new CommandError(`${failed.length} of ${items.length} failed: ${failed.join(", ")}`);
}

async function remoteMatches(ctx: CommandContext, pattern: string): Promise<string[]> {
  if (!hasWildcards(pattern)) return [pattern];
  const { dir, pattern: name } = splitGlob(pattern);
  const match = globMatcher(name);
  const entries = await ctx.session.entries(dir || undefined);
  const names = entries.filter((e) => e.type !== "dir" && match(e.name)).map((e) => joinPath(dir, e.name));
  if (names.length === 0) throw new CommandError(`no files on the server match ${pattern}`);
  return names.sort();
}

async function localMatches(pattern: string): Promise<string[]> {
  if (!hasWildcards(pattern)) return [pattern];
  const { dir, pattern: name } = splitGlob(pattern);
  const match = globMatcher(name);
  const found: string[] = [];
  for (const entry of await readdir(dir || ".", { withFileTypes: true })) {
    if (entry.isFile() && match(entry.name)) found.push(joinPath(dir, entry.name));
  }
  if (found.length === 0) throw new CommandError(`no local files match ${pattern}`);
  return found.sort();
}

export const transferCommands: CommandSpec[] = [
  {
    names: ["get", "reget"],
    usage: "get [-c] REMOTE [LOCAL]",
    summary: "download (into REMOTE.part until complete; an interrupted get continues; -c also continues a short LOCAL)",
    args: ["remote", "local"],
    flags: ["-c"],
    min: 1,
    max: 2,
    readOnly: true,
    async run(ctx, [remote, local], flags) {
      await getOne(ctx, remote!, local, flags.has("-c"));
    },
  },
  {
    names: ["put", "reput"],
    usage: "put [-c] LOCAL [REMOTE]",
    summary: "upload (-c: continue where the server's copy ends: SIZE, then REST+STOR or APPE)",
    args: ["local", "remote"],
    flags: ["-c"],
    min: 1,
    max: 2,
    async run(ctx, [local, remote], flags) {
      await putOne(ctx, local!, remote, flags.has("-c"));
    },
  },
  {
    names: ["mget"],
    usage: "mget [-c] PATTERN...",
    summary: "download every file matching (*, ?, [abc]; e.g. mget *.txt docs/*.md)",
    args: ["remote"],
    repeat: true,
    flags: ["-c"],
    min: 1,
    max: Infinity,
    readOnly: true,
    async run(ctx, patterns, flags) {
      const names: string[] = [];
      for (const p of patterns) names.push(...(await remoteMatches(ctx, p)));
      await forEach(ctx, names, (name) => getOne(ctx, name, undefined, flags.has("-c")));
    },
  },
  {
    names: ["mput"],
    usage: "mput [-c] PATTERN...",
    summary: "upload every local file matching (*, ?, [abc])",
    args: ["local"],
    repeat: true,
    flags: ["-c"],
    min: 1,
    max: Infinity,
    async run(ctx, patterns, flags) {
      const names: string[] = [];
      for (const p of patterns) names.push(...(await localMatches(p)));
      await forEach(ctx, names, (name) => putOne(ctx, name, undefined, flags.has("-c")));
    },
  },
  {
    names: ["cat"],
    usage: "cat REMOTE",
    summary: "print a file from the server (RETR, to stdout)",
    args: ["remote"],
    min: 1,
    max: 1,
    readOnly: true,
    async run(ctx, [remote]) {
      const out = ctx.out.stdout;
      await ctx.session.transfer({
        command: `RETR ${remote}`,
        direction: "download",
        async move(socket) {
          let bytes = 0;
          for await (const chunk of socket) {
            bytes += (chunk as Buffer).length;
            out.write(chunk as Buffer);
          }
          return bytes;
        },
      });
    },
  },
];
