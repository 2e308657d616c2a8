// markdown-it as the site uses it: raw HTML allowed (the lessons fold reference code in
// <details>, with blank lines so that what is inside is still Markdown), heading anchors,
// highlight.js at build time, mermaid fences left for the browser, README excerpts replaced
// by the code as it stands in the real files (with a caption linking to it), and every link
// rewritten and checked through Links (with the Markdown file and line of each).

import markdownIt from "markdown-it";
import type { Env, MarkdownIt, StateCore, Token } from "markdown-it";
import anchor from "markdown-it-anchor";
import { escapeHtml, guessLanguage, highlight, languageFor } from "./highlight.ts";
import type { Links } from "./links.ts";

/** Code to show instead of a README's excerpt fence, and where it comes from. */
export interface ExcerptFill {
  body: string;
  /** Caption HTML above the code (already escaped, links relative to the page). */
  caption: string;
  language: string | null;
}

/** Per-render state (markdown-it's `env`). */
export interface RenderEnv extends Env {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** The page's url, relative to the site root. */
  url: string;
  /** The whole file's lines (to find which line a link is on). */
  lines: string[];
  /** Added to markdown-it's line numbers (when a part of the file is rendered alone). */
  lineOffset: number;
  links: Links;
  /** Replacement code for excerpt fences, by the 0-based line of the opening fence. */
  excerpts: ReadonlyMap<number, ExcerptFill>;
  /** Lines of the excerpt fences that were found and replaced. */
  usedExcerpts: Set<number>;
  /** Counts for the whole page (shared by its parts). */
  stats: { diagrams: number };
  /** markdown-it-anchor's record of the ids used so far on the page. */
  markdownItAnchor?: Record<string, boolean>;
}

/** GitHub's heading ids: lower case, punctuation dropped, spaces to dashes. */
export function slugify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

export function createMarkdown(): MarkdownIt {
  const md = markdownIt({ html: true, linkify: true, typographer: false });
  md.use(anchor, {
    level: [1, 2, 3, 4],
    slugify,
    tabIndex: false,
    permalink: anchor.permalink.linkInsideHeader({ symbol: "#", placement: "after", class: "anchor", ariaHidden: true }),
  });
  md.core.ruler.push("site_excerpts", (state) => fillExcerpts(state));
  md.core.ruler.push("site_links", (state) => rewriteLinks(state));

  md.renderer.rules.fence = (tokens, idx, _options, rawEnv) => {
    const env = rawEnv as RenderEnv;
    const token = tokens[idx]!;
    const info = token.info.trim().split(/\s+/)[0] ?? "";
    if (info === "mermaid") {
      env.stats.diagrams++;
      return `<figure class="diagram"><pre class="mermaid">${escapeHtml(token.content)}</pre></figure>\n`;
    }
    const fill = (token.meta?.["excerpt"] as ExcerptFill | undefined) ?? null;
    const language = fill ? fill.language : info ? languageFor(info) : guessLanguage(token.content);
    const code = codeBlock(token.content, language, info);
    if (!fill) return code;
    return `<figure class="excerpt"><figcaption>${fill.caption}</figcaption>${code}</figure>\n`;
  };
  md.renderer.rules.code_block = (tokens, idx) => codeBlock(tokens[idx]!.content, null, "");
  // Tables scroll sideways on narrow screens.
  md.renderer.rules.table_open = () => `<div class="table-wrap"><table>\n`;
  md.renderer.rules.table_close = () => `</table></div>\n`;
  return md;
}

function codeBlock(content: string, language: string | null, info: string): string {
  const cls = language ? `hljs language-${language}` : "hljs nohighlight";
  const label = info && info !== "mermaid" ? ` data-lang="${escapeHtml(info)}"` : language ? ` data-lang="${language === "ftp" ? "ftp" : language}"` : "";
  return `<pre class="code"${label}><code class="${cls}">${highlight(content, language)}</code></pre>\n`;
}

/** Puts the real code into each excerpt fence (env.excerpts, by line). */
function fillExcerpts(state: StateCore): void {
  const env = state.env as unknown as RenderEnv;
  for (const token of state.tokens) {
    if (token.type !== "fence" || !token.map) continue;
    const line = token.map[0] + env.lineOffset;
    const fill = env.excerpts.get(line);
    if (!fill) continue;
    token.content = fill.body === "" ? "" : `${fill.body}\n`;
    token.meta = { excerpt: fill };
    env.usedExcerpts.add(line);
  }
}

