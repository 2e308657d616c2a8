import fs from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { makeTempRoot } from "../harness/index.ts";

describe("makeTempRoot", () => {
  it("creates nested files, buffers and empty directories, and cleans up", () => {
    const root = makeTempRoot({
      "hello.txt": "hi\n",
      "/sub/deeper/bin.dat": Buffer.from([0, 1, 2, 255]),
      "empty-dir": null,
    });
    expect(root.dir.startsWith(fs.realpathSync(os.tmpdir()))).toBe(true);
    expect(root.read("hello.txt").toString()).toBe("hi\n");
    expect([...root.read("sub/deeper/bin.dat")]).toEqual([0, 1, 2, 255]);
    expect(fs.statSync(root.path("empty-dir")).isDirectory()).toBe(true);
    expect(fs.readdirSync(root.path("empty-dir"))).toEqual([]);
    root.cleanup();
    expect(fs.existsSync(root.dir)).toBe(false);
    root.cleanup(); // twice is fine
  });

  it("refuses fixture paths that escape the root", () => {
    expect(() => makeTempRoot({ "../escape.txt": "x" })).toThrow(/outside the root/);
  });
});
