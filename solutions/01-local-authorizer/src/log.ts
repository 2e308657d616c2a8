// Logging: one line per event (connect, login, command, transfer, refusal), to the console
// for a person and, at the same time, to a file for machines (one JSON object per line),
// as the seeds' pyftpdlib servers do. pino does the work; this module decides the levels
// and the console format:
//
//   console: 2026-11-21T10:44:02.123Z INFO    transfer session=3 user=anna command=RETR path=/a.txt bytes=1234 seconds=0.01 result=ok
//   file:    {"level":"info","time":"2026-11-21T10:44:02.123Z","msg":"transfer","session":3,"user":"anna",...}
//
// Levels: info (sessions, logins, transfers), verbose (every command, -V), debug (replies, -D).

import pino from "pino";

export type Level = "error" | "warn" | "info" | "verbose" | "debug";
const NUMBERS: Record<Level, number> = { error: 50, warn: 40, info: 30, verbose: 25, debug: 20 };
const NAMES = new Map(Object.entries(NUMBERS).map(([k, v]) => [v, k]));

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  enabled(level: Level): boolean;
  log(level: Level, message: string, fields?: Fields): void;
  /** Writes out what is buffered (before exit). */
  flush(): void;
}

export const silentLogger: Logger = { enabled: () => false, log: () => {}, flush: () => {} };

/** "k=v k2=\"with space\"" */
function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([k, v]) => v !== undefined && k !== "level" && k !== "time" && k !== "msg")
    .map(([k, v]) => `${k}=${typeof v === "string" && (v === "" || /[\s"=]/.test(v)) ? JSON.stringify(v) : String(v)}`)
    .join(" ");
}

/** Turns pino's JSON lines into one readable line each, for a terminal. */
function consoleStream(write: (line: string) => void) {
  return {
    write(json: string) {
      const entry = JSON.parse(json) as Record<string, unknown>;
      const level = (NAMES.get(entry.level as number) ?? String(entry.level)).toUpperCase().padEnd(7);
      const extra = formatFields(entry);
      write(`${entry.time} ${level} ${entry.msg}${extra ? ` ${extra}` : ""}\n`);
    },
  };
}

export interface LogOptions {
  level: Level;
  console: boolean;
  file?: string;
  /** Where console lines go (stderr by default; tests may capture them). */
  consoleWrite?: (line: string) => void;
}

export function createLogger(options: LogOptions): Logger {
  const streams: pino.StreamEntry<string>[] = [];
  if (options.console) {
    streams.push({ level: options.level, stream: consoleStream(options.consoleWrite ?? ((l) => process.stderr.write(l))) });
  }
  const file = null as ReturnType<typeof pino.destination> | null;
  if (streams.length === 0) return silentLogger;
  const logger = pino(
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
  return {
    enabled: (level) => NUMBERS[level] >= min,
    log(level, message, fields) {
      if (NUMBERS[level] < min) return;
      (logger as unknown as Record<Level, (obj: object, msg: string) => void>)[level](fields ?? {}, message);
    },
    flush() {
      file?.flushSync();
    },
  };
}
