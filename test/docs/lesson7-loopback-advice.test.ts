/**
 * Lesson 7's router advice fits the lab it is taught in. The lesson runs the server on
 * 127.0.0.1 with `npm run router` playing the router on 127.0.0.2 (and says -i 127.0.0.1 is
 * required there, so 127.0.0.2 stays free for the router): the server must not tell the
 * learner to use -i 0.0.0.0 for that setup. With a real public --nat-address and a loopback
 * listener the warning stays, and says why: a router on another box cannot reach 127.0.0.1,
 * while a forwarder on this machine (npm run router) can.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempRoot, REPO_ROOT, sleep, startServer, type RunningServer } from "../harness/index.ts";

let server: RunningServer | undefined;
let root: { dir: string; cleanup(): void } | undefined;
afterEach(async () => {
  await server?.stop();
  root?.cleanup();
  server = undefined;
  root = undefined;
});

/** Starts the final server with the flags; gives its warnings once the router note is out. */
async function warningsFor(host: string, args: string[]): Promise<string[]> {
  root = makeTempRoot({ "readme.txt": "lab\n" });
  server = await startServer({ root: root.dir, host, args });
  // The note goes to stdout right after the warnings' computation; wait for it, then a little.
  for (let i = 0; i < 60 && !/Behind a router:/.test(server.stdout()); i++) await sleep(50);
  expect(server.stdout()).toMatch(/Behind a router:/);
  await sleep(200);
  return server
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("ftpd: warning: "));
}

describe("lesson 7's advice on a loopback lab", () => {
  it("the lesson's own setup (-i 127.0.0.1, --nat-address 127.0.0.2 for npm run router) gets no '-i 0.0.0.0' advice", async () => {
    // The command of "Try it: a router on your machine", case 2.
    const readme = readFileSync(path.join(REPO_ROOT, "lessons/07-port-mapping/README.md"), "utf8");
    expect(readme).toContain("-i 127.0.0.1 -p 2121 --range 60000-60010");
    const warnings = await warningsFor("127.0.0.1", ["--range", "60000-60010", "--nat-address", "127.0.0.2"]);
    expect(warnings.filter((w) => /0\.0\.0\.0/.test(w)), "the lesson requires -i 127.0.0.1 here").toEqual([]);
  });

  it("a public --nat-address on loopback still warns, and says a forwarder on this machine is fine but a real router needs -i 0.0.0.0", async () => {
    const warnings = await warningsFor("127.0.0.1", ["--range", "60000-60010", "--nat-address", "203.0.113.7"]);
    const loopback = warnings.find((w) => /127\.0\.0\.1/.test(w));
    expect(loopback, warnings.join("\n")).toBeDefined();
    expect(loopback).toMatch(/-i 0\.0\.0\.0/);
    expect(loopback).toMatch(/npm run router|this machine/);
    expect(loopback).toMatch(/real router/);
  });

  it("the lesson's text tells the same story as the server (no bare 'use -i 0.0.0.0' for the lab)", () => {
    const readme = readFileSync(path.join(REPO_ROOT, "lessons/07-port-mapping/README.md"), "utf8");
    const source = readFileSync(path.join(REPO_ROOT, "final/src/router-advice.ts"), "utf8");
    expect(readme).not.toMatch(/cannot reach it; use -i 0\.0\.0\.0$/m);
    expect(source).not.toMatch(/cannot reach it; use -i 0\.0\.0\.0`/);
  });
});
