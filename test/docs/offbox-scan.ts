// Finds the commands in the course's markdown that would send traffic off this machine.
//
//   scanMarkdown("lessons/03-masquerade/README.md", text)
//   -> [{ file, line: 143, command: "curl ... --no-ftp-skip-pasv-ip ftp://127.0.0.1:2121/",
//         host: "203.0.113.7", why: "trusts the 227 reply, which names 203.0.113.7 (--nat-address ...)" }]
//
// What a reader would run: the lines of fenced code blocks (not mermaid, ts, ini...: source
// and diagrams are read, not run) and inline code spans that start with a command. A command
// connects when it is a client (curl, wget, lftp, ftp, nc, ncat, netcat, socat, telnet,
// `npm run client`, python3 with ftplib/socket, node -e with net) or a forwarder (npm run
// router --to); its host (URL, positional argument, `open HOST`, connect('HOST', ...), curl -P)
// must be loopback: 127.0.0.0/8, ::1 or localhost.
//
// Addresses that only change what a server SAYS are text, not traffic: `--nat-address X`,
// `-n X`, `--masquerade-map NET=X`, a 227 reply shown on the wire. But a client that trusts
// the address in a 227 reply (curl --no-ftp-skip-pasv-ip, `npm run client --trust-pasv-ip`,
// lftp and ftp unless told to ignore it) then connects to X. So the scan follows, in document
// order, what the server last started in the text announces, and flags such a client when
// that is not loopback. A comment on the client's own line ("# with --nat-address X") says
// which server it talks to.

import ipaddr from "ipaddr.js";

export interface Finding {
  file: string;
  line: number;
  command: string;
  host: string;
  why: string;
}

/** Languages of fenced blocks that are shown, not run. */
const NOT_RUN = new Set(["mermaid", "ts", "typescript", "js", "javascript", "json", "ini", "diff", "text-source"]);

const CLIENTS = new Set(["curl", "wget", "lftp", "ftp", "nc", "ncat", "netcat", "socat", "telnet"]);

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (!ipaddr.isValid(h)) return false;
  const a = ipaddr.process(h);
  return a.range() === "loopback";
}

/** A piece of runnable text and where it starts. */
interface Snippet {
  line: number;
  text: string;
  /** From a fenced block (a whole line) or an inline code span. */
  inline: boolean;
}

/** The runnable snippets of a markdown file, in document order. */
export function snippets(text: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = text.split("\n");
  let fence: { lang: string; marker: string } | null = null;
  let prose: string[] = [];
  let proseStart = 0;
  const flushProse = () => {
    const joined = prose.join("\n");
    for (const m of joined.matchAll(/(`+)([^`]+?)\1/g)) {
      const before = joined.slice(0, m.index);
      out.push({ line: proseStart + before.split("\n").length - 1, text: m[2]!.replace(/\s*\n\s*/g, " ").trim(), inline: true });
    }
    prose = [];
  };
  lines.forEach((raw, i) => {
    const open = /^\s*(```+|~~~+)\s*([\w-]*)/.exec(raw);
    if (fence) {
      if (open && open[1]!.startsWith(fence.marker) && raw.trim().replace(/[`~]/g, "") === "") {
        fence = null;
        return;
      }
      if (!NOT_RUN.has(fence.lang)) out.push({ line: i + 1, text: raw, inline: false });
      return;
    }
    if (open) {
      flushProse();
      fence = { lang: open[2]!.toLowerCase(), marker: open[1]! };
      return;
    }
    if (raw.trim() === "") {
      flushProse();
      return;
    }
    if (prose.length === 0) proseStart = i + 1;
    prose.push(raw);
  });
  flushProse();
  return out;
}

/** Shell-ish words: quotes kept together (without the quotes). */
function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** The command, its trailing comment apart: "curl ... # note" -> ["curl ...", "note"]. */
function splitComment(line: string): [string, string] {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return [line.slice(0, i), line.slice(i + 1)];
  }
  return [line, ""];
}

/** The addresses a server started with these words announces in 227 replies (besides its own). */
function announcedBy(ws: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    const value = (flag: string) => (w === flag ? ws[i + 1] : w.startsWith(`${flag}=`) ? w.slice(flag.length + 1) : undefined);
    const nat = value("--nat-address") ?? value("-n") ?? value("--masquerade-address");
    if (nat !== undefined) out.push(clean(nat));
    const map = value("--masquerade-map");
    if (map !== undefined) for (const rule of map.split(",")) if (rule.includes("=")) out.push(clean(rule.slice(rule.indexOf("=") + 1)));
  }
  return out;
}

/** "192.168.1.10:" at the end of a sentence is 192.168.1.10. */
function clean(address: string): string {
  return ipaddr.isValid(address) ? address : address.replace(/[,;:.)]+$/, "");
}

