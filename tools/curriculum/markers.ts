// Lesson markers: parse a source file into a tree of blocks (docs/curriculum.md is the spec).
//
//   //> 2 passive-range        opens a block that appears from lesson 2 on
//   //> 2-5 fixed-banner       ... from lesson 2, until lesson 5 replaces it
//   //> final tls              ... in the final server only
//   //> 0-final plain-close    ... in every lesson's stage, replaced in the final server
//   //| stub                   optional: the lines after it are lesson N's starter version
//   //<                        closes the innermost open block (may repeat its name: //< tls)
//
// A marker is a whole line (indentation allowed); "//>" after code on the same line is just a
// comment. Mistakes are thrown as MarkerError with file:line, because a marker that is silently
// ignored would leak lesson code into a starter, which nobody notices until a learner does.

export type Stage = number | "final";

export interface Line {
  readonly kind: "line";
  /** 1-based line number in the source file. */
  readonly line: number;
  readonly text: string;
  /**
   * A line final/src does not run: in a stub, or in a block some lesson replaces. It is a
   * comment there (`//- code`, see DORMANT), and projections that show it uncomment it.
   */
  readonly dormant: boolean;
}

export interface Block {
  readonly kind: "block";
  readonly name: string;
  /** The lesson that introduces the block, or "final" for code no lesson teaches yet. */
  readonly from: Stage;
  /** The lesson that replaces it (the block is gone from that solution on), or null. */
  readonly until: number | null;
  /** Line numbers of the opener and closer. */
  readonly openLine: number;
  readonly closeLine: number;
  /** The block's code: lines and nested blocks. */
  readonly code: readonly Node[];
  /** The starter's version for lesson `from` (the lines after `//| stub`), or null. */
  readonly stub: readonly Line[] | null;
}

export type Node = Line | Block;

export interface MarkedFile {
  readonly file: string;
  readonly nodes: readonly Node[];
  /** Every block, nested ones included, by name. */
  readonly blocks: ReadonlyMap<string, Block>;
  /**
   * The block that wraps the whole file (it opens on line 1 and only blank lines follow its
   * closer): the file itself exists only in the stages where that block is shown.
   */
  readonly wholeFile: Block | null;
  /** Whether the text ended with a newline, so projections can keep it. */
  readonly trailingNewline: boolean;
}

export interface ParseOptions {
  /** Used in error messages. */
  file?: string;
  /** The manifest's lesson ids; when given, a marker naming any other lesson is an error. */
  lessonIds?: readonly number[];
}

