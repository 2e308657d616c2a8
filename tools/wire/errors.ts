/**
 * One error class for everything the harness reports, so a test (or a self-test) can tell
 * "the server under test misbehaved, and here is why" apart from a bug in the test itself.
 */
export class HarnessError extends Error {
  override name = "HarnessError";
}
