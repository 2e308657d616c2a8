// A small logger: one line per event, to stderr, with a level. Session events (connect,
// login, transfer) are "info"; every command is "verbose" (-V); raw replies are "debug" (-D).
// The Logger interface is what the server uses, so that a richer logger can replace this one.

export type Level = "error" | "warn" | "info" | "verbose" | "debug";
const ORDER: Record<Level, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  enabled(level: Level): boolean;
  log(level: Level, message: string, fields?: Fields): void;
}

export function consoleLogger(level: Level, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const max = ORDER[level];
  return {
    enabled: (l) => ORDER[l] <= max,
    log(l, message, fields) {
      if (ORDER[l] > max) return;
      const extra = fields
        ? Object.entries(fields)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${k}=${typeof v === "string" && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`)
            .join(" ")
        : "";
      write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(7)} ${message}${extra ? ` ${extra}` : ""}\n`);
    },
  };
}

export const silentLogger: Logger = { enabled: () => false, log: () => {} };
