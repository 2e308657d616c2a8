/**
 * The interactive shell in a real pseudo-terminal (util-linux `script`): the password prompt does
 * not echo, TAB completes commands, remote names (files and folders) and local names, a get
 * draws a progress bar, the up arrow recalls history, Ctrl-C clears the line at the prompt,
 * quit leaves with exit code 0.
 */
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { bytes, explain, openTerminal, sha256 } from "./helpers.ts";

const REPORT = bytes(0x2e9, 200_000);
const PROMPT = (folder: string) => new RegExp(`anna@127\\.0\\.0\\.1:${folder.replace(/\//g, "\\/")}> $`);

describe("the interactive shell in a terminal", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    root = makeTempRoot({ "report-2024.pdf": REPORT, "readme.md": "# hi\n", "docs/a.md": "a\n", "docs/b.md": "b\n" });
    work = makeTempRoot({ "local-notes.txt": "mine\n" });
    server = await startServer({ root: root.dir, args: ["--auth-failed-delay", "0", "--user", `anna:s3cret:elradfmwMT:${root.dir}`] });
    url = `ftp://anna@127.0.0.1:${server.port}/`;
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("password without echo, TAB completion, a progress bar, history, Ctrl-C at the prompt, quit", async () => {
    const term = openTerminal([url], { cwd: work.dir });
    try {
      await term.waitFor(/Password for anna@127\.0\.0\.1: $/);
      term.type("s3cret\r");
      await term.waitFor(PROMPT("/"));
      expect(term.raw()).not.toContain("s3cret");

      // A command name, then a remote file name (unique: completed with a space after it).
      let mark = term.text().length;
      term.type("ge\t");
      await term.waitFor(/get $/, mark);
      term.type("rep\t");
      await term.waitFor(/get report-2024\.pdf $/, mark);
      term.type("\r");
      await term.waitFor(/get report-2024\.pdf: [^\n]*verified: SHA-256[^\n]*\n[^\n]*> $/, mark);
      expect(term.text().slice(mark)).toMatch(/get report-2024\.pdf \[=+\] 100% 195\.3 KB\/195\.3 KB /);
      expect(sha256(work.read("report-2024.pdf"))).toBe(sha256(REPORT));

      // A folder for cd (with its slash), then two TABs list what could follow.
      mark = term.text().length;
      term.type("cd do\t");
      await term.waitFor(/cd docs\/$/, mark);
      term.type("\r");
      await term.waitFor(PROMPT("/docs"), mark);
      mark = term.text().length;
      // Two TABs, as two keypresses (readline lists the choices on the second).
      term.type("get \t");
      await new Promise((r) => setTimeout(r, 500));
      term.type("\t");
      await term.waitFor(/a\.md\s+b\.md/, mark);
      term.type("\x15"); // Ctrl-U: clear the line

      // A local name for put.
      mark = term.text().length;
      term.type("put lo\t");
      await term.waitFor(/put local-notes\.txt $/, mark);
      term.type("\x15pwd\r");
      await term.waitFor(/\/docs\n/, mark);

      // History: the up arrow brings pwd back.
      mark = term.text().length;
      term.type("\x1b[A");
      await term.waitFor(/> pwd$/, mark);
      term.type("\r");
      await term.waitFor(/\/docs\n[^\n]*> $/, mark);

      // Ctrl-C at the prompt forgets the line instead of running it or leaving.
      mark = term.text().length;
      term.type("rm a.md\x03");
      await term.waitFor(/\^C\n[^\n]*> $/, mark);
      expect(fs.existsSync(root.path("docs/a.md"))).toBe(true);

      term.type("quit\r");
      const run = await term.done;
      expect(run.code, explain(run)).toBe(0);
    } finally {
      await term.close();
    }
  });
});
