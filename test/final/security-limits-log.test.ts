/**
 * The console log is read in a terminal: a client's bytes (a USER name, an RNTO target, any
 * command line at -V) must not reach it raw. Control characters (C0 such as ESC and BEL, DEL,
 * C1 such as U+009B CSI) are shown escaped, as in the JSON log file.
 */
import { afterAll, describe, it } from "vitest";
import { HarnessError, makeTempRoot, startServer, stopAll } from "../harness/index.ts";
import { Ctl, sleep } from "./config-helpers.ts";

afterAll(stopAll);

/** C0 (but tab), DEL and C1 code points. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/u;

function firstControl(text: string): string | null {
  for (const line of text.split("\n")) {
    if (CONTROL.test(line)) return line;
  }
  return null;
}

describe("security: the console log shows a client's control characters escaped", () => {
  it("USER, RNTO and -V command lines with ESC, BEL, DEL and C1 reach the console escaped", async () => {
    const root = makeTempRoot({ "a.txt": "hello\n" });
    const server = await startServer({ root: root.dir, args: ["-w", "-V", "--auth-failed-delay", "0"] });
    try {
      const ctl = await Ctl.connect(server.port);
      try {
        await ctl.expect("USER \x1b[31mred\x07", 331, "any name gets 331");
        await ctl.expect("PASS x", 530, "an unknown user is refused");
        await ctl.login("anonymous", "guest@example.com");
        await ctl.expect("RNFR a.txt", 350, "RNFR an existing file");
        await ctl.expect("RNTO \x1b]0;pwned\x07b\x7f\u009b2J.txt", 250, "RNTO to a name with control characters");
        await ctl.expect("QUIT", 221, "QUIT");
      } finally {
        ctl.destroy();
      }
      await sleep(300); // console lines are batched for up to 20 ms
      const out = server.stdout() + server.stderr();
      if (!out.includes("login failed") || !out.includes("rename")) {
        throw new HarnessError(`the console log has no "login failed" or "rename" line:\n${out}`);
      }
      const bad = firstControl(server.stdout()) ?? firstControl(server.stderr());
      if (bad !== null) throw new HarnessError(`a console log line carries a raw control character: ${JSON.stringify(bad)}`);
      if (!server.stderr().includes("\\u001b[31mred")) throw new HarnessError(`the name is not shown escaped:\n${server.stderr()}`);
    } finally {
      await server.stop();
      root.cleanup();
    }
  });
});
