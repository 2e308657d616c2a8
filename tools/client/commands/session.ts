// The session itself: status, passive/active, debug, quote, help, quit.
//
//   ftp:/> status
//   Server:    127.0.0.1:2121, explicit FTPS (AUTH TLS): TLSv1.3, TLS_AES_256_GCM_SHA384, ...
//   Account:   anna
//   Quota:     Home: 6 bytes used of 10.0 MB (0%).        (SITE QUOTA, when the server has it)
//   Features:  AUTH TLS, EPRT, EPSV, HASH SHA-256*;SHA-512;SHA-1;MD5, MDTM, ...   (FEAT)
//   ftp:/> debug on
//   ftp:/> quote SYST        C: SYST   S: 215 UNIX Type: L8

import { isPreliminary } from "../protocol/reply-parser.ts";
import { describeTls } from "../protocol/tls-upgrade.ts";
import { UsageError } from "../protocol/errors.ts";
import type { CommandSpec } from "./context.ts";

function onOff(word: string | undefined, current: boolean): boolean {
  if (word === undefined) return !current;
  if (/^(on|yes|1|true)$/i.test(word)) return true;
  if (/^(off|no|0|false)$/i.test(word)) return false;
  throw new UsageError(`expected on or off, not ${JSON.stringify(word)}`);
}

export const sessionCommands: CommandSpec[] = [
  {
    names: ["status"],
    usage: "status",
    summary: "the connection, account, quota (SITE QUOTA) and the server's features (FEAT)",
    args: [],
    min: 0,
    max: 0,
    readOnly: true,
    async run(ctx) {
      const s = ctx.session;
      const { target, login } = s.config;
      const tls = s.tlsSocket;
      const security = target.implicitTls ? "implicit FTPS" : login.explicitTls ? "explicit FTPS (AUTH TLS)" : "plain FTP: password and files travel unencrypted";
      const rows: [string, string][] = [
        ["Server", `${target.host}:${target.port}, ${security}${tls ? `: ${describeTls(tls, target.tls)}` : ""}`],
        ["Greeting", s.greeting ? s.greeting.lines.join(" / ") : "?"],
        ["Account", login.user],
        ["Folder", `${s.cwd} (local: ${process.cwd()})`],
      ];
      const syst = await s.request("SYST");
      if (syst.code === 215) rows.push(["System", syst.message]);
      const passive = s.epsv && !s.memory.noEpsv ? "EPSV, or PASV if refused" : "PASV";
      const active = s.eprt && !s.memory.noEprt ? "EPRT, or PORT if refused" : "PORT";
      rows.push(["Data", `${s.mode} (${s.mode === "passive" ? passive : active}), ${s.protectedData ? "protected with TLS (PROT P)" : "in clear text"}`]);
      const quota = await s.request("SITE QUOTA");
      rows.push(["Quota", quota.code >= 200 && quota.code < 300 ? quota.message.split("\n").map((l) => l.trim()).filter((l) => l && !/^(Quota for|End of quota)/.test(l)).join("; ") || quota.message : `not offered by this server (${quota.code} ${quota.message.split("\n")[0]})`]);
      const features = s.features.lines.map((l) => l.trim()).filter(Boolean);
      rows.push(["Features", features.length ? features.join(", ") : "none (no FEAT)"]);
      const verify = s.features.has("HASH") ? `HASH (${s.features.get("HASH")})` : "SIZE (no HASH)";
      rows.push(["Transfers", `binary (TYPE I); checked with ${ctx.settings.verify ? verify : "nothing (--no-verify)"}; an interrupted one resumes up to ${ctx.settings.retries} times`]);
      for (const [k, v] of rows) ctx.out.result(`${`${k}:`.padEnd(11)}${v}`);
    },
  },
  {
    names: ["passive"],
    usage: "passive [pasv]",
    summary: "passive mode: we connect to the server (EPSV, or PASV; 'passive pasv': PASV only)",
    args: ["word"],
    min: 0,
    max: 1,
    readOnly: true,
    async run(ctx, [variant]) {
      if (variant && !/^(pasv|epsv)$/i.test(variant)) throw new UsageError("passive takes pasv or epsv");
      ctx.session.mode = "passive";
      ctx.session.epsv = !variant || /^epsv$/i.test(variant);
      ctx.out.result(`passive mode (${ctx.session.epsv ? "EPSV, or PASV if refused" : "PASV only"})`);
    },
  },
  {
    names: ["active"],
    usage: "active [port]",
    summary: "active mode: the server connects to us (EPRT, or PORT; 'active port': PORT only)",
    args: ["word"],
    min: 0,
    max: 1,
    readOnly: true,
    async run(ctx, [variant]) {
      if (variant && !/^(port|eprt)$/i.test(variant)) throw new UsageError("active takes port or eprt");
      ctx.session.mode = "active";
      ctx.session.eprt = !variant || /^eprt$/i.test(variant);
      ctx.out.result(`active mode (${ctx.session.eprt ? "EPRT, or PORT if refused" : "PORT only"})`);
    },
  },
  {
    names: ["debug"],
    usage: "debug [on|off]",
    summary: "show the conversation: C: commands, S: replies, D: data connections, T: TLS",
    args: ["word"],
    min: 0,
    max: 1,
    readOnly: true,
    async run(ctx, [word]) {
      ctx.setDebug(onOff(word, ctx.settings.debug));
      ctx.out.result(`debug ${ctx.settings.debug ? "on" : "off"}`);
    },
  },
  {
    names: ["quote", "raw"],
    usage: "quote COMMAND...",
    summary: "send a command as it is and show the reply (quote SYST, quote HELP)",
    args: ["word"],
    repeat: true,
    min: 1,
    max: Infinity,
    async run(ctx, words) {
      const line = words.join(" ");
      if (/^(RETR|STOR|STOU|APPE|LIST|NLST|MLSD)\b/i.test(line)) throw new UsageError("transfers need a data connection: use get, put, ls ...");
      let reply = await ctx.session.request(line);
      ctx.out.result(reply.lines.join("\n"));
      while (isPreliminary(reply)) {
        reply = await (await ctx.session.ensure()).read();
        ctx.out.result(reply.lines.join("\n"));
      }
    },
  },
  {
    names: ["help", "?"],
    usage: "help [COMMAND]",
    summary: "this list, or one command",
    args: ["command"],
    min: 0,
    max: 1,
    readOnly: true,
    async run(ctx, [name]) {
      const all = ctx.commands();
      if (name) {
        const spec = all.find((c) => c.names.includes(name.toLowerCase()));
        if (!spec) throw new UsageError(`no command ${JSON.stringify(name)}; "help" lists them`);
        ctx.out.result(`${spec.usage}\n  ${spec.summary}${spec.names.length > 1 ? `\n  also: ${spec.names.slice(1).join(", ")}` : ""}`);
        return;
      }
      const width = Math.max(...all.map((c) => c.usage.length));
      for (const c of all) ctx.out.result(`  ${c.usage.padEnd(width)}  ${c.summary}`);
    },
  },
  {
    names: ["quit", "exit", "bye"],
    usage: "quit",
    summary: "close the session (QUIT) and leave",
    args: [],
    min: 0,
    max: 0,
    readOnly: true,
    async run(ctx) {
      ctx.quitRequested = true;
    },
  },
];
