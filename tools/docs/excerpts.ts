// Generated regions in lesson READMEs and docs/*.md, filled by `npm run gen` and verified by
// `npm run gen -- --check` (docs/curriculum.md, "Excerpts and diagrams in READMEs"):
//
//   <!-- excerpt: final/src/data/passive.ts#port-range -->      a marked block of final/src, as
//   ```ts                                                       it stands in its own lesson's
//   ...                                                         solution (project.ts excerpt());
//   ```                                                         "#port-range@final": as in final
//
//   <!-- diagram: login-and-list -->                            a mermaid sequence diagram of
//   ```mermaid                                                  tools/docs/scenarios/NAME.ts,
//   ...                                                         recorded against the README's
//   ```                                                         lesson solution (final for docs/)
//
// Only the fence's content is generated; the comment and everything else is hand-written. A
// marker with no fence after it gets one (write mode) or is reported missing (--check).

import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Lesson } from "../curriculum/manifest.ts";
import { excerpt, type Stage } from "../curriculum/project.ts";
import { renderDiagram } from "./diagrams.ts";
import { loadScenario, recordScenario, runPool, CONCURRENCY, type RecordOptions } from "./record.ts";
import type { Scenario } from "./scenario.ts";

// ---------------------------------------------------------------------------------------------
// finding regions

export interface Fence {
  /** 0-based index of the opening and closing fence lines. */
  open: number;
  close: number;
  /** Indentation before the fence (a fence inside a list item); its lines carry it too. */
  indent: string;
  /** "```" or "~~~~" ... */
  marker: string;
  /** The info string after the opening fence ("ts", "mermaid"). */
  info: string;
  /** The lines between the fences, without the indentation. */
  body: string[];
}

export interface Region {
  kind: "excerpt" | "diagram";
  /** 1-based line of the `<!-- ... -->` comment. */
  line: number;
  /** What the comment names, as written ("final/src/data/passive.ts#port-range@final"). */
  spec: string;
  /** Excerpts: the file (relative to the repository root) and block. */
  source?: string;
  block?: string;
  /** Diagrams: the scenario. */
  scenario?: string;
  /** "@final" or "@N" after the name, if given. */
  stage?: Stage;
  /** The fenced block after the comment, or null when there is none. */
  fence: Fence | null;
}

/** A mistake in a README: `file:line: problem`. */
export class DocError extends Error {
  override name = "DocError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

const MARKER = /^\s*<!--\s*(excerpt|diagram)\s*:\s*(.*?)\s*-->\s*$/;
const FENCE = /^([ \t]*)(`{3,}|~{3,})\s*(.*)$/;
const EXCERPT_SPEC = /^([^\s#@]+)#([a-z0-9][a-z0-9-]*)(?:@(final|\d+))?$/;
const DIAGRAM_SPEC = /^([a-z0-9][a-z0-9-]*)(?:@(final|\d+))?$/;

/** The lines of a text (CRLF or LF) and which of the two it uses. */
export function splitLines(text: string): { lines: string[]; eol: string } {
  return { lines: text.split(/\r?\n/), eol: text.includes("\r\n") ? "\r\n" : "\n" };
}

/**
 * Every region of a Markdown text. Markers inside other code fences are text, not regions (so
 * a page can show the syntax). Throws DocError for a malformed marker or an unclosed fence.
 */
export function findRegions(text: string, file: string): Region[] {
  const { lines } = splitLines(text);
  const regions: Region[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = FENCE.exec(lines[i]!);
    if (fence) {
      // Someone else's code block: skip to its end.
      i = closingFence(lines, i, fence[2]!) ?? lines.length;
      continue;
    }
    const marker = MARKER.exec(lines[i]!);
    if (!marker) continue;
    const kind = marker[1] as "excerpt" | "diagram";
    const spec = marker[2]!;
    const region: Region = { kind, line: i + 1, spec, fence: null };
    if (kind === "excerpt") {
      const m = EXCERPT_SPEC.exec(spec);
      if (!m) throw new DocError(file, i + 1, `malformed excerpt '${spec}': write <!-- excerpt: final/src/FILE.ts#block-name --> (optionally #block-name@final or @N)`);
      const source = m[1]!;
      if (path.isAbsolute(source) || source.split("/").includes("..") || source.includes("\\")) {
        throw new DocError(file, i + 1, `excerpt '${spec}': the file must be a path inside the repository, like final/src/data/passive.ts`);
      }
      region.source = source;
      region.block = m[2]!;
      if (m[3]) region.stage = parseStage(m[3]);
    } else {
      const m = DIAGRAM_SPEC.exec(spec);
      if (!m) throw new DocError(file, i + 1, `malformed diagram '${spec}': write <!-- diagram: scenario-name --> (a file in tools/docs/scenarios/; optionally @final or @N)`);
      region.scenario = m[1]!;
      if (m[2]) region.stage = parseStage(m[2]);
    }
    // The fence may follow after blank lines.
    let j = i + 1;
    while (j < lines.length && lines[j]!.trim() === "") j++;
    const open = FENCE.exec(lines[j] ?? "");
    if (open) {
      const indent = open[1]!;
      const close = closingFence(lines, j, open[2]!);
      if (close === null) throw new DocError(file, j + 1, `the ${open[2]} fence after the ${kind} comment on line ${i + 1} is never closed`);
      const body = lines.slice(j + 1, close).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      region.fence = { open: j, close, indent, marker: open[2]!, info: open[3]!.trim(), body };
      i = close;
    }
    regions.push(region);
  }
  return regions;
}

