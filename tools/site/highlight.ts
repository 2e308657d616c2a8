// Syntax highlighting at build time (highlight.js): fenced code in the pages and the source
// views. Fences without a language are guessed narrowly: shell commands (npm, curl, lftp ...)
// and FTP transcripts (`C: USER anna` / `S: 331 ...`, a small language of our own); anything
// else stays plain text.

import hljs from "highlight.js";

const FTP_VERBS =
  "ABOR ACCT ALLO APPE AUTH CCC CDUP CWD DELE EPRT EPSV FEAT HASH HELP LIST MDTM MFMT MKD MLSD MLST MODE NLST NOOP OPTS PASS PASV PBSZ PORT PROT PWD QUIT REIN REST RETR RMD RNFR RNTO SITE SIZE SMNT STAT STOR STOU STRU SYST TYPE USER XCUP XCWD XMD5 XMKD XPWD XRMD XSHA1 XSHA256";

hljs.registerLanguage("ftp", () => ({
  name: "FTP transcript",
  case_insensitive: false,
  contains: [
    // "C:" and "S:" at the start of a line: who speaks.
    { className: "meta", begin: /^[CS]:/m, relevance: 10 },
    // A reply code at the start of a server line ("331 ", "150-").
    { className: "number", begin: /(?<=^S:\s+)[1-5]\d\d(?=[ -])/m },
    { className: "keyword", begin: new RegExp(`(?<=^C:\\s+)(?:${FTP_VERBS.split(" ").join("|")})\\b`, "m") },
    // Explanations set off by spaces: "C: PORT ...        (I listen on ...)".
    { className: "comment", begin: /\s{3,}\(/, end: /\)\s*$/m },
  ],
}));

/** highlight.js names for the info strings the course uses. */
const ALIASES: Record<string, string> = {
  ts: "typescript",
  tsx: "typescript",
  mts: "typescript",
  cts: "typescript",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  sh: "bash",
  shell: "bash",
  console: "bash",
  zsh: "bash",
  md: "markdown",
  yml: "yaml",
  conf: "ini",
  toml: "ini",
  py: "python",
};

/** The highlight.js language for an info string ("ts" -> "typescript"), or null for plain text. */
export function languageFor(info: string): string | null {
  const lang = info.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  if (lang === "" || lang === "text" || lang === "txt" || lang === "plain") return null;
  const name = ALIASES[lang] ?? lang;
  return hljs.getLanguage(name) ? name : null;
}

const COMMANDS = /^(?:\$ )?(?:npm|npx|node|curl|lftp|python3?|nc|tcpdump|git|sudo|iptables|cd|ls|cat|mkdir|openssl|export|#)(?:\s|$)/;

/** A language for a fence without one: shell commands, an FTP transcript, or null. */
export function guessLanguage(code: string): string | null {
  const lines = code.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return null;
  if (lines.every((l) => COMMANDS.test(l.trimStart()))) return "bash";
  const spoken = lines.filter((l) => /^[CS]:/.test(l)).length;
  if (spoken > 0 && lines.every((l) => /^[CS]:|^\s/.test(l))) return "ftp";
  return null;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Highlighted HTML for `code` in `language` (escaped plain text for null). */
export function highlight(code: string, language: string | null): string {
  if (language === null) return escapeHtml(code);
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

/**
 * Highlighted HTML cut into lines, each with its own balanced <span>s (a comment or string
 * that spans lines is closed at the end of each line and reopened on the next), for the
 * line-numbered source views.
 */
export function highlightLines(code: string, language: string | null): string[] {
  const html = highlight(code, language);
  const lines: string[] = [];
  const open: string[] = [];
  let current = "";
  const tag = /<span[^>]*>|<\/span>|\n|[^<\n]+|</g;
  for (const m of html.matchAll(tag)) {
    const piece = m[0];
    if (piece === "\n") {
      lines.push(current + "</span>".repeat(open.length));
      current = open.join("");
    } else if (piece.startsWith("<span")) {
      open.push(piece);
      current += piece;
    } else if (piece === "</span>") {
      open.pop();
      current += piece;
    } else {
      current += piece;
    }
  }
  lines.push(current + "</span>".repeat(open.length));
  return lines;
}

/** highlight.js's language for a file name, or null. */
export function languageForFile(file: string): string | null {
  const ext = /\.([^./]+)$/.exec(file)?.[1]?.toLowerCase() ?? "";
  const byExt: Record<string, string> = {
    ts: "typescript",
    tsx: "typescript",
    mts: "typescript",
    cts: "typescript",
    js: "javascript",
    mjs: "javascript",
    cjs: "javascript",
    json: "json",
    md: "markdown",
    ini: "ini",
    sh: "bash",
    py: "python",
    yml: "yaml",
    yaml: "yaml",
    css: "css",
    html: "xml",
    txt: "plaintext",
  };
  if (/(^|\/)\.ci\/run$/.test(file)) return "bash";
  const lang = byExt[ext];
  return lang && lang !== "plaintext" && hljs.getLanguage(lang) ? lang : null;
}
