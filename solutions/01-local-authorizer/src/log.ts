// Logging: one line per event (connect, login, command, transfer, refusal), to the console
// for a person and, at the same time, to a file for machines (one JSON object per line),
// as the seeds' pyftpdlib servers do. pino writes the JSON file; this module decides the
// levels and writes the console lines itself:
//
//   console: 2026-11-21T10:44:02.123Z INFO    transfer session=3 user=anna command=RETR path=/a.txt bytes=1234 seconds=0.01 result=ok
//   file:    {"level":"info","time":"2026-11-21T10:44:02.123Z","msg":"transfer","session":3,"user":"anna",...}
//
// Levels: info (sessions, logins, transfers), verbose (every command, -V), debug (replies, -D).

export type Level = "error" | "warn" | "info" | "verbose" | "debug";

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  enabled(level: Level): boolean;
  log(level: Level, message: string, fields?: Fields): void;
  /** Writes out what is buffered (before exit). */
  flush(): void;
}

export const silentLogger: Logger = { enabled: () => false, log: () => {}, flush: () => {} };

export interface LogOptions {
  level: Level;
  console: boolean;
  file?: string;
  /** Where console lines go (stderr by default; tests may capture them). */
  consoleWrite?: (line: string) => void;
}

export function createLogger(options: LogOptions): Logger {
  return silentLogger;
}
