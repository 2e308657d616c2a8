// JUnit XML, the test-report format CI systems and most grading tools read: one <testsuite>
// per lesson, one <testcase> per test, <failure> or <error> with the message.
//
//   <testsuites name="ftp-lab grade" tests="3" failures="1" errors="0" skipped="0" time="4.210">
//     <testsuite name="lesson 1: Local authorizer ..." tests="3" failures="1" ...>
//       <testcase classname="01-local-authorizer" name="logs in a user" file="..." line="12" time="0.040"/>
//       <testcase ...><failure message="Expected 230 ..." type="fail">Expected 230 ...</failure></testcase>

import type { Lesson } from "./course.ts";
import type { GradedTest } from "./graded-tests.ts";

/** Text safe inside XML: markup characters escaped, characters XML forbids replaced. */
export function escapeXml(text: string, attribute = false): string {
  let out = text
    // eslint-disable-next-line no-control-regex
    .replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
  // In an attribute a raw newline would be read back as a space.
  if (attribute) out = out.replace(/\r/g, "&#13;").replace(/\n/g, "&#10;").replace(/\t/g, "&#9;");
  return out;
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([key, value]) => ` ${key}="${escapeXml(String(value), true)}"`)
    .join("");
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function junitXml(title: string, lessons: readonly Lesson[], graded: readonly GradedTest[]): string {
  const count = (tests: readonly GradedTest[], status: string) => tests.filter((t) => t.status === status).length;
  const time = (tests: readonly GradedTest[]) => seconds(tests.reduce((sum, t) => sum + t.durationMs, 0));
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites${attrs({ name: title, tests: graded.length, failures: count(graded, "fail"), errors: count(graded, "error"), skipped: 0, time: time(graded) })}>`);
  for (const lesson of lessons) {
    const tests = graded.filter((t) => t.lesson.id === lesson.id);
    lines.push(`  <testsuite${attrs({ name: `lesson ${lesson.id}: ${lesson.title}`, tests: tests.length, failures: count(tests, "fail"), errors: count(tests, "error"), skipped: 0, time: time(tests) })}>`);
    lines.push(`    <properties><property${attrs({ name: "points", value: lesson.points })}/></properties>`);
    for (const test of tests) {
      const head = `    <testcase${attrs({ classname: lesson.slug, name: test.name.replace(/^lesson \d+: /, ""), file: test.file, line: test.line, time: seconds(test.durationMs) })}`;
      if (test.status === "pass") {
        lines.push(`${head}/>`);
        continue;
      }
      const tag = test.status === "fail" ? "failure" : "error";
      const summary = test.message.split("\n")[0] ?? "";
      lines.push(`${head}>`);
      lines.push(`      <${tag}${attrs({ message: summary, type: test.status })}>${escapeXml(test.message)}</${tag}>`);
      lines.push("    </testcase>");
    }
    lines.push("  </testsuite>");
  }
  lines.push("</testsuites>");
  return `${lines.join("\n")}\n`;
}
