// The lesson manifest (lessons/manifest.json): the ordered list of lessons that the generator,
// the lab CLI, the grader and the docs site all share. It is hand-edited JSON, so it is
// validated here once, with errors that name the file and the field, and every other tool gets
// typed `Lesson` objects with their folder names already worked out.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** The repository root (this file lives in tools/curriculum/). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Where the manifest lives, relative to the repository root. */
export const MANIFEST_PATH = "lessons/manifest.json";

const slugPattern = /^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/;

const lessonSchema = z
  .object({
    id: z.number().int().min(0).max(99),
    slug: z.string().regex(slugPattern, 'must look like "01-local-authorizer" (two digits, dash, lowercase words)'),
    title: z.string().trim().min(1, "must not be empty"),
    points: z.number().int().min(0),
    timeoutSec: z.number().int().positive(),
    // Paths inside the lesson folder (e.g. "src/auth/authorizer.ts"): posix, relative, no "..",
    // because tools join them onto lessons/NN-slug/ on every platform.
    files: z.array(
      z
        .string()
        .min(1)
        .refine((p) => !p.startsWith("/") && !p.includes("\\") && !p.split("/").includes(".."), {
          message: 'must be a relative path with "/" separators and no ".."',
        }),
    ),
  })
  .strict()
  .superRefine((lesson, ctx) => {
    // The number is in the slug so folders sort in lesson order; they must agree.
    const prefix = `${String(lesson.id).padStart(2, "0")}-`;
    if (!lesson.slug.startsWith(prefix)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["slug"], message: `must start with "${prefix}" (the lesson id)` });
    }
  });

const manifestSchema = z
  .array(lessonSchema)
  .min(1, "must list at least one lesson")
  .superRefine((lessons, ctx) => {
    // Markers say "from lesson N on", so stages must be numbered without gaps: 1, 2, 3...
    // (a lesson 0 may precede lesson 1).
    const first = lessons[0]?.id;
    if (first !== undefined && first !== 0 && first !== 1) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [0, "id"], message: "the first lesson must have id 0 or 1" });
    }
    lessons.forEach((lesson, i) => {
      const prev = lessons[i - 1];
      if (prev && lesson.id !== prev.id + 1) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [i, "id"],
          message: `must be ${prev.id + 1} (ids count up by one, in order)`,
        });
      }
    });
  });

type LessonEntry = z.infer<typeof lessonSchema>;

export interface Lesson extends Readonly<Omit<LessonEntry, "files">> {
  readonly files: readonly string[];
  /** The learner's folder, relative to the repo root: "lessons/01-local-authorizer". */
  readonly dir: string;
  /** The reference solution's folder: "solutions/01-local-authorizer". */
  readonly solutionDir: string;
}

/** Thrown for an unreadable or invalid manifest; the message names the file and field. */
export class ManifestError extends Error {
  override name = "ManifestError";
}

/** Validates already-parsed JSON; `file` is only used in error messages. */
export function parseManifest(data: unknown, file: string = MANIFEST_PATH): Lesson[] {
  const result = manifestSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${describePath(data, issue.path)}: ${issue.message}`);
    throw new ManifestError(`${file}: invalid lesson manifest\n${problems.join("\n")}`);
  }
  return result.data.map((entry) => ({
    ...entry,
    dir: `lessons/${entry.slug}`,
    solutionDir: `solutions/${entry.slug}`,
  }));
}

/** Reads and validates the manifest (by default the repository's own). */
export function loadManifest(file: string = path.join(REPO_ROOT, MANIFEST_PATH)): Lesson[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ManifestError(`${file}: cannot read the lesson manifest (${(err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseManifest(data, file);
}

/** The lesson with this id, or undefined. */
export function lessonById(lessons: readonly Lesson[], id: number): Lesson | undefined {
  return lessons.find((lesson) => lesson.id === id);
}

// "lessons[2] (03-masquerade).slug" reads better than "2.slug" when fixing a hand-edited file.
function describePath(data: unknown, path: ReadonlyArray<string | number>): string {
  if (path.length === 0) return "(top level)";
  const [index, ...rest] = path;
  if (typeof index !== "number") return path.join(".");
  const entry = Array.isArray(data) ? (data[index] as unknown) : undefined;
  const slug =
    entry && typeof entry === "object" && typeof (entry as { slug?: unknown }).slug === "string"
      ? ` (${(entry as { slug: string }).slug})`
      : "";
  const field = rest.map((part) => (typeof part === "number" ? `[${part}]` : `.${part}`)).join("");
  return `lessons[${index}]${slug}${field}`;
}
