//> 0 command-line
// One command line splits into a verb and its argument at the first space.
//
//   "RETR my file.txt"  ->  { verb: "RETR", arg: "my file.txt" }
//   "noop"              ->  { verb: "NOOP", arg: "" }
//
// The argument is kept exactly as sent: file names may begin or end with spaces.

export interface CommandLine {
  verb: string;
  arg: string;
}

export function parseCommandLine(line: string): CommandLine {
  const space = line.indexOf(" ");
  if (space === -1) return { verb: asciiUpper(line), arg: "" };
  return { verb: asciiUpper(line.slice(0, space)), arg: line.slice(space + 1) };
}

/**
 * Upper case for ASCII letters only. RFC 959's verbs are ASCII; String.toUpperCase would
 * also turn "ſ" into "S" and "ﬆ" into "ST", so "ſtor" would be STOR.
 */
function asciiUpper(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}
//<
