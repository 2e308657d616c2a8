// The generated regions of a README (tools/docs/excerpts.ts), re-checked at build time:
//
//   - an excerpt is taken from the real file again (tools/curriculum excerpt(), as gen does),
//     and the page shows that code, captioned with its file and block and linked to the lines
//     in the source view. A missing file or block, or a comment without its fence, is an
//     error naming the README line; a fence whose code differs from the file (gen not run
//     since final/src changed) is a warning (an error with --strict).
//   - a diagram must name a scenario of tools/docs/scenarios and have its ```mermaid fence;
//     its recorded text is what the page draws (recording needs servers: gen does that).

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Lesson } from "../curriculum/manifest.ts";
import { parseMarkers } from "../curriculum/markers.ts";
import { excerpt } from "../curriculum/project.ts";
import { compareRegion, findRegions, infoFor, type Region } from "../docs/excerpts.ts";
import { escapeHtml, languageFor } from "./highlight.ts";
import { relativeUrl, sourceViewUrl, type Links } from "./links.ts";
import type { ExcerptFill } from "./markdown.ts";

export interface RegionCheck {
  /** Code for each excerpt fence, by the 0-based line of its opening fence. */
  excerpts: Map<number, ExcerptFill>;
  excerptCount: number;
  diagramCount: number;
  errors: string[];
  warnings: string[];
}

export interface RegionOptions {
  root: string;
  lessons: readonly Lesson[];
  links: Links;
  /** The page the README becomes (for the caption's links). */
  url: string;
  /** Where the scenarios are (default tools/docs/scenarios under root). */
  scenarioDir?: string;
}

export function checkRegions(file: string, text: string, options: RegionOptions): RegionCheck {
  const result: RegionCheck = { excerpts: new Map(), excerptCount: 0, diagramCount: 0, errors: [], warnings: [] };
  let regions: Region[];
  try {
    regions = findRegions(text, file);
  } catch (err) {
    result.errors.push((err as Error).message);
    return result;
  }
  const lessonIds = options.lessons.map((l) => l.id);
  const scenarioDir = options.scenarioDir ?? path.join(options.root, "tools/docs/scenarios");
  for (const region of regions) {
    const where = `${file}:${region.line}: ${region.kind} ${region.spec}`;
    if (region.kind === "diagram") {
      result.diagramCount++;
      if (!existsSync(path.join(scenarioDir, `${region.scenario}.ts`))) {
        result.errors.push(`${where}: there is no scenario tools/docs/scenarios/${region.scenario}.ts`);
      } else if (!region.fence) {
        result.errors.push(`${where}: no \`\`\`mermaid fence after the comment (run npm run gen)`);
      } else if (region.fence.info !== "mermaid") {
        result.errors.push(`${file}:${region.fence.open + 1}: diagram ${region.spec}: the fence must be \`\`\`mermaid, not ${JSON.stringify(region.fence.marker + region.fence.info)}`);
      } else if (!region.fence.body.some((l) => l.trim() !== "")) {
        result.errors.push(`${where}: the diagram is empty (run npm run gen)`);
      }
      continue;
    }

    result.excerptCount++;
    const source = region.source!;
    const absolute = path.join(options.root, source);
    let sourceText: string;
    try {
      sourceText = readFileSync(absolute, "utf8");
    } catch {
      result.errors.push(`${where}: no such file ${source}`);
      continue;
    }
    if (region.stage !== undefined && region.stage !== "final" && !(region.stage === 0 || lessonIds.includes(region.stage))) {
      result.errors.push(`${where}: there is no lesson ${region.stage} (lessons are ${lessonIds.join(", ")}; or @final)`);
      continue;
    }
    let body: string;
    let lines: [number, number];
    let from: string;
    try {
      body = excerpt(sourceText, region.block!, { file: source, lessonIds, ...(region.stage !== undefined ? { stage: region.stage } : {}) });
      const block = parseMarkers(sourceText, { file: source, lessonIds }).blocks.get(region.block!)!;
      lines = [block.openLine, block.closeLine];
      from = region.stage !== undefined ? (region.stage === "final" ? "the final server" : `stage ${region.stage}`) : block.from === "final" ? "the final server" : `lesson ${block.from}`;
    } catch (err) {
      result.errors.push(`${where}: ${(err as Error).message}`);
      continue;
    }
    if (!region.fence) {
      result.errors.push(`${where}: no code fence after the comment (run npm run gen)`);
      continue;
    }
    const difference = compareRegion(region, { body, info: infoFor(region) });
    if (difference) result.warnings.push(`${file}:${difference.line}: ${difference.problem.split("\n")[0]} (the site shows ${source} as it is now; run npm run gen)`);

    // The caption links to the block's lines in the source view.
    options.links.sourceViews.add(source);
    const href = `${relativeUrl(options.url, sourceViewUrl(source))}#L${lines[0]}-L${lines[1]}`;
    const caption =
      `<a class="excerpt-file" href="${escapeHtml(href)}">${escapeHtml(source)}</a>` +
      ` <span class="excerpt-block">#${escapeHtml(region.block!)}</span>` +
      ` <span class="excerpt-from">as of ${escapeHtml(from)}, lines ${lines[0]}-${lines[1]}</span>`;
    result.excerpts.set(region.fence.open, { body, caption, language: languageFor(region.fence.info || infoFor(region)) });
  }
  return result;
}
