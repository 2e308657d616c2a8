/**
 * Projection rules (tools/curriculum/project.ts, spec in docs/curriculum.md), each on a small
 * inline source: which lines each solution and starter holds, stubs, ranges, nesting,
 * whole-file blocks, and excerpts for lesson READMEs.
 */
import { describe, expect, it } from "vitest";
import { excerpt, project, type Kind, type Stage } from "../../tools/curriculum/project.ts";

const src = (...lines: string[]): string => `${lines.join("\n")}\n`;
const at = (text: string, stage: Stage, kind: Kind = "solution") => project(text, { stage, kind, file: "x.ts" });
/** The projection as lines, without the final newline. */
const lines = (text: string, stage: Stage, kind: Kind = "solution") => at(text, stage, kind)?.replace(/\n$/, "").split("\n");

describe("solutions", () => {
  const text = src(
    "base",
    "//> 2 two",
    "from two",
    "//<",
    "//> 1-3 old",
    "//- one and two only",
    "//<",
    "//> 3 new",
    "from three",
    "//<",
    "//> final extra",
    "final only",
    "//<",
    "end",
  );

  it("stage 0 is the unmarked code only", () => {
    expect(lines(text, 0)).toEqual(["base", "end"]);
  });

  it("a block 'N' is in solutions N, N+1, ... and final", () => {
    expect(lines(text, 1)).not.toContain("from two");
    expect(lines(text, 2)).toContain("from two");
    expect(lines(text, 5)).toContain("from two");
    expect(lines(text, "final")).toContain("from two");
  });

  it("a block 'N-M' is in solutions N..M-1 only, not in M nor final", () => {
    expect(lines(text, 1)).toContain("one and two only");
    expect(lines(text, 2)).toContain("one and two only");
    expect(lines(text, 3)).not.toContain("one and two only");
    expect(lines(text, "final")).not.toContain("one and two only");
  });

  it("N-M replacement: lesson M's block takes the old one's place", () => {
    expect(lines(text, 2)).toEqual(["base", "from two", "one and two only", "end"]);
    expect(lines(text, 3)).toEqual(["base", "from two", "from three", "end"]);
  });

  it("a 'final' block is in final only", () => {
    expect(lines(text, 7)).not.toContain("final only");
    expect(lines(text, "final")).toEqual(["base", "from two", "from three", "final only", "end"]);
  });

  it("never shows marker lines, indented or not", () => {
    const indented = src("f() {", "  //> 1 a", "  x();", "  //| stub", "  // TODO(lesson 1): call x", "  //<", "}");
    for (const stage of [0, 1, 2, "final"] as const) {
      for (const kind of ["solution", "starter"] as const) {
        if (stage === "final" && kind === "starter") continue;
        expect(at(indented, stage, kind)).not.toMatch(/\/\/[<>|]/);
      }
    }
    expect(lines(indented, 1)).toEqual(["f() {", "  x();", "}"]);
  });

  it("keeps the final newline, or its absence, and CRLF line ends", () => {
    expect(at("a\n//> 1 b\nb\n//<\n", 1)).toBe("a\nb\n");
    expect(at("a\n//> 1 b\nb\n//<", 1)).toBe("a\nb");
    expect(at("a\r\n//> 1 b\r\nb\r\n//<\r\n", 1)).toBe("a\r\nb\r\n");
    expect(at("a\r\n//> 1 b\r\nb\r\n//<\r\n", 0)).toBe("a\r\n");
    expect(at("", 1)).toBe("");
  });
});

