// What a lesson's page has besides its README: a box with the commands that run and try the
// lesson (npm run lesson N, serve, hint, reset), the files the learner writes and the test
// file, and at the end the hints of hints.md, each folded in a <details> until opened.

import { existsSync } from "node:fs";
import path from "node:path";
import type { MarkdownIt } from "markdown-it";
import type { Lesson } from "../curriculum/manifest.ts";
import { escapeHtml, highlight } from "./highlight.ts";
import type { Links } from "./links.ts";
import type { RenderEnv } from "./markdown.ts";

/** Ids the lesson page uses itself; headings in the README get other ones. */
export const LESSON_IDS = ["run-this-lesson", "hints"];

export function lessonBox(lesson: Lesson, count: number, url: string, root: string, links: Links): string {
  const n = lesson.id;
  const commands = [
    [`npm run lesson ${n}`, n > 0 ? `# lesson ${n}'s tests on workspace/ (then 0..${n - 1} again), explained` : `# lesson ${n}'s tests on workspace/, part by part`],
    [`npm run serve ${n}`, `# your server on 127.0.0.1:2121, to try with real clients`],
    [`npm run hint ${n}`, `# the next hint (all of them are at the end of this page)`],
    ...(n > 0 ? [[`npm run catch-up ${n}`, `# stuck in lesson ${n - 1}? saves your work, puts its reference in workspace/`]] : []),
  ];
  const width = Math.max(...commands.map(([c]) => c!.length));
  const text = commands.map(([c, comment]) => `${c!.padEnd(width)}  ${comment}`).join("\n");
  const testFile = `test/lessons/${lesson.slug}.test.ts`;
  const tests = existsSync(path.join(root, testFile))
    ? `<a class="code-link" href="${escapeHtml(links.rewrite(`${lesson.dir}/README.md`, 1, url, `../../${testFile}`))}"><code>${escapeHtml(testFile)}</code></a>`
    : `<code>${escapeHtml(testFile)}</code>`;
  return `<aside class="lesson-box" id="run-this-lesson" aria-label="Run this lesson">
<div class="lesson-meta"><span class="badge">Lesson ${n} of ${count}</span><span>${lesson.points} points</span><span>tests time out after ${lesson.timeoutSec} s</span></div>
<pre class="code commands" data-lang="sh"><code class="hljs language-bash">${highlight(text, "bash")}</code></pre>
<dl class="lesson-files">
<dt>You write</dt><dd>your own server, in <code>workspace/src</code>${lesson.id > 0 ? `, from where lesson ${lesson.id - 1} left it` : ""}</dd>
<dt>Tests</dt><dd>${tests}</dd>
</dl>
</aside>
`;
}

export interface HintChunk {
  title: string;
  /** 0-based line of the "## " heading. */
  line: number;
  body: string;
}

/** hints.md cut at its "## " headings (not those inside code fences), like `npm run hint`. */
export function splitHints(markdown: string): HintChunk[] {
  const lines = markdown.split(/\r?\n/);
  const hints: Array<HintChunk & { lines: string[] }> = [];
  let fence: string | null = null;
  lines.forEach((line, i) => {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === null) fence = f[1]!;
      else if (f[1]![0] === fence[0] && f[1]!.length >= fence.length) fence = null;
    }
    const heading = fence === null && !f ? /^##\s+(.*\S)\s*$/.exec(line) : null;
    if (heading) hints.push({ title: heading[1]!, line: i, body: "", lines: [] });
    else hints[hints.length - 1]?.lines.push(line);
  });
  return hints.map(({ title, line, lines: body }) => ({ title, line, body: body.join("\n") }));
}

/** The hints section: one closed <details> per hint. */
export function renderHints(md: MarkdownIt, file: string, markdown: string, env: RenderEnv, lessonId: number): string {
  const hints = splitHints(markdown);
  if (hints.length === 0) return "";
  const lines = markdown.split(/\r?\n/);
  const items = hints.map((hint, i) => {
    const hintEnv: RenderEnv = { ...env, file, lines, lineOffset: hint.line, excerpts: new Map(), usedExcerpts: new Set() };
    const title = md.renderInline(hint.title, { ...hintEnv, lineOffset: hint.line });
    // The body starts on the line after the heading; markdown-it counts from the body's start.
    const body = md.render(hint.body, { ...hintEnv, lineOffset: hint.line + 1 });
    // Ids made inside a hint go on the page's record too (shared object).
    return `<details class="hint" id="hint-${i + 1}">
<summary><span class="hint-number">Hint ${i + 1}</span> ${title}</summary>
<div class="hint-body">
${body}</div>
</details>`;
  });
  return `<section class="hints" aria-labelledby="hints">
<h2 id="hints">Hints <a class="anchor" href="#hints" aria-hidden="true">#</a></h2>
<p class="muted">Stuck? Open one hint at a time, from the gentlest; the last ones nearly give the answer
away. <code>npm run hint ${lessonId}</code> shows them in the terminal, one at a time.</p>
${items.join("\n")}
</section>
`;
}