/** Starts an FTP server (ours in any stage, pyftpdlib): what it announces replaces what was. */
function startsServer(ws: readonly string[]): boolean {
  const line = ws.join(" ");
  return (
    /^npm run (serve|start)\b/.test(line) ||
    /^npm start\b/.test(line) ||
    /^(npx tsx|node( --import tsx)?) \S*src\/main\.ts\b/.test(line) ||
    ws[0] === "ftpd" ||
    /^python3? -m pyftpdlib\b/.test(line)
  );
}

/** A bare flag fragment in prose ("restart the server with `--nat-address 127.0.0.2`"). */
function isServerFlags(ws: readonly string[]): boolean {
  return ws.length > 0 && /^(--nat-address|-n|--masquerade-map|--masquerade-address)(=|$)/.test(ws[0]!);
}

/** Hosts a URL-ish word names: ftp://user:pw@host:port/path, [::1], host:port. */
function urlHost(word: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(word);
  return m ? m[1]!.replace(/^\[|\]$/g, "") : null;
}

interface Target {
  host: string;
  how: string;
}

/** Where a client command connects, as written. */
function targets(ws: readonly string[], whole: string): Target[] {
  const out: Target[] = [];
  for (const w of ws) {
    const h = urlHost(w);
    if (h) out.push({ host: h, how: `the URL ${w}` });
  }
  const prog = ws[0]!;
  // Positional hosts: nc/telnet/lftp/ftp HOST [PORT]; options that take a value are skipped.
  const valueFlags: Record<string, Set<string>> = {
    nc: new Set(["-w", "-q", "-p", "-s", "-i", "-W", "-x", "-X", "-O", "-I", "-T", "-V"]),
    ncat: new Set(["-w", "-i", "-p", "-s", "-e", "-c", "--sh-exec", "-o", "-x"]),
    netcat: new Set(["-w", "-q", "-p", "-s", "-i"]),
    telnet: new Set(["-l", "-e", "-b", "-n"]),
    lftp: new Set(["-u", "-p", "-e", "-c", "-f", "--user", "--password", "--env-password"]),
    ftp: new Set(["-P", "-o", "-r", "-s", "-T", "-u"]),
  };
  // nc -l PORT (ncat/netcat alike) listens on this machine: it connects nowhere.
  const listens = ["nc", "ncat", "netcat"].includes(prog) && ws.some((w) => /^-[a-zA-Z]*l/.test(w) || w === "--listen");
  if (prog in valueFlags && !listens) {
    const takes = valueFlags[prog]!;
    for (let i = 1; i < ws.length; i++) {
      const w = ws[i]!;
      if (w.startsWith("-")) {
        if (takes.has(w)) i++;
        continue;
      }
      if (!urlHost(w)) out.push({ host: w, how: `the host ${w}` });
      break;
    }
  }
  // Scripts: lftp -e 'open HOST', the course client's "open HOST".
  // ("open" as a command, not inside a word such as the password in "dora:open sesame")
  for (const m of whole.matchAll(/(?<![\w:])open\s+(?:-[a-z]\s+\S+\s+)*([A-Za-z0-9.:[\]_-]+)/g)) {
    if (!urlHost(m[1]!)) out.push({ host: m[1]!, how: `open ${m[1]}` });
  }
  // Code: connect('HOST', ...), FTP('HOST'), create_connection(('HOST', ...)), net.connect(PORT, 'HOST').
  for (const m of whole.matchAll(/\b(?:connect|FTP|FTP_TLS|create_connection|createConnection)\(\s*\(?\s*(?:\d+\s*,\s*)?["']([^"']+)["']/g)) {
    out.push({ host: m[1]!, how: `connect to "${m[1]}"` });
  }
  for (const m of whole.matchAll(/\bhost\s*[:=]\s*["']([^"']+)["']/g)) out.push({ host: m[1]!, how: `host "${m[1]}"` });
  // node -e SCRIPT HOST PORT, python3 -c SCRIPT HOST PORT: addresses given to the script.
  if ((prog === "node" || /^python3?$/.test(prog)) && (ws[1] === "-e" || ws[1] === "-c")) {
    for (const w of ws.slice(3)) {
      const bare = w.replace(/^\[|\]$/g, "");
      // "2121" is a valid IPv4 address to ipaddr.js: only dotted quads and IPv6 count here.
      if (ipaddr.IPv4.isValidFourPartDecimal(bare) || (bare.includes(":") && ipaddr.IPv6.isValid(bare)) || w === "localhost" || /^[a-z][\w-]*(\.[\w-]+)+$/i.test(w)) out.push({ host: w, how: `the argument ${w}` });
    }
  }
  // curl -P ADDR: the server connects to ADDR (active mode). "-" means "the control's address".
  if (prog === "curl") {
    for (let i = 1; i < ws.length - 1; i++) {
      if (ws[i] === "-P" || ws[i] === "--ftp-port") {
        const a = ws[i + 1]!.replace(/:.*$/, "");
        if (a !== "-" && ipaddr.isValid(a)) out.push({ host: a, how: `the active-mode address ${ws[i + 1]}` });
      }
    }
  }
  return out;
}

type Kind = "client" | "router" | null;

function kindOf(ws: readonly string[]): Kind {
  const prog = ws[0] ?? "";
  if (CLIENTS.has(prog)) return "client";
  const line = ws.join(" ");
  if (/^npm run client\b/.test(line) || /^(npx tsx|node( --import tsx)?) \S*tools\/client\//.test(line)) return "client";
  if (/^python3?$/.test(prog) && /ftplib|socket|telnetlib|urllib|http\.client/.test(line)) return "client";
  if (prog === "node" && /\bnet\b|createConnection|connect\(/.test(line)) return "client";
  if (/^npm run router\b/.test(line)) return "router";
  return null;
}

/** Does this client connect where a 227 reply says? */
function trustsPasv(ws: readonly string[], whole: string): boolean {
  const prog = ws[0] ?? "";
  if (prog === "curl") return ws.includes("--no-ftp-skip-pasv-ip");
  if (/^npm run client\b/.test(ws.join(" ")) || /tools\/client\//.test(whole)) return ws.includes("--trust-pasv-ip");
  if (prog === "lftp") return !/ftp:ignore-pasv-address\s+(yes|true|on)/.test(whole) && !/ftp:prefer-epsv\s+(yes|true|on)/.test(whole);
  if (prog === "ftp") return true;
  return false;
}

/** Splits at && || ; | outside quotes. */
function splitCommands(code: string): string[] {
  const out: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === ";" || c === "|" || (c === "&" && code[i + 1] === "&")) {
      out.push(code.slice(start, i));
      if (code[i + 1] === c) i++;
      start = i + 1;
    }
  }
  out.push(code.slice(start));
  return out;
}

/** Commands of a snippet: prompts and continuations handled, split at && || ; |. */
function commandsOf(snippet: Snippet): Array<{ command: string; comment: string }> {
  const text = snippet.text.replace(/^\s*[$%]\s+/, "").trim();
  if (text === "" || /^(C|S|D):/.test(text) || text.startsWith("#")) return [];
  const [code, comment] = splitComment(text);
  return splitCommands(code)
    .map((c) => c.trim().replace(/^(sudo|time|exec|env \S+=\S+)\s+/, ""))
    .filter((c) => c !== "")
    .map((command) => ({ command, comment }));
}

export function scanMarkdown(file: string, markdown: string): Finding[] {
  const findings: Finding[] = [];
  let announced: string[] = [];
  let announcedFrom = "";
  // Fenced lines ending in "\" continue on the next line.
  const all = snippets(markdown);
  const merged: Snippet[] = [];
  for (const s of all) {
    const last = merged[merged.length - 1];
    if (last && !last.inline && !s.inline && /\\\s*$/.test(last.text) && s.line === last.line + 1 + (last.text.split("\n").length - 1)) {
      last.text = `${last.text.replace(/\\\s*$/, "")}\n${s.text}`;
      continue;
    }
    merged.push({ ...s });
  }
  for (const snippet of merged) {
    for (const { command, comment } of commandsOf({ ...snippet, text: snippet.text.replace(/\n/g, " ") })) {
      const ws = words(command);
      if (ws.length === 0) continue;
      // A server started in a code block is what the reader runs next; one named in prose
      // ("with your server running (`npm run serve N`)") changes nothing unless it says what
      // the server announces.
      if (startsServer(ws) && (!snippet.inline || announcedBy(ws).length > 0)) {
        announced = announcedBy(ws);
        announcedFrom = command;
        continue;
      }
      if (isServerFlags(ws)) {
        announced = announcedBy(ws);
        announcedFrom = command;
        continue;
      }
      const kind = kindOf(ws);
      if (kind === null) continue;
      if (kind === "router") {
        const to = ws.indexOf("--to");
        const host = to >= 0 ? ws[to + 1] : undefined;
        if (host && !isLoopback(host)) findings.push({ file, line: snippet.line, command, host, why: `the router forwards to --to ${host}` });
        continue;
      }
      const direct = targets(ws, command);
      for (const t of direct) {
        if (!isLoopback(t.host)) findings.push({ file, line: snippet.line, command, host: t.host, why: `connects to ${t.how}` });
      }
      if (direct.length === 0 || !trustsPasv(ws, command)) continue;
      // The server this client talks to: its own comment, or the last one started above.
      const own = announcedBy(words(comment));
      const says = own.length ? own : announced;
      const from = own.length ? `its comment: ${comment.trim()}` : announcedFrom;
      for (const host of says) {
        if (!isLoopback(host)) findings.push({ file, line: snippet.line, command, host, why: `trusts the 227 reply, which names ${host} (${from})` });
      }
    }
  }
  return findings;
}

/** Every command snippet the scan looked at, with its kind: for a test that the scan sees enough. */
export function connectingCommands(markdown: string): string[] {
  const out: string[] = [];
  for (const snippet of snippets(markdown)) {
    for (const { command } of commandsOf(snippet)) {
      const ws = words(command);
      if (ws.length && kindOf(ws) !== null) out.push(command);
    }
  }
  return out;
}