describe("starters", () => {
  const text = src(
    "base",
    "//> 1 one",
    "lesson one code",
    "//<",
    "//> 2 with-stub",
    "lesson two code",
    "//| stub",
    "// TODO(lesson 2): write the code",
    "//- stub code",
    "//<",
    "//> 2 no-stub",
    "lesson two command",
    "//<",
    "//> 3 three",
    "lesson three code",
    "//| stub",
    "// TODO(lesson 3): later",
    "//<",
  );

  it("starter N shows lesson N's stubs instead of its code", () => {
    const starter = lines(text, 2, "starter");
    expect(starter).toContain("stub code");
    expect(starter).toContain("// TODO(lesson 2): write the code");
    expect(starter).not.toContain("lesson two code");
  });

  it("a lesson-N block without a stub is absent from starter N", () => {
    expect(lines(text, 2, "starter")).not.toContain("lesson two command");
  });

  it("starter N shows earlier lessons' blocks as code, and nothing of later lessons", () => {
    expect(lines(text, 2, "starter")).toEqual(["base", "lesson one code", "// TODO(lesson 2): write the code", "stub code"]);
  });

  it("starter N is solution N-1 plus lesson N's stubs", () => {
    const solutionBefore = lines(text, 1) ?? [];
    const starter = lines(text, 2, "starter") ?? [];
    expect(starter.filter((l) => !l.includes("stub") && !l.includes("TODO"))).toEqual(solutionBefore);
  });

  it("a stub never reaches a solution, nor another lesson's starter", () => {
    for (const stage of [1, 2, 3, 4]) expect(lines(text, stage)).not.toContain("stub code");
    expect(lines(text, 3, "starter")).not.toContain("stub code");
    expect(lines(text, 1, "starter")).toEqual(["base"]);
  });

  it("starter M still shows the code of a block 'N-M' that lesson M replaces", () => {
    // The learner rewrites the old code; the new block's stub only points at it.
    const replaced = src(
      "//> 1-2 fixed-port",
      "//- const port = 0;",
      "//<",
      "//> 2 port-range",
      "const port = pick(range);",
      "//| stub",
      "// TODO(lesson 2): pick the port from the range instead of 0",
      "//<",
    );
    expect(lines(replaced, 2, "starter")).toEqual(["const port = 0;", "// TODO(lesson 2): pick the port from the range instead of 0"]);
    expect(lines(replaced, 3, "starter")).toEqual(["const port = pick(range);"]);
  });

  it("there is no starter for final, and stages are whole numbers", () => {
    expect(() => at(text, "final", "starter")).toThrow(/no starter for 'final'/);
    expect(() => at(text, -1)).toThrow(/stage must be a lesson number/);
    expect(() => at(text, 1.5)).toThrow(/stage must be a lesson number/);
  });
});

describe("nested blocks", () => {
  const text = src(
    "function handle() {",
    "  //> 1 outer",
    "  check();",
    "    //> 3 inner",
    "    log();",
    "    //| stub",
    "    // TODO(lesson 3): log the command",
    "    //<",
    "  run();",
    "  //| stub",
    "  // TODO(lesson 1): check, then run",
    "  //<",
    "}",
  );

  it("an inner block follows its own stages inside its outer block", () => {
    expect(lines(text, 1)).toEqual(["function handle() {", "  check();", "  run();", "}"]);
    expect(lines(text, 2)).toEqual(["function handle() {", "  check();", "  run();", "}"]);
    expect(lines(text, 3)).toEqual(["function handle() {", "  check();", "    log();", "  run();", "}"]);
  });

  it("starter 3 shows the outer code with the inner block's stub", () => {
    expect(lines(text, 3, "starter")).toEqual([
      "function handle() {",
      "  check();",
      "    // TODO(lesson 3): log the command",
      "  run();",
      "}",
    ]);
  });

  it("starter 1 shows the outer stub, hiding everything inside the outer block", () => {
    expect(lines(text, 1, "starter")).toEqual(["function handle() {", "  // TODO(lesson 1): check, then run", "}"]);
  });

  it("an inner 'N-M' block inside an open-ended outer block", () => {
    const ranged = src("//> 1 outer", "a", "//> 1-3 inner", "//- b", "//<", "//> 3 newer", "c", "//<", "//<");
    expect(lines(ranged, 2)).toEqual(["a", "b"]);
    expect(lines(ranged, 3)).toEqual(["a", "c"]);
  });
});

describe("skeleton code a lesson replaces ('0-M')", () => {
  const text = src("//> 0-2 placeholder", "//- const port = 0;", "//<", "//> 2 range", "const port = pick();", "//| stub", "// TODO(lesson 2): pick a port", "//<");

  it("is in solutions 0 .. M-1 and in starter M, never in solution M or final", () => {
    expect(lines(text, 0)).toEqual(["const port = 0;"]);
    expect(lines(text, 1, "starter")).toEqual(["const port = 0;"]);
    expect(lines(text, 2, "starter")).toEqual(["const port = 0;", "// TODO(lesson 2): pick a port"]);
    expect(lines(text, 2)).toEqual(["const port = pick();"]);
    expect(lines(text, "final")).toEqual(["const port = pick();"]);
  });
});

describe("skeleton or lesson code the final server replaces ('N-final')", () => {
  const text = src("//> final better", "better();", "//<", "//> 0-final plain", "//- plain();", "//<");

  it("is in every lesson's solution and starter, and never in final", () => {
    expect(lines(text, 0)).toEqual(["plain();"]);
    expect(lines(text, 7)).toEqual(["plain();"]);
    expect(lines(text, 3, "starter")).toEqual(["plain();"]);
    expect(lines(text, "final")).toEqual(["better();"]);
  });
});

