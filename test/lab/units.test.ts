/**
 * The small pure pieces of the lab: points shared out over tests, XML escaping, turning test
 * errors into readable text, and the Classroom result built from graded tests.
 */
import { describe, expect, it } from "vitest";
import { parseManifest } from "../../tools/curriculum/manifest.ts";
import { classroomResult, totalScore } from "../../tools/lab/classroom-results.ts";
import { cleanMessage } from "../../tools/lab/error-text.ts";
import { gradeRun } from "../../tools/lab/graded-tests.ts";
import { escapeXml } from "../../tools/lab/junit.ts";
import { spreadPoints, sumPoints } from "../../tools/lab/scoring.ts";
import { MANIFEST } from "./fixture-course.ts";

describe("spreadPoints", () => {
  it("shares a lesson's points in hundredths that add up exactly", () => {
    expect(spreadPoints(10, 4)).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect(spreadPoints(10, 3)).toEqual([3.33, 3.34, 3.33]);
    expect(sumPoints(spreadPoints(10, 7))).toBe(10);
    expect(sumPoints(spreadPoints(10, 13))).toBe(10);
    expect(spreadPoints(10, 0)).toEqual([]);
  });
});

describe("escapeXml", () => {
  it("escapes markup, keeps newlines in text, encodes them in attributes, replaces forbidden characters", () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
    expect(escapeXml("line 1\nline 2")).toBe("line 1\nline 2");
    expect(escapeXml("line 1\r\nline 2", true)).toBe("line 1&#13;&#10;line 2");
    expect(escapeXml("bell\u0007 and NUL\u0000")).toBe("bell\uFFFD and NUL\uFFFD");
    expect(escapeXml("emoji 🚀 stays")).toBe("emoji 🚀 stays");
  });
});

describe("cleanMessage", () => {
  it("drops stack frames, the error class and colours, keeps the harness's explanation", () => {
    const stack = [
      'HarnessError: Expected reply 230 to "PASS s3cret", got 530.',
      "  sent:      PASS s3cret",
      "  reproduce: printf 'USER anna\\r\\n' | nc 127.0.0.1 4000",
      "    at FtpSocket.expect (/work/main/test/harness/ftp-socket.ts:120:11)",
      "    at async /work/main/test/lessons/01-local-authorizer.test.ts:67:5",
      "    at node:internal/process/task_queues:95:5",
    ].join("\n");
    expect(cleanMessage(stack)).toBe(
      ['Expected reply 230 to "PASS s3cret", got 530.', "  sent:      PASS s3cret", "  reproduce: printf 'USER anna\\r\\n' | nc 127.0.0.1 4000"].join("\n"),
    );
    expect(cleanMessage("\u001b[31mexpected 1 to be 2\u001b[39m")).toBe("expected 1 to be 2");
  });
});

describe("classroomResult", () => {
  const lessons = parseManifest(MANIFEST);
  const outcome = (name: string, state: "pass" | "fail") => ({ file: "f", suites: ["s"], name, state, message: state === "fail" ? "why" : "", line: 3, durationMs: 5 });

  it("gives each test its share, scores the passing ones, and says fail when any fails", () => {
    const graded = gradeRun([
      { lesson: lessons[0]!, file: "test/lessons/01-one.test.ts", tests: [outcome("a", "pass"), outcome("b", "fail"), outcome("c", "pass")], problems: [] },
      { lesson: lessons[1]!, file: "test/lessons/02-two.test.ts", tests: [], problems: ["the tests did not finish"] },
    ]);
    const result = classroomResult(graded, 15, false);
    expect(result.status).toBe("fail");
    expect(result.max_score).toBe(15);
    expect(result.tests.map((t) => [t.name, t.status, t.score, t.max_score])).toEqual([
      ["lesson 1: s › a", "pass", 3.33, 3.33],
      ["lesson 1: s › b", "fail", 0, 3.34],
      ["lesson 1: s › c", "pass", 3.33, 3.33],
      ["lesson 2: could not be tested", "error", 0, 5],
    ]);
    expect(totalScore(result)).toBe(6.66);
    expect(classroomResult(graded, 15, true).status).toBe("error");
  });

  it("says pass only when every test passes", () => {
    const graded = gradeRun([{ lesson: lessons[0]!, file: "f", tests: [outcome("a", "pass")], problems: [] }]);
    expect(classroomResult(graded, 10, false)).toMatchObject({ status: "pass", tests: [{ score: 10 }] });
    expect(classroomResult([], 10, false).status).toBe("fail");
  });
});
