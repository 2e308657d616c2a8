/**
 * Waiting: `sleep(ms)`, and waiting for something the server does by itself (a log line, a
 * file): poll `check` every 50 ms until it returns a value, or fail after `ms` saying what was
 * awaited.
 *
 *   const line = await waitFor(() => log().match(/login/)?.[0], 5000, () => "a login line");
 */
import { HarnessError } from "./errors.ts";

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitFor<T>(check: () => T | undefined, ms: number, what: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new HarnessError(`Waited ${ms} ms for ${what()}`);
    await sleep(50);
  }
}