describe("scaffolds: a lesson's block without a stub around stubbed blocks of the same lesson", () => {
  const text = src(
    "//> 4 reader",
    "export function read(text: string) {",
    "  const lines = text.split('\\n');",
    "//> 4 parse-line",
    "  return lines.map(parse);",
    "//| stub",
    "  // TODO(lesson 4): parse each line",
    "  //- return [];",
    "//<",
    "}",
    "//> 4 helper",
    "export const helper = 1;",
    "//<",
    "//<",
  );

  it("starter N shows the scaffold's own lines and its nested stubs, not its stubless blocks", () => {
    expect(lines(text, 4, "starter")).toEqual(["export function read(text: string) {", "  const lines = text.split('\\n');", "  // TODO(lesson 4): parse each line", "  return [];", "}"]);
  });

  it("solutions see it as ordinary code", () => {
    expect(at(text, 3)).toBeNull();
    expect(lines(text, 4)).toContain("  return lines.map(parse);");
    expect(lines(text, 4)).toContain("export const helper = 1;");
  });

  it("a block without stubs inside stays absent from its starter", () => {
    expect(at(src("//> 4 plain", "x", "//> 4 inner", "y", "//<", "//<"), 4, "starter")).toBeNull();
  });
});

describe("whole-file blocks", () => {
  const helper = src("//> 3 helper", "export const helper = 1;", "//<");

  it("the file does not exist before its lesson", () => {
    expect(at(helper, 0)).toBeNull();
    expect(at(helper, 2)).toBeNull();
    expect(at(helper, 2, "starter")).toBeNull();
  });

  it("exists from its lesson on, without marker lines", () => {
    expect(at(helper, 3)).toBe("export const helper = 1;\n");
    expect(at(helper, "final")).toBe("export const helper = 1;\n");
    expect(at(helper, 4, "starter")).toBe("export const helper = 1;\n");
  });

  it("is absent from its lesson's starter without a stub, and is the stub with one", () => {
    expect(at(helper, 3, "starter")).toBeNull();
    const stubbed = src("//> 3 helper", "export const helper = 1;", "//| stub", "// TODO(lesson 3): define helper", "//- export const helper = 0;", "//<");
    expect(at(stubbed, 3, "starter")).toBe("// TODO(lesson 3): define helper\nexport const helper = 0;\n");
  });

  it("a whole-file 'N-M' block disappears from lesson M on", () => {
    const old = src("//> 1-4 legacy", "//- export const legacy = 1;", "//<");
    expect(at(old, 3)).toBe("export const legacy = 1;\n");
    expect(at(old, 4)).toBeNull();
    expect(at(old, "final")).toBeNull();
  });

  it("a final-only file exists in final only", () => {
    const tls = src("//> final tls", "export const tls = true;", "//<");
    expect(at(tls, 7)).toBeNull();
    expect(at(tls, "final")).toBe("export const tls = true;\n");
  });

  it("a block on line 1 followed by more code leaves the file in every stage", () => {
    const partly = src("//> 3 helper", "export const helper = 1;", "//<", "export const other = 2;");
    expect(at(partly, 1)).toBe("export const other = 2;\n");
  });
});

describe("excerpt", () => {
  const text = src(
    "export class Server {",
    "  //> 2 passive-range",
    "  open() {",
    "    for (const port of ports) {",
    "      //> 5 throttle",
    "      throttle();",
    "      //<",
    "      listen(port);",
    "    }",
    "",
    "  }",
    "  //| stub",
    "  // TODO(lesson 2): open a port",
    "  //<",
    "}",
  );

  it("returns the block's code, dedented, without markers, stub or trailing blank lines", () => {
    expect(excerpt(text, "passive-range")).toBe(["open() {", "  for (const port of ports) {", "    listen(port);", "  }", "", "}"].join("\n"));
  });

  it("quotes the block as its own lesson's solution has it, or as of a given stage", () => {
    expect(excerpt(text, "passive-range")).not.toContain("throttle");
    expect(excerpt(text, "passive-range", { stage: 5 })).toContain("    throttle();");
    expect(excerpt(text, "throttle")).toBe("throttle();");
  });

  it("keeps relative indentation with tabs", () => {
    expect(excerpt(src("//> 1 t", "\tif (a) {", "\t\tb();", "\t}", "//<"), "t")).toBe("if (a) {\n\tb();\n}");
  });

  it("fails clearly for an unknown name", () => {
    expect(() => excerpt(text, "nope", { file: "final/src/server.ts" })).toThrow(
      "final/src/server.ts: no block named 'nope'; its blocks are: passive-range, throttle",
    );
  });
});