/** Rewrites and checks every link, image and raw-HTML href/src; links inline code that names a file. */
function rewriteLinks(state: StateCore): void {
  const env = state.env as unknown as RenderEnv;
  const lineOf = (map: [number, number] | null, needle: string, from = 0): number => {
    if (!map) return env.lineOffset + 1;
    const start = map[0] + env.lineOffset;
    const end = map[1] + env.lineOffset;
    for (let i = Math.max(start, from); i < end; i++) if (env.lines[i]?.includes(needle)) return i + 1;
    return start + 1;
  };
  for (const block of state.tokens) {
    if (block.type === "html_block") {
      block.content = rewriteHtml(block.content, env, (needle) => lineOf(block.map, needle));
      continue;
    }
    if (block.type !== "inline" || !block.children) continue;
    const children = block.children;
    let inLink = 0;
    const out: Token[] = [];
    for (const token of children) {
      if (token.type === "link_open") {
        inLink++;
        const href = String(token.attrGet("href") ?? "");
        const written = token.markup === "linkify" ? href : decodeSafe(href);
        if (token.markup !== "linkify" && token.markup !== "autolink") {
          token.attrSet("href", env.links.rewrite(env.file, lineOf(block.map, written), env.url, written));
        }
      } else if (token.type === "link_close") {
        inLink--;
      } else if (token.type === "image") {
        const src = decodeSafe(String(token.attrGet("src") ?? ""));
        token.attrSet("src", env.links.rewrite(env.file, lineOf(block.map, src), env.url, src, { image: true }));
      } else if (token.type === "html_inline") {
        token.content = rewriteHtml(token.content, env, (needle) => lineOf(block.map, needle));
      } else if (token.type === "code_inline" && inLink === 0) {
        const href = env.links.autolink(env.file, env.url, token.content);
        if (href) {
          const open = new state.Token("link_open", "a", 1);
          open.attrs = [
            ["href", href],
            ["class", "code-link"],
          ];
          const close = new state.Token("link_close", "a", -1);
          out.push(open, token, close);
          continue;
        }
      }
      out.push(token);
    }
    block.children = out;
  }
}

function rewriteHtml(html: string, env: RenderEnv, lineOf: (needle: string) => number): string {
  return html.replace(/\b(href|src)\s*=\s*(["'])(.*?)\2/gi, (_all, attr: string, quote: string, value: string) => {
    const href = value.replace(/&amp;/g, "&");
    const rewritten = env.links.rewrite(env.file, lineOf(value), env.url, href, { image: attr.toLowerCase() === "src" });
    return `${attr}=${quote}${escapeHtml(rewritten)}${quote}`;
  });
}

function decodeSafe(href: string): string {
  try {
    return decodeURI(href);
  } catch {
    return href;
  }
}

/** A section of a page for the search index: a heading and the text under it. */
export interface Section {
  id: string;
  /** 1, 2 or 3. */
  level: number;
  heading: string;
  text: string;
}

/** The page's headings (h1-h3) with their text, and every id the page has, from parsed tokens. */
export function sectionsOf(tokens: readonly Token[]): { sections: Section[]; ids: string[] } {
  const sections: Section[] = [];
  const ids: string[] = [];
  let current: Section | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const raw = token.attrGet("id");
    const id = raw === null ? null : String(raw);
    if (id) ids.push(id);
    if (token.type === "heading_open") {
      const inline = tokens[i + 1];
      const heading = inline?.children ? inlineText(inline.children) : "";
      if (["h1", "h2", "h3"].includes(token.tag)) {
        current = { id: id ?? "", level: Number(token.tag.slice(1)), heading, text: "" };
        sections.push(current);
      } else if (current) {
        current.text += ` ${heading}`;
      }
      i++;
      continue;
    }
    if (!current) continue;
    if (token.type === "inline" && token.children) current.text += ` ${inlineText(token.children)}`;
  }
  for (const s of sections) s.text = s.text.replace(/\s+/g, " ").trim();
  return { sections, ids };
}

function inlineText(children: readonly Token[]): string {
  return children
    .filter((t) => t.type === "text" || t.type === "code_inline" || t.type === "softbreak" || t.type === "hardbreak")
    .map((t) => (t.type.endsWith("break") ? " " : t.content))
    .join("");
}
