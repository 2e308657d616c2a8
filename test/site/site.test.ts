/**
 * The course website in a real browser: builds the site from this repository (as `npm run
 * docs` does) into a folder under dist/site-test/, serves it (tools/site/serve.ts) and drives headless
 * Chromium (Debian's `chromium`, through playwright-core) over it:
 *
 *   - every page (lessons, guides, source views, folder listings) loads with no console
 *     error, no page error, no failed request and no request outside the site (no network);
 *     every mermaid diagram on it is drawn as an SVG; its code carries highlight.js spans;
 *     every link on it leads to a built page and, with a #fragment, to an element there;
 *   - the left navigation and prev/next go through the lessons in manifest order;
 *   - hints are folded until opened; search finds a lesson; print hides the navigation;
 *   - a screenshot of lesson 6 is saved: dist/site-test/lesson-06.png (and -full.png).
 *
 * Skipped, with a message, where chromium is not installed, unless CI is set (.ci/run
 * installs it there, so a missing browser fails the test instead): test/harness/tools-available.ts.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadManifest, REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { buildSite, type BuildResult } from "../../tools/site/build.ts";
import { serveSite, type SiteServer } from "../../tools/site/serve.ts";
import { describeNeeding, toolPath } from "../harness/tools-available.ts";

const ARTIFACTS = path.join(REPO_ROOT, "dist/site-test");

// chromium or chromium-browser on $PATH (tools-available.ts skips the suite without it, or fails it in CI).
const executablePath = toolPath("chromium");

describeNeeding(["chromium"], "the docs site in headless Chromium", () => {
  let build: BuildResult;
  let server: SiteServer;
  let browser: Browser;
  let out: string;
  const lessons = loadManifest();

  beforeAll(async () => {
    if (!executablePath) throw new Error("chromium is not installed: sudo apt-get install chromium (.ci/run does)");
    // A folder of this run's own: two test runs at once must not empty each other's site.
    await mkdir(ARTIFACTS, { recursive: true });
    out = await mkdtemp(path.join(ARTIFACTS, "site-"));
    build = await buildSite({ out });
    if (!build.ok) throw new Error(`the site does not build:\n${build.errors.join("\n")}`);
    server = await serveSite(out);
    browser = await chromium.launch({ executablePath, args: ["--no-sandbox"], headless: true });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  /** A new tab that records console errors, page errors and failed requests. */
  async function open(): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    // Everything comes from the site itself: no network.
    page.on("request", (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) problems.push(`request outside the site: ${r.url()}`);
    });
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    return { page, problems };
  }

  /** Waits until site.js has drawn the page's diagrams (or found none). */
  async function diagramsDone(page: Page): Promise<void> {
    await page.waitForFunction(() => document.documentElement.dataset["diagrams"] !== undefined, null, { timeout: 15_000 });
  }

  it("loads every page with no console error, draws every diagram as an SVG, highlights code, and every link leads somewhere that exists", async () => {
    const built = new Set(build.html);
    const ids = new Map<string, Set<string>>();
    const links: Array<{ from: string; href: string }> = [];
    const problems: string[] = [];
    let highlighted = 0;
    let diagrams = 0;
    const queue = [...build.html];
    // A few tabs at once: about a hundred pages, most of them small source views.
    await Promise.all(
      [0, 1, 2].map(async () => {
        const tab = await open();
        for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
          tab.problems.length = 0;
          await tab.page.goto(server.url + url, { waitUntil: "load" });
          await diagramsDone(tab.page);
          // Diagrams in folded blocks are drawn when opened.
          const count = await tab.page.evaluate(() => {
            document.querySelectorAll("details").forEach((d) => (d.open = true));
            return document.querySelectorAll("pre.mermaid").length;
          });
          if (count > 0) {
            await tab.page.waitForFunction((n) => document.querySelectorAll("pre.mermaid > svg").length === n, count, { timeout: 15_000 });
            const svgs = await tab.page.locator("pre.mermaid > svg").evaluateAll((els) => els.map((e) => ({ w: e.getBoundingClientRect().width, texts: e.querySelectorAll("text").length })));
            for (const [i, svg] of svgs.entries()) {
              if (svg.w < 200 || svg.texts < 5) problems.push(`${url}: diagram ${i + 1} is drawn ${svg.w}px wide with ${svg.texts} texts`);
            }
            diagrams += count;
          }
          const seen = await tab.page.evaluate(() => ({
            ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
            hrefs: [...document.querySelectorAll("a[href]")].map((a) => (a as HTMLAnchorElement).href),
            // Code in a language highlight.js knows must carry its spans (shell lines may have none).
            bare: [...document.querySelectorAll("code.hljs.language-typescript, code.hljs.language-json, code.hljs.language-ini, code.hljs.language-ftp, pre.source.language-typescript")]
              .filter((c) => c.querySelector("span[class^='hljs-']") === null)
              .map((c) => c.textContent!.slice(0, 60)),
            highlighted: document.querySelectorAll("code.hljs span[class^='hljs-'], pre.source span[class^='hljs-']").length,
          }));
          ids.set(url, new Set(seen.ids));
          for (const href of seen.hrefs) links.push({ from: url, href });
          for (const bare of seen.bare) problems.push(`${url}: code without highlighting: ${bare}`);
          highlighted += seen.highlighted;
          for (const p of tab.problems) problems.push(`${url}: ${p}`);
        }
        await tab.page.close();
      }),
    );
    expect(problems).toEqual([]);
    expect(ids.size).toBe(build.html.length);
    expect(diagrams).toBe(build.stats.diagrams);
    expect(diagrams).toBeGreaterThan(0);
    expect(highlighted).toBeGreaterThan(1000);

    const broken: string[] = [];
    for (const { from, href } of links) {
      if (!href.startsWith(server.url)) continue;
      const target = new URL(href);
      const file = decodeURIComponent(target.pathname.slice(1));
      if (!built.has(file)) {
        if (!file.startsWith("files/")) broken.push(`${from}: ${href} (no such page)`);
        continue;
      }
      const fragment = decodeURIComponent(target.hash.slice(1));
      if (fragment === "") continue;
      const range = /^L(\d+)-L(\d+)$/.exec(fragment);
      const id = range ? `L${range[1]}` : fragment;
      if (!ids.get(file)!.has(id)) broken.push(`${from}: ${href} (no element #${id})`);
    }
    expect(broken).toEqual([]);
    expect(links.length).toBeGreaterThan(500);
  }, 180_000); // every page in turn: 35 s alone, well past 55 s beside the rest of the suite on 2 cores

  it("goes through the lessons in manifest order with the left navigation and prev/next", async () => {
    const { page, problems } = await open();
    // Diagrams are checked above; here a stand-in for mermaid saves parsing 3.5 MB per lesson.
    await page.route("**/assets/mermaid.min.js", (route) =>
      route.fulfill({ contentType: "text/javascript", body: "window.mermaid = { initialize() {}, run() { return Promise.resolve(); } };" }),
    );
    await page.goto(`${server.url}index.html`);
    // Left navigation: the lessons, in manifest order.
    // Each lesson with its "after you pass" page (the reference walkthrough) right after it.
    const hasReference = (l: (typeof lessons)[number]) => existsSync(path.join(REPO_ROOT, l.dir, "reference.md"));
    const navLessons = await page.locator(".sidebar nav .nav-list a").allTextContents();
    const expected = lessons.flatMap((l) => [`${l.id}. Lesson`, ...(hasReference(l) ? [`${l.id}. After you pass`] : [])]);
    expect(navLessons.filter((t) => /^\d+\. /.test(t)).map((t) => (t.includes("After you pass") ? t.slice(0, t.indexOf(" ") + 1) + "After you pass" : t.slice(0, t.indexOf(" ") + 1) + "Lesson"))).toEqual(expected);
    await page.locator(".sidebar nav a", { hasText: `${lessons[0]!.id}. ` }).first().click();
    await page.waitForURL(`**/${lessons[0]!.dir}/index.html`);
    expect(await page.locator(".sidebar li.current > a").getAttribute("aria-current")).toBe("page");
    expect(await page.locator("h1").first().textContent()).toMatch(new RegExp(`^Lesson ${lessons[0]!.id}\\b`));

    // Next, next, ... through every lesson; then back one with prev.
    for (const [i, lesson] of lessons.slice(1).entries()) {
      if (hasReference(lessons[i]!)) {
        await page.locator("a[rel=next]").click();
        await page.waitForURL(`**/${lessons[i]!.dir}/reference.html`);
      }
      await page.locator("a[rel=next]").click();
      await page.waitForURL(`**/${lesson.dir}/index.html`);
      expect(await page.locator("h1").first().textContent()).toMatch(new RegExp(`^Lesson ${lesson.id}\\b`));
      // The page shows the commands for this lesson.
      const box = await page.locator("#run-this-lesson").textContent();
      for (const command of ["lesson", "serve", "hint"]) expect(box).toContain(`npm run ${command} ${lesson.id}`);
    }
    await page.locator("a[rel=prev]").click();
    await page.waitForURL(hasReference(lessons.at(-2)!) ? `**/${lessons.at(-2)!.dir}/reference.html` : `**/${lessons.at(-2)!.dir}/index.html`);
    // From a lesson to a guide and back through the navigation.
    await page.locator(".sidebar nav a", { hasText: "Architecture" }).click();
    await page.waitForURL("**/docs/architecture.html");
    await page.locator(".sidebar nav a", { hasText: "final/src" }).click();
    await page.waitForURL("**/source/final/src/index.html");
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  it("shows the reference's code, highlighted, on each lesson's \"after you pass\" page", async () => {
    const six = lessons.find((l) => l.id === 6)!;
    const { page, problems } = await open();
    await page.goto(`${server.url}${six.dir}/reference.html`);
    expect(await page.locator("figure.excerpt code.hljs span").count()).toBeGreaterThan(0);
    expect(await page.locator(".sidebar nav a", { hasText: "6. After you pass" }).count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  it("folds hints until opened, searches the lessons, prints without navigation, and saves a screenshot of lesson 6", async () => {
    const six = lessons.find((l) => l.id === 6)!;
    const { page, problems } = await open();
    await page.goto(`${server.url}${six.dir}/index.html`);
    await diagramsDone(page);

    // Hints: closed, their text hidden; a click opens one.
    const hints = page.locator("details.hint");
    expect(await hints.count()).toBeGreaterThan(1);
    expect(await hints.evaluateAll((ds) => ds.filter((d) => (d as HTMLDetailsElement).open).length)).toBe(0);
    await expect.poll(() => hints.first().locator(".hint-body").isVisible()).toBe(false);
    // The lesson asks; it shows no reference code (that is on its "after you pass" page).
    expect(await page.locator("figure.excerpt").count()).toBe(0);

    // The screenshot: the top of the page as a reader first sees it, and the whole page.
    await mkdir(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, "lesson-06.png");
    await page.screenshot({ path: shot });
    const full = path.join(ARTIFACTS, "lesson-06-full.png");
    await page.screenshot({ path: full, fullPage: true });
    console.log(`lesson 6 screenshot: ${path.relative(process.cwd(), shot)} (whole page: ${path.relative(process.cwd(), full)})`);

    await hints.first().locator("summary").click();
    await expect.poll(() => hints.first().locator(".hint-body").isVisible()).toBe(true);

    // Search: built at build time, loaded on first use.
    await page.locator("#search-input").fill("EPRT bounce");
    const first = page.locator("#search-results a").first();
    await first.waitFor({ timeout: 10_000 });
    expect(await first.getAttribute("href")).toContain(six.dir);
    await page.locator("#search-input").fill("masquerade");
    await expect.poll(() => page.locator("#search-results a").first().getAttribute("href")).toContain("03-masquerade");

    // Print: no navigation or prev/next, the text uses the width.
    await page.emulateMedia({ media: "print" });
    expect(await page.locator(".sidebar").isVisible()).toBe(false);
    expect(await page.locator(".prevnext").isVisible()).toBe(false);
    expect(await page.locator("#content").evaluate((e) => getComputedStyle(e).marginLeft)).toBe("0px");
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);
});
