// Progress of one transfer: a cli-progress bar on a terminal, plain lines otherwise.
//
//   terminal:  get big.bin [=============-----------------] 42% 420.0 KB/1.0 MB 512.0 KB/s ETA 1.2 s
//   not a terminal (a pipe, a log file, CI), one line a second and one at the end:
//              get big.bin: 42% 420.0 KB of 1.0 MB, 512.0 KB/s, ETA 1.2 s
//              get big.bin: 100% 1.0 MB of 1.0 MB, 512.0 KB/s, ETA 0.0 s
//
// A resumed transfer starts the bar at the bytes already there; speed and ETA count only
// the bytes that really move now.

import cliProgress from "cli-progress";
import { RateMeter } from "../transfer/rate.ts";
import { formatBytes, formatDuration, formatRate } from "./format.ts";
import type { Output } from "./output.ts";

export type ProgressMode = "bar" | "lines" | "none";

export interface Progress {
  /** Bytes of the file done so far (including any resumed part). */
  update(done: number): void;
  done(): void;
  fail(): void;
}

export type ProgressFactory = (label: string, size: number | undefined, start: number) => Progress;

export function progressFactory(mode: ProgressMode, out: Output, intervalMs = 1000): ProgressFactory {
  if (mode === "none") return () => ({ update() {}, done() {}, fail() {} });
  return mode === "bar" ? (label, size, start) => new BarProgress(out, label, size, start) : (label, size, start) => new LineProgress(out, label, size, start, intervalMs);
}

function numbers(rate: RateMeter, done: number, size: number | undefined, final = false) {
  const perSecond = final ? rate.average() : rate.perSecond();
  return {
    done: formatBytes(done),
    size: size === undefined ? "?" : formatBytes(size),
    rate: formatRate(perSecond),
    left: size === undefined ? "--" : done >= size ? "0.0 s" : formatDuration(rate.secondsLeft(size - done)),
  };
}

/**
 * The terminal as cli-progress sees it, minus "save/restore cursor" (ESC 7 / ESC 8): lines
 * printed above the bar while it runs (debug) move it down, and restoring the old position
 * at the end would draw the next line over the finished bar.
 */
function barStream(out: Output): NodeJS.WritableStream {
  const stderr = out.stderr as NodeJS.WriteStream;
  return {
    isTTY: true,
    get columns() {
      return stderr.columns;
    },
    write: (chunk: string) => (chunk === "\x1b7" || chunk === "\x1b8" ? true : stderr.write(chunk)),
  } as unknown as NodeJS.WritableStream;
}

class BarProgress implements Progress {
  private readonly bar: cliProgress.SingleBar;
  private readonly rate = new RateMeter();
  private started = false;
  private current: number;

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private readonly size: number | undefined,
    private readonly start: number,
  ) {
    this.current = start;
    this.bar = new cliProgress.SingleBar({
      stream: barStream(out),
      format: size === undefined ? "{label} {done} {rate}" : "{label} [{bar}] {percentage}% {done}/{size} {rate} ETA {left}",
      barsize: 28,
      fps: 10,
      forceRedraw: true,
      hideCursor: false,
      linewrap: false,
      barCompleteChar: "=",
      barIncompleteChar: "-",
    });
    this.rate.sample(start);
  }

  /** Drawn from the first byte on (not while the data connection is still being set up). */
  private show(): void {
    if (this.started) return;
    this.started = true;
    const stream = this.out.stderr;
    this.bar.start(this.size ?? 1, Math.min(this.start, this.size ?? 0), { label: this.label, ...numbers(this.rate, this.start, this.size) });
    this.out.bar = { clear: () => stream.write("\r\x1b[2K") };
  }

  update(done: number, final = false): void {
    this.show();
    this.current = done;
    this.rate.sample(done);
    this.bar.update(this.size === undefined ? 0 : Math.min(done, this.size), { label: this.label, ...numbers(this.rate, done, this.size, final) });
  }

  done(): void {
    this.update(this.size === undefined ? this.current : Math.max(this.current, this.size), true);
    this.stop();
  }

  fail(): void {
    this.stop();
  }

  private stop(): void {
    if (!this.started) return;
    this.out.bar = null;
    this.bar.stop();
  }
}

class LineProgress implements Progress {
  private readonly rate = new RateMeter();
  private last = performance.now();
  private printed = false;
  private current: number;

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private readonly size: number | undefined,
    start: number,
    private readonly intervalMs: number,
  ) {
    this.current = start;
    this.rate.sample(start);
  }

  update(done: number): void {
    this.current = done;
    this.rate.sample(done);
    const now = performance.now();
    if (now - this.last >= this.intervalMs) {
      this.last = now;
      this.print();
    }
  }

  done(): void {
    if (this.size !== undefined) this.current = Math.max(this.current, this.size);
    // A transfer shorter than one interval: the command's summary line says it all.
    if (this.printed) this.print(true);
  }

  fail(): void {}

  private print(final = false): void {
    const n = numbers(this.rate, this.current, this.size, final);
    this.printed = true;
    const pct = this.size ? `${Math.floor((this.current / this.size) * 100)}% ` : this.size === 0 ? "100% " : "";
    this.out.error(`${this.label}: ${pct}${n.done} of ${n.size}, ${n.rate}, ETA ${n.left}`);
  }
}
