//> 0 log
// Logging: one line per event (connect, login, command, transfer, refusal), to the console
// for a person and, at the same time, to a file for machines (one JSON object per line),
// as the seeds' pyftpdlib servers do. pino writes the JSON file; this module decides the
// levels and writes the console lines itself:
//
//   console: 2026-11-21T10:44:02.123Z INFO    transfer session=3 user=anna command=RETR path=/a.txt bytes=1234 seconds=0.01 result=ok
//   file:    {"level":"info","time":"2026-11-21T10:44:02.123Z","msg":"transfer","session":3,"user":"anna",...}
//
// Levels: info (sessions, logins, transfers), verbose (every command, -V), debug (replies, -D).

//> 5 pino-import
import pino from "pino";

//<
export type Level = "error" | "warn" | "info" | "verbose" | "debug";
//> 5 levels
const NUMBERS: Record<Level, number> = { error: 50, warn: 40, info: 30, verbose: 25, debug: 20 };
//<

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  enabled(level: Level): boolean;
  log(level: Level, message: string, fields?: Fields): void;
  /** Writes out what is buffered (before exit). */
  flush(): void;
}

export const silentLogger: Logger = { enabled: () => false, log: () => {}, flush: () => {} };
//> 5 console-lines

/** "k=v k2=\"with space\"" (a plain loop: this runs for every line of every session) */
function formatFields(fields: Record<string, unknown>): string {
  let text = "";
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined || key === "level" || key === "time" || key === "msg") continue;
    const shown = typeof value === "string" && (value === "" || NEEDS_QUOTES.test(value)) ? quoted(value) : String(value);
    text += text ? ` ${key}=${shown}` : `${key}=${shown}`;
  }
  return text;
}
// Control characters (C0, DEL, C1) come from clients (a USER name, an RNTO target, a command
// line) and must not reach a terminal raw: ESC [ ... would recolour, move or retitle it.
const NEEDS_QUOTES = /[\s"=\u0000-\u001f\u007f-\u009f]/;
const C1_AND_DEL = /[\u007f-\u009f]/g;

/** A JSON string (which escapes C0), with DEL and C1 escaped too: "\u001b[31mred\u009b". */
function quoted(value: string): string {
  return JSON.stringify(value).replace(C1_AND_DEL, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

/**
 * One readable console line, formatted straight from the event (not by parsing pino's JSON
 * back: that round trip cost more than the rest of a login).
 */
function consoleLine(level: Level, message: string, fields: Fields | undefined): string {
  const extra = fields ? formatFields(fields) : "";
  return `${new Date().toISOString()} ${level.toUpperCase().padEnd(7)} ${message}${extra ? ` ${extra}` : ""}\n`;
}

/**
 * Console lines gathered and written together: at most 20 ms late, or at once when 16 KiB
 * are waiting. A burst of 200 logins makes 600 lines; a system call for each cost as much as
 * the replies to the clients, and one per turn of the event loop was still a write for every
 * few lines.
 * Whatever is still gathered is written before the process exits (also after a crash).
 */
function batchedStderr(): { write(line: string): void; flush(): void } {
  let pending: string[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    bytes = 0;
    process.stderr.write(text); // synchronous for files, pipes and terminals on Linux
  };
  process.once("exit", flush);
  return {
    write(line) {
      pending.push(line);
      bytes += line.length;
      if (bytes >= 16 * 1024) flush();
      else if (!timer) timer = setTimeout(flush, 20).unref();
    },
    flush,
  };
}
//<

export interface LogOptions {
  level: Level;
  console: boolean;
  file?: string;
  /** Where console lines go (stderr by default; tests may capture them). */
  consoleWrite?: (line: string) => void;
}

export function createLogger(options: LogOptions): Logger {
//> 0-5 no-log-yet
  //- return silentLogger;
//<
//> 5 logger
  const streams: pino.StreamEntry<string>[] = [];
//> 5 log-file
  const file = options.file ? pino.destination({ dest: options.file, sync: false, mkdir: true, minLength: 0 }) : null;
  if (file) streams.push({ level: options.level, stream: file });
//<
  if (streams.length === 0 && !options.console) return silentLogger;
  // pino writes the JSON file (when there is one); the console is written directly.
  const logger = streams.length === 0 ? null : pino(
    {
      level: options.level,
      customLevels: { verbose: NUMBERS.verbose },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(streams, { levels: { ...pino.levels.values, verbose: NUMBERS.verbose } }),
  );
  const min = NUMBERS[options.level];
  const batch = options.console && !options.consoleWrite ? batchedStderr() : null;
  const writeConsole = options.consoleWrite ?? ((line: string) => batch!.write(line));
  return {
    enabled: (level) => NUMBERS[level] >= min,
    log(level, message, fields) {
      if (NUMBERS[level] < min) return;
      if (options.console) writeConsole(consoleLine(level, message, fields));
      if (logger) (logger as unknown as Record<Level, (obj: object, msg: string) => void>)[level](fields ?? {}, message);
    },
    flush() {
      batch?.flush();
      file?.flushSync();
    },
  };
//<
}
//<
