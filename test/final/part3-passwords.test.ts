/**
 * Stored password hashes: scrypt hashes (made by `npm run hash-password`) and the seeds'
 * xxftp MD5 hex (read with a warning) in the users file and in --user; a broken hash stops
 * the server with file:line; the plain passwords of lesson 4 keep working.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { describeRun, REPO_ROOT, runCli } from "../harness/index.ts";
import { makeTempRoot } from "../harness/index.ts";
import { useServer } from "./conformance-helpers.ts";

// What `npm run hash-password` runs: the lab's tool, which works in the student handout too.
const HASH_PASSWORD = path.join(REPO_ROOT, "tools", "lab", "hash-password.ts");

/** `printf 'PASSWORD\n' | tsx tools/lab/hash-password.ts` */
function hashPassword(password: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", HASH_PASSWORD], { cwd: REPO_ROOT, input: `${password}\n`, encoding: "utf8" }).trim();
}

const annaHash = hashPassword("s3cret");
const md5 = (text: string) => createHash("md5").update(text).digest("hex");

describe("npm run hash-password", () => {
  it("prints an scrypt hash, salted: the same password twice gives two different hashes", () => {
    expect(annaHash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hashPassword("s3cret")).not.toBe(annaHash);
  });

  it("refuses an empty password with exit code 2", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", HASH_PASSWORD], { cwd: REPO_ROOT, input: "\n", encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/empty password/);
  });
});

describe("hashed passwords in the users file", () => {
  const ctx = useServer({
    serveRoot: false,
    files: { "home/readme.txt": "hi" },
    prepare(root) {
      const file = root.path("users.txt");
      const lines = [`anna ${annaHash} elr home`, `xx md5:${md5("oldpass")} elr home`, "plain pl41n elr home", ""];
      fs.writeFileSync(file, lines.join("\n"));
      return ["--users", file];
    },
  });

  it("an scrypt user logs in with the right password and gets 530 with a wrong one", async () => {
    await ctx.login("anna", "s3cret");
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER anna", 331);
    await ftp.sendExpect("PASS wrong", 530);
  });

  it("the hash itself is not a password: sending the stored hash as PASS gets 530", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER anna", 331);
    await ftp.sendExpect(`PASS ${annaHash}`, 530);
  });

  it("an xxftp MD5 hash (md5:<hex>) logs in, with a warning at startup naming the line", async () => {
    await ctx.login("xx", "oldpass");
    expect(ctx.server.stderr()).toMatch(/users\.txt:2: user "xx" has an MD5 password hash/);
  });

  it("plain passwords still work next to hashed ones, and unknown users get the same 530", async () => {
    await ctx.login("plain", "pl41n");
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER nobody", 331);
    await ftp.sendExpect("PASS s3cret", 530);
  });
});

describe("a hash given to --user", () => {
  const ctx = useServer({ serveRoot: false, files: { "f.txt": "x" }, prepare: (root) => ["--user", `anna:${annaHash}:elr:${root.dir}`] });

  it("--user NAME:HASH:PERMS:HOME logs in with the password, not the hash", async () => {
    await ctx.login("anna", "s3cret");
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER anna", 331);
    await ftp.sendExpect(`PASS ${annaHash}`, 530);
  });
});

describe("broken hashes", () => {
  it("scrypt parameters out of range stop the server with file:line and the fix", async () => {
    const root = makeTempRoot({ "home/f.txt": "x" });
    try {
      const bad = annaHash.replace(/^scrypt\$16384\$/, "scrypt$3$");
      fs.writeFileSync(root.path("users.txt"), `# users\nanna ${bad} elr home\n`);
      const run = await runCli(["-p", "0", "--users", root.path("users.txt")]);
      expect(run.code, describeRun(run)).toBe(2);
      expect(run.stderr).toMatch(/users\.txt:2: the password hash of "anna" is not usable: .*out of range.*hash-password/);
    } finally {
      root.cleanup();
    }
  });
});
