// The one error the lab commands throw on purpose: its message is a single line meant for the
// learner or teacher (no stack trace is ever shown for it), and it carries the exit code.
//
//   throw new LabError("no lesson 9: lessons are 1-7 (`npm run lesson` lists them)");
//   -> stderr "lesson: no lesson 9: lessons are 1-7 ...", exit code 2

export class LabError extends Error {
  override name = "LabError";
  constructor(
    message: string,
    /** 2: the command was used wrongly (bad argument, missing folder); 1: it ran and found a problem. */
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
