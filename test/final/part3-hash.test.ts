/**
 * HASH (draft-bryan-ftpext-hash) and the older XSHA256/XSHA512/XSHA1/XMD5: a client checks a
 * file on the server without downloading it again. Hashes are compared with node:crypto's
 * over the same bytes, including a file larger than one read chunk and an empty one.
 */
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useServer } from "./conformance-helpers.ts";

const big = randomBytes(600_000); // more than two 256 KiB reads
const hex = (algorithm: string, data: Buffer | string) => createHash(algorithm).update(data).digest("hex");

describe("HASH and the X-hash commands", () => {
  const ctx = useServer({ files: { "notes.txt": "twelve bytes", "big.bin": big, "empty.txt": "", "sub/inner.txt": "x" } });

  it("FEAT advertises HASH with SHA-256 selected (*)", async () => {
    const ftp = await ctx.login();
    const feat = await ftp.sendExpect("FEAT", 211);
    expect(feat.lines).toContain(" HASH SHA-256*;SHA-512;SHA-1;MD5");
  });

  it("HASH answers 213 with the algorithm, the byte range, the hex digest and the name", async () => {
    const ftp = await ctx.login();
    const reply = await ftp.sendExpect("HASH notes.txt", 213);
    expect(reply.text).toBe(`SHA-256 0-11 ${hex("sha256", "twelve bytes")} notes.txt`);
    const large = await ftp.sendExpect("HASH big.bin", 213);
    expect(large.text).toBe(`SHA-256 0-${big.length - 1} ${hex("sha256", big)} big.bin`);
    const empty = await ftp.sendExpect("HASH empty.txt", 213);
    expect(empty.text).toBe(`SHA-256 0-0 ${hex("sha256", "")} empty.txt`);
  });

  it("OPTS HASH shows and chooses the algorithm for this session only, and FEAT's star follows it", async () => {
    const ftp = await ctx.login();
    expect((await ftp.sendExpect("OPTS HASH", 200)).text).toBe("SHA-256");
    expect((await ftp.sendExpect("OPTS HASH md5", 200)).text).toBe("MD5");
    expect((await ftp.sendExpect("HASH big.bin", 213)).text).toBe(`MD5 0-${big.length - 1} ${hex("md5", big)} big.bin`);
    expect((await ftp.sendExpect("FEAT", 211)).lines).toContain(" HASH SHA-256;SHA-512;SHA-1;MD5*");
    const other = await ctx.login();
    expect((await other.sendExpect("HASH notes.txt", 213)).text).toMatch(/^SHA-256 /);
  });

  it("an unknown algorithm is 501 and leaves the choice alone", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("OPTS HASH CRC32", 501);
    expect((await ftp.sendExpect("OPTS HASH", 200)).text).toBe("SHA-256");
  });

  it("XSHA256, XSHA512, XSHA1 and XMD5 answer 250 with the digest alone", async () => {
    const ftp = await ctx.login();
    for (const [command, algorithm] of [["XSHA256", "sha256"], ["XSHA512", "sha512"], ["XSHA1", "sha1"], ["XMD5", "md5"]] as const) {
      expect((await ftp.sendExpect(`${command} big.bin`, 250)).text, command).toBe(hex(algorithm, big));
    }
  });

  it("a folder is 553, a missing file 550, a path outside the home 550; the session goes on", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("HASH sub", 553);
    await ftp.sendExpect("HASH nothing.txt", 550);
    await ftp.sendExpect("HASH ../../../etc/passwd", 550);
    await ftp.sendExpect("XMD5 sub", 553);
    await ftp.sendExpect("NOOP", 200);
  });

  it("HASH needs a login (530) and the read letter", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("HASH notes.txt", 530);
  });
});
