// What a get or put needs besides the file names, and what it reports afterwards.
//
//   download(session, "big.bin", "./big.bin", { resume: false, retries: 3, verify: true, ... })
//   -> { size: 1048576, moved: 648576, seconds: 1.3, resumedAt: [400000], verification: { ok: true, ... } }

import { ConnectionError, TransferInterrupted } from "../protocol/errors.ts";
import type { ProgressFactory } from "../ui/progress.ts";
import type { Verification } from "./verify.ts";

export interface TransferOptions {
  /** -c: continue from what is already there (a get resumes a part file even without it). */
  resume: boolean;
  /** How many times an interrupted transfer is resumed in this run before giving up. */
  retries: number;
  verify: boolean;
  progress: ProgressFactory;
  /** Ctrl-C: stop now, keep what arrived. */
  signal?: AbortSignal;
  notice(text: string): void;
  /** --break-after: bytes after which this transfer's data connection is cut (given once per run). */
  takeCut(): number | undefined;
}

export interface TransferSummary {
  /** The file's size at the end. */
  size: number;
  /** Bytes moved in this run (less than size after a resume). */
  moved: number;
  seconds: number;
  /** Byte offsets this run resumed at. */
  resumedAt: number[];
  verification: Verification | null;
  /** It was complete already: nothing moved. */
  alreadyComplete: boolean;
}

/** Failures a resume can fix: a broken data connection, a lost control connection. */
export function resumable(err: unknown): boolean {
  return err instanceof TransferInterrupted || err instanceof ConnectionError;
}
