/**
 * The lesson manifest (lessons/manifest.json via tools/curriculum/manifest.ts): the real one
 * loads, and a broken one is reported with the file and the field to fix.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lessonById, loadManifest, ManifestError, parseManifest } from "../../tools/curriculum/manifest.ts";

const lesson = (id: number, slug: string) => ({ id, slug, title: `Lesson ${id}`, points: 10, timeoutSec: 120, files: [] });

describe("the repository's manifest", () => {
  const lessons = loadManifest();

  it("lists the eight lessons in order (lesson 0 first), with their folders", () => {
    expect(lessons.map((l) => l.slug)).toEqual([
      "00-protocol-core",
      "01-local-authorizer",
      "02-passive-ports",
      "03-masquerade",
      "04-ini-users",
      "05-throttling-logging",
      "06-active-passive",
      "07-port-mapping",
    ]);
    expect(lessonById(lessons, 3)).toMatchObject({ dir: "lessons/03-masquerade", solutionDir: "solutions/03-masquerade" });
  });
});

describe("manifest errors", () => {
  const invalid = (data: unknown): string => {
    try {
      parseManifest(data, "lessons/manifest.json");
    } catch (err) {
      expect(err).toBeInstanceOf(ManifestError);
      return (err as Error).message;
    }
    throw new Error("expected the manifest to be rejected");
  };

  it("names the lesson and field of a wrong slug", () => {
    const message = invalid([lesson(1, "01-a"), lesson(2, "03-b")]);
    expect(message).toMatch(/^lessons\/manifest\.json: invalid lesson manifest/);
    expect(message).toContain('lessons[1] (03-b).slug: must start with "02-" (the lesson id)');
  });

  it("reports a missing field, a wrong type and an unknown field", () => {
    const { points: _points, ...noPoints } = lesson(1, "01-a");
    expect(invalid([noPoints])).toContain("lessons[0] (01-a).points: Required");
    expect(invalid([{ ...lesson(1, "01-a"), timeoutSec: "2m" }])).toContain("lessons[0] (01-a).timeoutSec: Expected number");
    expect(invalid([{ ...lesson(1, "01-a"), colour: "red" }])).toMatch(/lessons\[0\] \(01-a\): Unrecognized key.*colour/);
  });

  it("wants ids that count up from 0 or 1 without gaps", () => {
    expect(invalid([lesson(1, "01-a"), lesson(3, "03-c")])).toContain("lessons[1] (03-c).id: must be 2");
    expect(invalid([lesson(2, "02-b")])).toContain("lessons[0] (02-b).id: the first lesson must have id 0 or 1");
    expect(invalid([])).toContain("(top level): must list at least one lesson");
  });

  it("rejects learner file paths that could leave the lesson folder", () => {
    expect(invalid([{ ...lesson(1, "01-a"), files: ["../final/src/x.ts"] }])).toContain("lessons[0] (01-a).files[0]: must be a relative path");
  });

  describe("loading from disk", () => {
    let dir = "";
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("names the file when it is missing or not JSON", async () => {
      dir = await mkdtemp(path.join(tmpdir(), "manifest-"));
      const file = path.join(dir, "manifest.json");
      expect(() => loadManifest(file)).toThrow(`${file}: cannot read the lesson manifest`);
      await writeFile(file, "[ { oops ]");
      expect(() => loadManifest(file)).toThrow(`${file}: not valid JSON`);
      await writeFile(file, JSON.stringify([lesson(1, "01-a")]));
      expect(loadManifest(file)[0]?.dir).toBe("lessons/01-a");
    });
  });
});
