/**
 * `npm run -s hash-password` (tools/lab/hash-password.ts): the lab's own digest maker, which
 * the student repository has without final/. Its digests must be the ones the final server's
 * verifier (final/src/auth/password-hash.ts) accepts, for the right password only.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkerFor } from "../../final/src/auth/password-hash.ts";
import { REPO_ROOT } from "../harness/index.ts";

const TOOL = path.join(REPO_ROOT, "tools", "lab", "hash-password.ts");

/** `printf INPUT | tsx tools/lab/hash-password.ts` */
function run(input: string) {
  return spawnSync(process.execPath, ["--import", "tsx", TOOL], { cwd: REPO_ROOT, input, encoding: "utf8" });
}

describe("npm run -s hash-password (tools/lab)", () => {
  it("package.json's hash-password script runs the lab's tool, not final/", () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["hash-password"]).toBe("tsx tools/lab/hash-password.ts");
  });

  it("prints one scrypt digest, salted, that the final server's verifier accepts for that password only", async () => {
    const first = run("open sesame\n");
    expect(first.status, first.stderr).toBe(0);
    const digest = first.stdout.trim();
    expect(first.stdout).toBe(`${digest}\n`);
    expect(digest).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const check = checkerFor(digest);
    expect(await check("open sesame")).toBe(true);
    expect(await check("open sesam")).toBe(false);
    expect(await check("open sesame ")).toBe(false);
    const second = run("open sesame\n").stdout.trim();
    expect(second).not.toBe(digest);
    expect(await checkerFor(second)("open sesame")).toBe(true);
  });

  it("uses the first line only, and keeps the password's spaces and non-ASCII characters", async () => {
    const r = run("  pässwort mit Leerzeichen \nsecond line\n");
    expect(r.status, r.stderr).toBe(0);
    expect(await checkerFor(r.stdout.trim())("  pässwort mit Leerzeichen ")).toBe(true);
  });

  it("refuses an empty password with exit code 2 and prints no digest", () => {
    for (const input of ["\n", ""]) {
      const r = run(input);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/empty password/);
      expect(r.stdout).toBe("");
    }
  });
});
