// Projection: one marked source file, seen at one stage of the course (docs/curriculum.md).
//
//   solution N   the code as it stands at the end of lesson N: a block from N (until M) is in
//                solutions N .. M-1, and in final when nothing replaces it;
//   starter N    solution N-1, plus, for each block lesson N introduces, its stub (or nothing);
//   final        every block that no lesson replaces, final-only blocks included.
//
// Projection only drops lines (and marker lines); it never rewrites or re-indents the ones it
// keeps, so a projected file diffs cleanly against final/src.

import { DORMANT, parseMarkers, type Block, type Line, type MarkedFile, type Node, type ParseOptions, type Stage } from "./markers.ts";

export type { Stage } from "./markers.ts";
export type Kind = "solution" | "starter";

export interface ProjectOptions extends ParseOptions {
  stage: Stage;
  kind: Kind;
}

/**
 * The file's text at `stage`, or null when the file does not exist there (a whole-file block
 * that is not shown). Throws MarkerError for malformed markers.
 */
export function project(text: string, options: ProjectOptions): string | null {
  return render(parseMarkers(text, options), options);
}

/** Like `project`, for a file already parsed (the generator parses each file once). */
export function render(marked: MarkedFile, { stage, kind }: { stage: Stage; kind: Kind }): string | null {
  checkStage(stage, kind);
  if (marked.wholeFile && show(marked.wholeFile, stage, kind) === "none") return null;
  const out: string[] = [];
  emit(marked.nodes, stage, kind, out);
  return join(out, marked.trailingNewline);
}

/**
 * A block's code lines, dedented, for a lesson README to quote. By default the block is shown
 * as it stands in its own lesson's solution (nested blocks of later lessons left out), which is
 * what that lesson teaches; pass `stage` to quote it as of another stage.
 */
export function excerpt(text: string, name: string, options: ParseOptions & { stage?: Stage } = {}): string {
  const marked = parseMarkers(text, options);
  const block = marked.blocks.get(name);
  if (!block) {
    const known = [...marked.blocks.keys()].sort();
    const hint = known.length > 0 ? `; its blocks are: ${known.join(", ")}` : "; it has no blocks";
    throw new Error(`${marked.file}: no block named '${name}'${hint}`);
  }
  const stage = options.stage ?? block.from;
  const out: string[] = [];
  emit(block.code, stage, "solution", out);
  return dedent(trimBlankEnds(out)).join("\n");
}

type Shown = "code" | "stub" | "none";

/** Whether a block is in solution `stage`. */
export function inSolution(block: Pick<Block, "from" | "until">, stage: Stage): boolean {
  if (stage === "final") return block.until === null;
  if (block.from === "final") return false;
  return block.from <= stage && (block.until === null || stage < block.until);
}

function show(block: Block, stage: Stage, kind: Kind): Shown {
  if (kind === "solution") return inSolution(block, stage) ? "code" : "none";
  // Starter N: lesson N's own blocks become their stubs; everything else is as in solution
  // N-1. That includes a block "K-N" that lesson N replaces: the learner starts from the old
  // code and rewrites it, so the replacing block's stub is usually just a TODO comment.
  // A block of lesson N without a stub that holds stubbed blocks of lesson N is a scaffold:
  // the starter shows its lines (given to the learner) with the nested stubs to fill in.
  if (block.from === stage) return block.stub ? "stub" : hasStubOf(block, stage) ? "code" : "none";
  return inSolution(block, (stage as number) - 1) ? "code" : "none";
}

function hasStubOf(block: Block, lesson: Stage): boolean {
  return block.code.some((node) => node.kind === "block" && node.from === lesson && (node.stub !== null || hasStubOf(node, lesson)));
}

function emit(nodes: readonly Node[], stage: Stage, kind: Kind, out: string[]): void {
  for (const node of nodes) {
    if (node.kind === "line") {
      out.push(uncomment(node));
      continue;
    }
    const shown = show(node, stage, kind);
    if (shown === "code") emit(node.code, stage, kind, out);
    else if (shown === "stub") for (const line of node.stub ?? []) out.push(uncomment(line));
  }
}

/** "  //- yield 0;" -> "  yield 0;" for dormant lines; every other line as it is. */
function uncomment(line: Line): string {
  return line.dormant ? line.text.replace(DORMANT, "$1") : line.text;
}

function checkStage(stage: Stage, kind: Kind): void {
  if (stage === "final") {
    if (kind === "starter") throw new Error("there is no starter for 'final' (starters belong to lessons)");
    return;
  }
  if (!Number.isInteger(stage) || stage < 0) throw new Error(`stage must be a lesson number (0, 1, 2...) or "final", not ${stage}`);
}

function join(lines: readonly string[], trailingNewline: boolean): string {
  if (lines.length === 0) return "";
  return lines.join("\n") + (trailingNewline ? "\n" : "");
}

function trimBlankEnds(lines: readonly string[]): string[] {
  let startIndex = 0;
  let endIndex = lines.length;
  while (startIndex < endIndex && lines[startIndex]?.trim() === "") startIndex++;
  while (endIndex > startIndex && lines[endIndex - 1]?.trim() === "") endIndex--;
  return lines.slice(startIndex, endIndex);
}

/** Removes the indentation all non-blank lines share; blank lines become empty. */
function dedent(lines: readonly string[]): string[] {
  const cleaned = lines.map((line) => line.replace(/\s+$/, ""));
  let prefix: string | null = null;
  for (const line of cleaned) {
    if (line === "") continue;
    const indent = /^[ \t]*/.exec(line)?.[0] ?? "";
    prefix = prefix === null ? indent : commonPrefix(prefix, indent);
  }
  const cut = prefix?.length ?? 0;
  return cleaned.map((line) => line.slice(cut));
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}
