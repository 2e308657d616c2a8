// Where text goes: results on stdout, errors and debug lines on stderr, and a progress bar
// (on stderr) that other lines must not be written into.
//
//   out.result("257 \"/docs\" created.")   stdout
//   out.error("get: 550 No such file.")    stderr
//   out.debug("C: RETR a.txt")             stderr
//   (while a bar is drawn, the bar's line is cleared first; the bar draws itself again below)

export interface Stream {
  write(chunk: string | Uint8Array): unknown;
  isTTY?: boolean;
}

export class Output {
  /** Set by the progress bar while it is on the screen. */
  bar: { clear(): void } | null = null;

  constructor(
    readonly stdout: Stream = process.stdout,
    readonly stderr: Stream = process.stderr,
  ) {}

  result(text: string): void {
    this.line(this.stdout, text);
  }

  error(text: string): void {
    this.line(this.stderr, text);
  }

  debug(text: string): void {
    this.line(this.stderr, text);
  }

  private line(stream: Stream, text: string): void {
    this.bar?.clear();
    stream.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}
