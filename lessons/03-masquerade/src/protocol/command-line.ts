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
  if (space === -1) return { verb: line.toUpperCase(), arg: "" };
  return { verb: line.slice(0, space).toUpperCase(), arg: line.slice(space + 1) };
}
