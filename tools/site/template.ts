// The HTML around every page: the left navigation (reading order from pages.ts, the lessons
// in manifest order), the search box, prev/next links, and the stylesheets and scripts.
// Every link is relative, so the site works from any folder, over HTTP or from file://.

import { escapeHtml } from "./highlight.ts";
import { dirViewUrl, relativeUrl } from "./links.ts";
import type { Page, Section } from "./pages.ts";

export interface Shell {
  /** The output file, relative to the site root. */
  url: string;
  title: string;
  pages: readonly Page[];
  /** The page in the navigation this is (null for source views). */
  current: Page | null;
  /** The main column's HTML. */
  content: string;
  /** Headings of the current page shown under it in the navigation (id, text). */
  toc?: ReadonlyArray<{ id: string; text: string }>;
  prev?: Page | null;
  next?: Page | null;
  /** Load mermaid (the page has diagrams). */
  diagrams?: boolean;
  /** Class on <body> ("page-lesson", "page-source"). */
  bodyClass: string;
  description?: string;
}

export const SITE_NAME = "ftp-lab";

const SECTIONS: Section[] = ["Start", "Lessons", "Guides"];

export function renderShell(shell: Shell): string {
  const rel = (to: string) => escapeHtml(relativeUrl(shell.url, to));
  const root = relativeUrl(shell.url, "index.html").replace(/index\.html$/, "");
  const nav = SECTIONS.map((section) => {
    const items = shell.pages.filter((p) => p.section === section);
    if (items.length === 0) return "";
    const lis = items
      .map((p) => {
        const current = p === shell.current;
        const sub =
          current && shell.toc && shell.toc.length > 0
            ? `<ul class="toc">${shell.toc.map((h) => `<li><a href="#${escapeHtml(h.id)}">${escapeHtml(h.text)}</a></li>`).join("")}</ul>`
            : "";
        return `<li${current ? ' class="current"' : ""}><a href="${rel(p.url)}"${current ? ' aria-current="page"' : ""}>${escapeHtml(p.navTitle)}</a>${sub}</li>`;
      })
      .join("\n");
    return `<h2 class="nav-section">${section}</h2>\n<ul class="nav-list">\n${lis}\n</ul>`;
  }).join("\n");
  const sourceCurrent = shell.current === null && shell.url.startsWith("source/");
  const sourceNav = `<h2 class="nav-section">Source</h2>\n<ul class="nav-list"><li${sourceCurrent ? ' class="current"' : ""}><a href="${rel(dirViewUrl("final/src"))}">final/src</a></li></ul>`;

  const prevNext =
    shell.prev || shell.next
      ? `<nav class="prevnext" aria-label="Previous and next">` +
        (shell.prev ? `<a class="prev" rel="prev" href="${rel(shell.prev.url)}"><span class="dir">Previous</span><span class="t">${escapeHtml(shell.prev.navTitle)}</span></a>` : `<span></span>`) +
        (shell.next ? `<a class="next" rel="next" href="${rel(shell.next.url)}"><span class="dir">Next</span><span class="t">${escapeHtml(shell.next.navTitle)}</span></a>` : `<span></span>`) +
        `</nav>`
      : "";

  const scripts = [
    shell.diagrams ? `<script src="${escapeHtml(root)}assets/mermaid.min.js" defer></script>` : "",
    `<script src="${escapeHtml(root)}assets/site.js" defer></script>`,
  ].join("\n");

  return `<!doctype html>
<html lang="en" data-root="${escapeHtml(root)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(shell.title)} · ${SITE_NAME}</title>
${shell.description ? `<meta name="description" content="${escapeHtml(shell.description)}">\n` : ""}<link rel="stylesheet" href="${escapeHtml(root)}assets/hljs.css">
<link rel="stylesheet" href="${escapeHtml(root)}assets/site.css">
<link rel="stylesheet" href="${escapeHtml(root)}assets/print.css" media="print">
<link rel="icon" href="data:,">
${scripts}
</head>
<body class="${escapeHtml(shell.bodyClass)}">
<a class="skip" href="#content">Skip to the content</a>
<header class="topbar">
<button class="nav-toggle" type="button" aria-controls="sidebar" aria-expanded="false">Menu</button>
<a class="brand" href="${rel("index.html")}">${SITE_NAME}</a>
</header>
<aside class="sidebar" id="sidebar">
<a class="brand" href="${rel("index.html")}">${SITE_NAME}</a>
<p class="tagline">Build an FTP server in TypeScript</p>
<form class="search" role="search" onsubmit="return false">
<label class="visually-hidden" for="search-input">Search the lessons</label>
<input id="search-input" type="search" placeholder="Search lessons and guides" autocomplete="off" spellcheck="false">
<ol class="search-results" id="search-results" hidden></ol>
</form>
<nav class="nav" aria-label="Course">
${nav}
${sourceNav}
</nav>
</aside>
<main class="content" id="content">
${shell.content}
${prevNext}
</main>
</body>
</html>
`;
}
