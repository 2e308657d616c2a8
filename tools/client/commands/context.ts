// What every shell command gets: the session, the output, the settings it may change, and
// the shape of a command (for parsing, help and tab completion).
//
//   { names: ["get", "reget"], usage: "get [-c] REMOTE [LOCAL]", args: ["remote", "local"], min: 1, max: 2,
//     run: (ctx, ["big.bin"], flags) => ... }
//   "get -c big.bin" -> run(ctx, ["big.bin"], Set {"-c"})

import type { Reply } from "../protocol/reply-parser.ts";
import type { FtpSession } from "../session.ts";
import type { TransferOptions } from "../transfer/options.ts";
import type { Output } from "../ui/output.ts";
import type { ProgressFactory } from "../ui/progress.ts";

/** What an argument is, for tab completion. */
export type ArgKind = "remote" | "remote-dir" | "local" | "command" | "word";

export interface CommandSpec {
  names: string[];
  usage: string;
  summary: string;
  args: ArgKind[];
  /** The last kind in `args` repeats (mget *.txt *.md). */
  repeat?: boolean;
  flags?: string[];
  min: number;
  max: number;
  /** Leaves the server's files as they were (the completion cache survives it). */
  readOnly?: boolean;
  run(ctx: CommandContext, args: string[], flags: Set<string>): Promise<void>;
}

export interface Settings {
  debug: boolean;
  retries: number;
  verify: boolean;
}

export class CommandContext {
  /** Set while a command runs: Ctrl-C aborts it. */
  signal: AbortSignal | undefined;
  quitRequested = false;
  private cut: number | undefined;

  constructor(
    readonly session: FtpSession,
    readonly out: Output,
    readonly settings: Settings,
    readonly progress: ProgressFactory,
    private readonly onDebug: (on: boolean) => void,
    cutAfter: number | undefined,
    readonly commands: () => CommandSpec[],
  ) {
    this.cut = cutAfter;
  }

  setDebug(on: boolean): void {
    this.settings.debug = on;
    this.onDebug(on);
  }

  /** Notes on what is happening (resuming, reconnecting): stderr, so results stay clean. */
  notice(text: string): void {
    this.out.error(text);
  }

  /** A reply worth showing (257 "/docs" created.); in debug mode the S: lines showed it already. */
  show(reply: Reply): void {
    if (!this.settings.debug) this.out.result(reply.lines.join("\n"));
  }

  transferOptions(resume: boolean): TransferOptions {
    return {
      resume,
      retries: this.settings.retries,
      verify: this.settings.verify,
      progress: this.progress,
      ...(this.signal ? { signal: this.signal } : {}),
      notice: (text) => this.notice(text),
      takeCut: () => {
        const cut = this.cut;
        this.cut = undefined;
        return cut;
      },
    };
  }
}
