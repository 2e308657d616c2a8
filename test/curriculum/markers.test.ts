/**
 * Marker parsing (tools/curriculum/markers.ts): the tree it builds, and every mistake an
 * author can make, each reported as file:line plus the problem.
 */
import { describe, expect, it } from "vitest";
import { MarkerError, parseMarkers, type Block } from "../../tools/curriculum/markers.ts";

const src = (...lines: string[]): string => `${lines.join("\n")}\n`;
const parse = (text: string) => parseMarkers(text, { file: "final/src/x.ts", lessonIds: [1, 2, 3, 4, 5, 6, 7] });

function errorOf(text: string): MarkerError {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(MarkerError);
    return err as MarkerError;
  }
  throw new Error("expected a MarkerError, but the source parsed");
}

describe("parseMarkers: the tree", () => {
  it("reads unmarked lines, blocks, ranges, final blocks and stubs", () => {
    const file = parse(
      src(
        "const a = 1;",
        "//> 2 two",
        "const b = 2;",
        "//| stub",
        "// TODO(lesson 2): define b",
        "//- const b = 0;",
        "//<",
        "//> 1-3 old",
        "//- const c = 3;",
        "//<",
        "//> final tls",
        "const d = 4;",
        "//< tls",
      ),
    );
    expect(file.nodes.map((n) => n.kind)).toEqual(["line", "block", "block", "block"]);
    const two = file.blocks.get("two") as Block;
    expect(two).toMatchObject({ from: 2, until: null, openLine: 2, closeLine: 7 });
    expect(two.code.map((n) => (n.kind === "line" ? n.text : n.name))).toEqual(["const b = 2;"]);
    expect(two.stub?.map((l) => l.text)).toEqual(["// TODO(lesson 2): define b", "//- const b = 0;"]);
    expect(two.stub?.every((l) => l.dormant)).toBe(true);
    expect(two.code.every((n) => n.kind === "line" && !n.dormant)).toBe(true);
    expect(file.blocks.get("old")).toMatchObject({ from: 1, until: 3, stub: null });
    expect(file.blocks.get("tls")).toMatchObject({ from: "final", until: null });
    expect(file.wholeFile).toBeNull();
    expect(file.trailingNewline).toBe(true);
  });

  it("accepts indented markers and nests blocks", () => {
    const file = parse(
      src("function f() {", "  //> 1 outer", "  let x = 1;", "    //> 3 inner", "    x += 2;", "    //<", "  //<", "}"),
    );
    const outer = file.blocks.get("outer") as Block;
    const inner = file.blocks.get("inner") as Block;
    expect(outer.code).toContain(inner);
    expect(file.nodes).toContain(outer);
    expect(file.nodes).not.toContain(inner);
  });

  it("recognises a whole-file block (line 1 to the last non-blank line)", () => {
    expect(parse(src("//> 3 helper", "export const h = 1;", "//<")).wholeFile?.name).toBe("helper");
    expect(parse(src("//> 3 helper", "export const h = 1;", "//<", "", "")).wholeFile?.name).toBe("helper");
    // Opens on line 1 but code follows its closer: an ordinary block, the file always exists.
    expect(parse(src("//> 3 helper", "export const h = 1;", "//<", "export const k = 2;")).wholeFile).toBeNull();
    // Starts later: an ordinary block.
    expect(parse(src("// header", "//> 3 helper", "export const h = 1;", "//<")).wholeFile).toBeNull();
  });

  it("treats '//>' after code on a line as a plain comment", () => {
    const file = parse(src("const a = 1; //> 2 not-a-marker"));
    expect(file.blocks.size).toBe(0);
  });

  it("accepts any lesson number when no manifest is given", () => {
    expect(parseMarkers(src("//> 42 late", "x", "//<")).blocks.get("late")?.from).toBe(42);
  });
});

