// Turning a test's error into text a learner can read: the message the test (or the FTP-aware
// harness) wrote, never the stack trace of the test runner.
//
//   "HarnessError: Expected 230 to \"PASS s3cret\"...\n    at FtpSocket.expect (...)"
//     ->  "Expected 230 to \"PASS s3cret\"..."

/** Stack frames ("    at fn (file:1:2)") and the error-class prefix removed; trailing space trimmed. */
export function cleanMessage(text: string): string {
  const lines = stripAnsi(text)
    .replace(/\r\n/g, "\n")
    .split("\n")
    .filter((line) => !/^\s+at (?:.+ \()?(?:file:|node:|\/|[A-Za-z]:\\|<anonymous>|async )/.test(line) && !/^\s+at \S+ \(.*:\d+:\d+\)$/.test(line));
  const first = lines[0] ?? "";
  lines[0] = first.replace(/^(?:HarnessError|AssertionError|Error): /, "");
  return lines.join("\n").trimEnd();
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");
}

/** At most `max` lines, with a note of how many were left out. */
export function clipLines(text: string, max: number): string {
  const lines = text.split("\n");
  if (lines.length <= max) return text;
  return [...lines.slice(0, max), `… (${lines.length - max} more lines)`].join("\n");
}

/** Every line indented by `prefix`. */
export function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? "" : prefix + line))
    .join("\n");
}
