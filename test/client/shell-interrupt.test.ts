/**
 * The interactive shell in a pseudo-terminal (util-linux `script`), a transfer interrupted by
 * hand: Ctrl-C during a get from a throttled server stops the transfer, not the shell; the next
 * get resumes from the part file (REST), byte for byte; Ctrl-D leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { bytes, explain, fileSize, openTerminal, sha256, waitUntil } from "./helpers.ts";

const SLOW = bytes(0x510, 2_500_000);
const PROMPT = (folder: string) => new RegExp(`anna@127\\.0\\.0\\.1:${folder.replace(/\//g, "\\/")}> $`);

describe("the interactive shell in a terminal: Ctrl-C during a transfer", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    root = makeTempRoot({ "slow.bin": SLOW });
    work = makeTempRoot();
    // Throttled downloads (1 MB/s): slow.bin takes long enough to press Ctrl-C in the middle.
    server = await startServer({ root: root.dir, args: ["--auth-failed-delay", "0", "--write-limit", "1M", "--user", `anna:s3cret:elradfmwMT:${root.dir}`] });
    url = `ftp://anna@127.0.0.1:${server.port}/`;
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("Ctrl-C stops a transfer, the shell stays, and get again resumes where it stopped", async () => {
    const term = openTerminal(["--password", "s3cret", url], { cwd: work.dir });
    try {
      await term.waitFor(PROMPT("/"));
      let mark = term.text().length;
      term.type("get slow.bin\r");
      await waitUntil("part of slow.bin to arrive", () => fileSize(work.path("slow.bin.part")) >= 400_000, 15_000);
      await term.waitFor(/get slow\.bin \[=*-+\] \d+% /, mark);
      term.type("\x03");
      await term.waitFor(/get slow\.bin: interrupted at [\d.]+ (KB|MB); "get slow\.bin" again continues from there\n[^\n]*> $/, mark);
      const have = fileSize(work.path("slow.bin.part"));
      expect(have).toBeGreaterThan(0);
      expect(have).toBeLessThan(SLOW.length);

      mark = term.text().length;
      term.type("get slow.bin\r");
      await term.waitFor(/resuming slow\.bin at [\d.]+ (KB|MB) \(\d+ of 2500000 bytes here\): REST \d+/, mark);
      await term.waitFor(/get slow\.bin: [^\n]*resumed at [^\n]*verified: SHA-256[^\n]*\n[^\n]*> $/, mark, 15_000);
      expect(sha256(work.read("slow.bin"))).toBe(sha256(SLOW));
      term.type("\x04"); // Ctrl-D leaves too
      const run = await term.done;
      expect(run.code, explain(run)).toBe(0);
    } finally {
      await term.close();
    }
  });
});