function parseStage(text: string): Stage {
  return text === "final" ? "final" : Number(text);
}

/** Index of the line closing a fence opened at `open`, or null (CommonMark: same character, at least as long). */
function closingFence(lines: readonly string[], open: number, marker: string): number | null {
  for (let k = open + 1; k < lines.length; k++) {
    const m = /^[ \t]*(`{3,}|~{3,})\s*$/.exec(lines[k]!);
    if (m && m[1]![0] === marker[0] && m[1]!.length >= marker.length) return k;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// filling regions

/** What a region's fence must hold, and its info string. */
export interface Filling {
  body: string;
  info: string;
}

const LANGUAGES: Record<string, string> = { ".ts": "ts", ".tsx": "tsx", ".mts": "ts", ".cts": "ts", ".js": "js", ".mjs": "js", ".cjs": "js" };

export function infoFor(region: Region): string {
  if (region.kind === "diagram") return "mermaid";
  return LANGUAGES[path.extname(region.source ?? "")] ?? "";
}

/** A fence long enough for the body (a body line of ``` needs ````). */
function fenceFor(body: string, marker = "```"): string {
  let longest = 0;
  for (const line of body.split("\n")) {
    const m = /^\s*(`+|~+)/.exec(line);
    if (m && m[1]![0] === marker[0]) longest = Math.max(longest, m[1]!.length);
  }
  return longest >= marker.length ? marker[0]!.repeat(longest + 1) : marker;
}

export interface RegionDifference {
  region: Region;
  /** 1-based line of the README where it differs (the comment's line when the fence is missing). */
  line: number;
  problem: string;
}

/** How a region's fence differs from its filling; null when it is up to date. */
export function compareRegion(region: Region, filling: Filling): RegionDifference | null {
  const what = `${region.kind} ${region.spec}`;
  const fence = region.fence;
  if (!fence) return { region, line: region.line, problem: `${what}: missing (no code fence after the comment)` };
  if (region.kind === "diagram" && fence.info !== "mermaid") {
    return { region, line: fence.open + 1, problem: `${what}: the fence must be \`\`\`mermaid, not ${JSON.stringify(fence.marker + fence.info)}` };
  }
  const want = filling.body.split("\n");
  const have = fence.body;
  for (let i = 0; i < Math.max(want.length, have.length); i++) {
    if (want[i] !== have[i]) {
      const show = (s: string | undefined) => (s === undefined ? "(end of block)" : clip(s));
      return { region, line: fence.open + 2 + i, problem: `${what}: stale\n    expected: ${show(want[i])}\n    found:    ${show(have[i])}` };
    }
  }
  if (fenceFor(filling.body, fence.marker).length > fence.marker.length) {
    return { region, line: fence.open + 1, problem: `${what}: the fence must be longer than any fence inside the block` };
  }
  return null;
}

/** The text with every region's fence holding its filling (regions not in `fillings` untouched). */
export function fillRegions(text: string, regions: readonly Region[], fillings: ReadonlyMap<Region, Filling>): string {
  const { lines, eol } = splitLines(text);
  // From the last region up, so earlier line numbers stay valid.
  const ordered = [...regions].sort((a, b) => b.line - a.line);
  for (const region of ordered) {
    const filling = fillings.get(region);
    if (!filling) continue;
    const fence = region.fence;
    const indent = fence?.indent ?? "";
    const marker = fenceFor(filling.body, fence?.marker ?? "```");
    const info = region.kind === "diagram" ? "mermaid" : fence ? fence.info : filling.info;
    const body = filling.body === "" ? [] : filling.body.split("\n").map((l) => (l === "" ? "" : indent + l));
    const block = [`${indent}${marker}${info}`, ...body, `${indent}${marker}`];
    if (fence) lines.splice(fence.open, fence.close - fence.open + 1, ...block);
    else lines.splice(region.line, 0, ...block);
  }
  return lines.join(eol);
}

function clip(line: string): string {
  const shown = JSON.stringify(line).slice(1, -1);
  return shown.length > 100 ? `${shown.slice(0, 97)}...` : shown;
}

// ---------------------------------------------------------------------------------------------
// every README of the course

export interface DocsOptions {
  /** Repository root: excerpt paths are relative to it. */
  root: string;
  /** Where final/src is (excerpts of "final/src/..." are read there; final's main.ts for docs/). */
  sourceDir: string;
  /** Where lessons/*\/README.md, docs/*.md and solutions/ are (the repository, or gen --out DIR). */
  outDir: string;
  lessons: readonly Lesson[];
  /** true: write nothing, report differences. */
  check: boolean;
  /** Scenarios recorded at once. */
  concurrency?: number;
  /** Where scenarios are (tests use a fixture folder). */
  scenarioDir?: string;
}

export interface DocsReport {
  /** README files (relative to outDir) that have regions. */
  files: string[];
  excerpts: number;
  diagrams: number;
  /** Scenarios recorded (distinct scenario and server). */
  recordings: number;
  /** Mistakes: unknown block or scenario, failed recording, malformed marker... */
  errors: string[];
  /** --check: regions that differ from a fresh filling. */
  differences: string[];
  /** Write mode: files rewritten. */
  written: string[];
}

/** lessons/*\/README.md and reference.md (of lessons in the manifest or not) and docs/*.md that exist under `dir`, sorted. */
export async function listDocs(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const sub of (await readdir(path.join(dir, "lessons"), { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!sub.isDirectory()) continue;
    // README.md is the lesson; reference.md is the walkthrough of the reference code, read after
    // the lesson passes (its excerpts are filled like the README's).
    for (const name of ["README.md", "reference.md"]) {
      if (existsSync(path.join(dir, "lessons", sub.name, name))) found.push(`lessons/${sub.name}/${name}`);
    }
  }
  const docs = await readdir(path.join(dir, "docs"), { withFileTypes: true }).catch(() => []);
  for (const f of docs.filter((d) => d.isFile() && d.name.endsWith(".md")).map((d) => d.name).sort()) found.push(`docs/${f}`);
  return found;
}

/** Fills (or, with `check`, verifies) every generated region of the course's READMEs. */
export async function updateDocs(options: DocsOptions): Promise<DocsReport> {
  const report: DocsReport = { files: [], excerpts: 0, diagrams: 0, recordings: 0, errors: [], differences: [], written: [] };
  const lessonIds = options.lessons.map((l) => l.id);
  const docs: Array<{ file: string; text: string; regions: Region[] }> = [];
  for (const file of await listDocs(options.outDir)) {
    const text = await readFile(path.join(options.outDir, file), "utf8");
    try {
      const regions = findRegions(text, file);
      if (regions.length > 0) {
        report.files.push(file);
        docs.push({ file, text, regions });
      }
    } catch (err) {
      report.errors.push((err as Error).message);
    }
  }

  const fillings = new Map<Region, Filling>();
  const fail = (file: string, region: Region, problem: string) => report.errors.push(`${file}:${region.line}: ${region.kind} ${region.spec}: ${problem}`);

  // Excerpts: quick, from the sources.
  const sources = new Map<string, string | null>();
  for (const { file, regions } of docs) {
    for (const region of regions.filter((r) => r.kind === "excerpt")) {
      report.excerpts++;
      const source = region.source!;
      const absolute = source.startsWith("final/src/") ? path.join(options.sourceDir, source.slice("final/src/".length)) : path.join(options.root, source);
      if (!sources.has(absolute)) sources.set(absolute, await readFile(absolute, "utf8").catch(() => null));
      const text = sources.get(absolute);
      if (text === null || text === undefined) {
        fail(file, region, `no such file ${source}`);
        continue;
      }
      if (region.stage !== undefined && region.stage !== "final" && !(region.stage === 0 || lessonIds.includes(region.stage))) {
        fail(file, region, `there is no lesson ${region.stage} (lessons are ${lessonIds.join(", ")}; or @final)`);
        continue;
      }
      try {
        const body = excerpt(text, region.block!, { file: source, lessonIds, ...(region.stage !== undefined ? { stage: region.stage } : {}) });
        fillings.set(region, { body, info: infoFor(region) });
      } catch (err) {
        fail(file, region, (err as Error).message);
      }
    }
  }

  // Diagrams: one recording per scenario and server, a few at a time.
  const jobs = new Map<string, { scenario: string; options: RecordOptions; regions: Array<{ file: string; region: Region }> }>();
  for (const { file, regions } of docs) {
    for (const region of regions.filter((r) => r.kind === "diagram")) {
      report.diagrams++;
      const target = diagramTarget(file, region, options);
      if ("error" in target) {
        fail(file, region, target.error);
        continue;
      }
      const key = `${region.scenario}\0${target.entry}`;
      const job = jobs.get(key) ?? { scenario: region.scenario!, options: target, regions: [] };
      job.regions.push({ file, region });
      jobs.set(key, job);
    }
  }
  const scenarios = new Map<string, Scenario | Error>();
  for (const job of jobs.values()) {
    if (!scenarios.has(job.scenario)) scenarios.set(job.scenario, await loadScenario(job.scenario, options.scenarioDir).catch((e: Error) => e));
  }
  const list = [...jobs.values()];
  const results = await runPool(
    list.map((job) => async () => {
      const scenario = scenarios.get(job.scenario);
      if (scenario instanceof Error || scenario === undefined) throw scenario ?? new Error("not loaded");
      return renderDiagram(await recordScenario(scenario, job.options));
    }),
    options.concurrency ?? CONCURRENCY,
  );
  list.forEach((job, i) => {
    const result = results[i]!;
    if (result.status === "fulfilled") report.recordings++;
    for (const { file, region } of job.regions) {
      if (result.status === "fulfilled") fillings.set(region, { body: result.value, info: "mermaid" });
      else fail(file, region, (result.reason as Error).message);
    }
  });

  // Compare or write.
  for (const { file, text, regions } of docs) {
    if (options.check) {
      for (const region of regions) {
        const filling = fillings.get(region);
        if (!filling) continue; // already an error
        const difference = compareRegion(region, filling);
        if (difference) report.differences.push(`${file}:${difference.line}: ${difference.problem}`);
      }
      continue;
    }
    const filled = fillRegions(text, regions, fillings);
    if (filled !== text) {
      await writeFile(path.join(options.outDir, file), filled);
      report.written.push(file);
    }
  }
  return report;
}

/** Which server a diagram of this README is recorded against. */
function diagramTarget(file: string, region: Region, options: DocsOptions): RecordOptions | { error: string } {
  let stage: Stage | undefined = region.stage;
  if (stage === undefined) {
    if (file.startsWith("docs/")) stage = "final";
    else {
      const slug = file.split("/")[1];
      const lesson = options.lessons.find((l) => l.slug === slug);
      if (!lesson) return { error: `${slug} is not a lesson of the manifest; say which server to record with @final or @N` };
      stage = lesson.id;
    }
  }
  if (stage === "final") return { entry: path.join(options.sourceDir, "main.ts"), target: "final", lesson: null };
  const lesson = options.lessons.find((l) => l.id === stage);
  if (!lesson) return { error: `there is no lesson ${stage} in the manifest` };
  const entry = path.join(options.outDir, lesson.solutionDir, "src", "main.ts");
  if (!existsSync(entry)) return { error: `${lesson.solutionDir}/src/main.ts does not exist (run npm run gen)` };
  return { entry, target: lesson.solutionDir, lesson: lesson.id };
}