export class MarkerError extends Error {
  override name = "MarkerError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

const OPENER = /^\s*\/\/>(.*)$/;
const SEPARATOR = /^\s*\/\/\|(.*)$/;
const CLOSER = /^\s*\/\/<(.*)$/;
const NAME = /^[a-z0-9][a-z0-9-]*$/;
/**
 * final/src is itself the runnable final server, so code that final does not run (stubs, and
 * blocks a later lesson replaces) is written there as comments, `//- code`; a projection that
 * shows such a line removes the `//- ` (or a bare `//-`), keeping the indentation before it.
 */
export const DORMANT = /^(\s*)\/\/-(?: |$)/;

/** A block while its lines are being read. */
interface OpenBlock {
  name: string;
  from: Stage;
  until: number | null;
  openLine: number;
  stubLine: number | null;
  code: Node[];
  stub: Line[] | null;
}

export function parseMarkers(text: string, options: ParseOptions = {}): MarkedFile {
  const file = options.file ?? "<source>";
  const lessonIds = options.lessonIds ? new Set(options.lessonIds) : null;
  function fail(line: number, problem: string): never {
    throw new MarkerError(file, line, problem);
  }

  // Split on "\n" only: a "\r" stays on its line, so CRLF files come out CRLF.
  const trailingNewline = text.endsWith("\n");
  const lines = text === "" ? [] : (trailingNewline ? text.slice(0, -1) : text).split("\n");

  const top: Node[] = [];
  const stack: OpenBlock[] = [];
  const blocks = new Map<string, Block>();
  let firstBlock: Block | null = null;
  let lastContentLine = 0;

  for (const [index, source] of lines.entries()) {
    const number = index + 1;
    const current = stack[stack.length - 1];
    if (source.trim() !== "") lastContentLine = number;
    const bare = source.endsWith("\r") ? source.slice(0, -1) : source; // "." stops at "\r"

    const opener = OPENER.exec(bare);
    if (opener) {
      if (current?.stub) fail(number, `a block cannot open inside the stub of '${current.name}' (a stub is shown in one starter only)`);
      const header = parseHeader(opener[1] ?? "", number, fail);
      checkLesson(header.from, number, lessonIds, fail);
      // With a lesson 0 in the manifest, "//> 0 name" is lesson 0's code (the unmarked code is
      // then the kit the learner starts from); without one, 0 is the skeleton and only starts a range.
      if (header.from === 0 && header.until === null && !lessonIds?.has(0)) fail(number, `'//> 0 ${header.name}' is just skeleton code: leave it unmarked (0 only starts a range, '//> 0-M name', for code lesson M replaces)`);
      if (header.until !== null && header.until !== Number.POSITIVE_INFINITY) checkLesson(header.until, number, lessonIds, fail);
      if (current) checkNesting(header, current, number, fail);
      const earlier = blocks.get(header.name) ?? stack.find((b) => b.name === header.name);
      if (earlier) {
        fail(number, `duplicate block name '${header.name}' (also opened on line ${earlier.openLine}); names must be unique in a file because excerpts quote blocks by name`);
      }
      stack.push({ ...header, openLine: number, stubLine: null, code: [], stub: null });
      continue;
    }

    const separator = SEPARATOR.exec(bare);
    if (separator) {
      if ((separator[1] ?? "").trim() !== "stub") fail(number, `expected '//| stub', found '${source.trim()}'`);
      if (!current) fail(number, "'//| stub' outside any block");
      if (current.stubLine !== null) fail(number, `second '//| stub' in block '${current.name}' (the first is on line ${current.stubLine})`);
      if (current.from === "final") fail(number, `block '${current.name}' is final-only, so no starter ever shows its stub`);
      current.stubLine = number;
      current.stub = [];
      continue;
    }

    const closer = CLOSER.exec(bare);
    if (closer) {
      if (!current) fail(number, "'//<' closes nothing (no block is open)");
      const named = (closer[1] ?? "").trim();
      if (named !== "" && named !== current.name) fail(number, `'//< ${named}' closes block '${current.name}' (opened on line ${current.openLine})`);
      // docs/curriculum.md promises every stub carries a TODO(lesson N): it is how the
      // learner finds the places to edit.
      if (current.stub && !current.stub.some((l) => l.text.includes(`TODO(lesson ${current.from})`))) {
        fail(current.stubLine ?? number, `the stub of block '${current.name}' needs a 'TODO(lesson ${current.from})' comment telling the learner what to write`);
      }
      stack.pop();
      const block: Block = {
        kind: "block",
        name: current.name,
        from: current.from,
        until: current.until,
        openLine: current.openLine,
        closeLine: number,
        code: current.code,
        stub: current.stub,
      };
      blocks.set(block.name, block);
      const parent = stack[stack.length - 1];
      (parent ? parent.code : top).push(block);
      if (!parent && block.openLine === 1) firstBlock = block;
      continue;
    }

    // Stubs and replaced blocks are not part of the final server: they must be comments.
    const dormant = current?.stub != null || stack.some((b) => b.until !== null);
    if (dormant && bare.trim() !== "" && !/^\s*\/\//.test(bare)) {
      const where = current?.stub != null ? `the stub of '${current.name}'` : `block '${stack.find((b) => b.until !== null)?.name}', which a later lesson replaces,`;
      fail(number, `this line is in ${where} so the final server must not run it: write it as a comment, '//- ${bare.trim()}'`);
    }
    if (!dormant && DORMANT.test(bare)) {
      fail(number, "'//-' marks code that the final server does not run; this line is final code (only stubs and replaced blocks hold '//-' lines)");
    }
    const line: Line = { kind: "line", line: number, text: source, dormant };
    if (!current) top.push(line);
    else (current.stub ?? current.code).push(line);
  }

  const unclosed = stack[stack.length - 1];
  if (unclosed) fail(unclosed.openLine, `block '${unclosed.name}' is never closed (missing '//<')`);

  const wholeFile = firstBlock && firstBlock.closeLine >= lastContentLine ? firstBlock : null;
  return { file, nodes: top, blocks, wholeFile, trailingNewline };
}

interface Header {
  name: string;
  from: Stage;
  until: number | null;
}

function parseHeader(rest: string, line: number, fail: (line: number, problem: string) => never): Header {
  const words = rest.trim().split(/\s+/).filter((w) => w !== "");
  const usage = "expected '//> N name', '//> N-M name' or '//> final name'";
  if (words.length !== 2) fail(line, `${usage}, found '//>${rest}'`);
  const [stages = "", name = ""] = words;
  if (!NAME.test(name)) fail(line, `block name '${name}' must be a lowercase slug (a-z, 0-9 and '-')`);
  if (stages === "final") return { name, from: "final", until: null };
  const range = /^(\d+)(?:-(\d+|final))?$/.exec(stages);
  if (!range) fail(line, `${usage}: '${stages}' is not a lesson number, N-M range or 'final'`);
  const from = Number(range?.[1]);
  // "N-final": in every lesson's stage from N on, but the final server replaces it.
  const until = range?.[2] === undefined ? null : range[2] === "final" ? Number.POSITIVE_INFINITY : Number(range[2]);
  if (until !== null && until <= from) fail(line, `range ${from}-${until}: the replacing lesson must come after lesson ${from}`);
  return { name, from, until };
}

function checkLesson(
  lesson: Stage,
  line: number,
  lessonIds: ReadonlySet<number> | null,
  fail: (line: number, problem: string) => never,
): void {
  // 0 is the skeleton (stage 0): "//> 0-M name" is skeleton code that lesson M replaces.
  if (lesson === "final" || lesson === 0 || !lessonIds || lessonIds.has(lesson)) return;
  const ids = [...lessonIds].sort((a, b) => a - b);
  fail(line, `there is no lesson ${lesson} in the manifest (lessons are ${ids[0]}..${ids[ids.length - 1]})`);
}

// Stages as numbers, so "final" compares after every lesson and "no end" after everything.
const start = (from: Stage): number => (from === "final" ? Number.POSITIVE_INFINITY : from);
const end = (until: number | null): number => (until === null ? Number.POSITIVE_INFINITY : until);

function checkNesting(inner: Header, outer: OpenBlock, line: number, fail: (line: number, problem: string) => never): void {
  // An inner block is only ever seen through its outer one, so stages outside the outer
  // block's would silently never show: that is always a mistake.
  if (start(inner.from) < start(outer.from) || end(inner.until) > end(outer.until)) {
    fail(line, `block '${inner.name}' (${describeStages(inner)}) is nested in '${outer.name}' (${describeStages(outer)}) but not within its stages`);
  }
}

/** "lesson 2 on", "lessons 2-4", "final only": for messages. */
export function describeStages(block: { from: Stage; until: number | null }): string {
  if (block.from === "final") return "final only";
  if (block.until === null) return `lesson ${block.from} on`;
  if (block.until === Number.POSITIVE_INFINITY) return `lesson ${block.from} on, not in final`;
  return `lessons ${block.from} to ${block.until - 1}`;
}