describe("parseMarkers: errors name file:line and the problem", () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ["unclosed block", src("a", "//> 1 open", "b"), 2, /block 'open' is never closed/],
    ["unclosed inner block", src("//> 1 outer", "//> 2 inner", "//<"), 1, /block 'outer' is never closed/],
    ["stray closer", src("a", "//<"), 2, /'\/\/<' closes nothing/],
    ["stub outside a block", src("a", "//| stub"), 2, /'\/\/\| stub' outside any block/],
    ["two stubs", src("//> 1 b", "x", "//| stub", "// TODO(lesson 1)", "//| stub", "//<"), 5, /second '\/\/\| stub' in block 'b' \(the first is on line 3\)/],
    ["separator that is not a stub", src("//> 1 b", "//| other", "//<"), 2, /expected '\/\/\| stub'/],
    ["N-M with M = N", src("//> 3-3 b", "//<"), 1, /range 3-3: the replacing lesson must come after lesson 3/],
    ["N-M with M < N", src("//> 4-2 b", "//<"), 1, /range 4-2/],
    ["inner starts before outer", src("//> 3 outer", "//> 2 inner", "//<", "//<"), 2, /'inner' \(lesson 2 on\) is nested in 'outer' \(lesson 3 on\) but not within its stages/],
    ["inner outlives outer", src("//> 1-4 outer", "//> 2 inner", "//<", "//<"), 2, /'inner' \(lesson 2 on\) is nested in 'outer' \(lessons 1 to 3\)/],
    ["lesson block in a final block", src("//> final outer", "//> 2 inner", "//<", "//<"), 2, /nested in 'outer' \(final only\)/],
    ["duplicate names", src("//> 1 same", "//<", "//> 2 same", "//<"), 3, /duplicate block name 'same' \(also opened on line 1\)/],
    ["duplicate name of an open block", src("//> 1 same", "//> 2 same", "//<", "//<"), 2, /duplicate block name 'same'/],
    ["lesson beyond the manifest", src("//> 8 late", "//<"), 1, /there is no lesson 8 in the manifest \(lessons are 1\.\.7\)/],
    ["replacing lesson beyond the manifest", src("//> 2-9 late", "//<"), 1, /there is no lesson 9/],
    ["live code in a stub (final/src would run it)", src("//> 2 a", "x", "//| stub", "// TODO(lesson 2): y", "const y = 0;", "//<"), 5, /in the stub of 'a' so the final server must not run it: write it as a comment, '\/\/- const y = 0;'/],
    ["live code in a block a later lesson replaces", src("//> 1-3 old", "const c = 3;", "//<"), 2, /in block 'old', which a later lesson replaces, so the final server must not run it/],
    ["live code nested in a replaced block", src("//> 1-3 old", "//> 2-3 inner", "const c = 3;", "//<", "//<"), 3, /in block 'old', which a later lesson replaces/],
    ["a '//-' line in final code", src("a", "//> 2 b", "//- x", "//<"), 3, /'\/\/-' marks code that the final server does not run/],
    ["live code in a block the final server replaces", src("//> 2-final old", "const c = 3;", "//<"), 2, /in block 'old', which a later lesson replaces, so the final server must not run it/],
    ["a skeleton block that nothing replaces", src("//> 0 early", "//<"), 1, /'\/\/> 0 early' is just skeleton code: leave it unmarked/],
    ["missing name", src("//> 2", "//<"), 1, /expected '\/\/> N name'/],
    ["extra words", src("//> 2 passive range", "//<"), 1, /expected '\/\/> N name'/],
    ["not a number", src("//> two name", "//<"), 1, /'two' is not a lesson number/],
    ["bad name", src("//> 2 Passive_Range", "//<"), 1, /block name 'Passive_Range' must be a lowercase slug/],
    ["closer naming another block", src("//> 1 a", "//< b"), 2, /'\/\/< b' closes block 'a'/],
    ["block inside a stub", src("//> 1 a", "//| stub", "// TODO(lesson 1)", "//> 2 b", "//<", "//<"), 4, /cannot open inside the stub of 'a'/],
    ["stub of a final block", src("//> final a", "//| stub", "//<"), 2, /final-only, so no starter ever shows its stub/],
    ["stub without TODO", src("//> 2 a", "x", "//| stub", "//- y", "//<"), 3, /needs a 'TODO\(lesson 2\)' comment/],
    ["stub with another lesson's TODO", src("//> 2 a", "//| stub", "// TODO(lesson 3)", "//<"), 2, /needs a 'TODO\(lesson 2\)'/],
  ];

  it.each(cases)("%s", (_label, text, line, problem) => {
    const error = errorOf(text);
    expect(error.file).toBe("final/src/x.ts");
    expect(error.line).toBe(line);
    expect(error.message).toMatch(new RegExp(`^final/src/x\\.ts:${line}: `));
    expect(error.problem).toMatch(problem);
  });
});
