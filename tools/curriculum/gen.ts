// `npm run gen`: project final/src into solutions/NN-slug/src and the kit into workspace/src.
//
//   npm run gen                    write every stage (a workspace the learner edited is left alone)
//   npm run gen -- --check         write nothing; list differences; exit 1 when stale
//   npm run gen -- --out DIR       the same, under DIR instead of the repository
//   npm run gen -- --force         overwrite the workspace even where a learner edited it
//
// It also fills the generated regions of lessons/*/README.md and docs/*.md (code excerpts and
// recorded sequence diagrams, tools/docs/excerpts.ts), and --check verifies them.

import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { checkCourse, projectCourse, writeCourse, type Difference, type TargetReport } from "./generate.ts";
import { loadManifest, MANIFEST_PATH, REPO_ROOT, type Lesson } from "./manifest.ts";
import { updateDocs, type DocsReport } from "../docs/excerpts.ts";

const USAGE = `usage: npm run gen [-- --check] [--out DIR] [--force]

Projects final/src (with its lesson markers, see docs/curriculum.md) into
solutions/NN-slug/src (solution NN) and workspace/src (the kit: what the
learner starts from), deletes the old per-lesson starters lessons/NN-slug/src,
and fills the excerpts and diagrams of lessons/*/README.md and docs/*.md.

  --check     write nothing; print each stale, missing or extra file (and README
              region); exit 1 if any
  --out DIR   use DIR instead of the repository as the root of solutions/, workspace/
              and lessons/
  --force     overwrite workspace/src even where a learner's edits would be lost
  --help      this text`;

export interface GenContext {
  /** Repository root: where final/src and lessons/manifest.json are. */
  root?: string;
  /** Overrides root/final/src (tests point this at a fixture). */
  sourceDir?: string;
  /** Overrides the manifest (tests use a short one). */
  lessons?: readonly Lesson[];
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

/** Runs the generator; resolves to the process exit code. */
export async function main(argv: readonly string[], context: GenContext = {}): Promise<number> {
  const out = context.stdout ?? ((line: string) => console.log(line));
  const err = context.stderr ?? ((line: string) => console.error(line));

  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        check: { type: "boolean", default: false },
        force: { type: "boolean", default: false },
        out: { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    err(`gen: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    out(USAGE);
    return 0;
  }
  if (args.check && args.force) {
    err("gen: --check writes nothing, so --force makes no sense with it");
    return 2;
  }

  const root = context.root ?? REPO_ROOT;
  // `npm run` changes to the package root; INIT_CWD is where the user typed the command.
  const outDir = args.out ? path.resolve(process.env["INIT_CWD"] ?? process.cwd(), args.out) : root;
  try {
    const lessons = context.lessons ?? loadManifest(path.join(root, MANIFEST_PATH));
    const sourceDir = context.sourceDir ?? path.join(root, "final/src");
    const targets = await projectCourse(sourceDir, lessons);
    const docs = { root, sourceDir, outDir, lessons };
    if (args.check) {
      const differences = await checkCourse(targets, outDir);
      return reportCheck(differences, await updateDocs({ ...docs, check: true }), out, err);
    }
    const code = reportWrite(await writeCourse(targets, outDir, { force: args.force }), out, err);
    // After the solutions are written: diagrams are recorded against them.
    const docsCode = reportDocsWrite(await updateDocs({ ...docs, check: false }), out, err);
    return Math.max(code, docsCode);
  } catch (e) {
    // Marker and manifest errors already say file:line and what is wrong; no stack needed.
    err(`gen: ${(e as Error).message}`);
    return 1;
  }
}

function reportCheck(differences: readonly Difference[], docs: DocsReport, out: (l: string) => void, err: (l: string) => void): number {
  for (const e of docs.errors) err(e);
  const stale = docs.differences.length;
  if (differences.length === 0 && stale === 0 && docs.errors.length === 0) {
    out(`gen --check: up to date${describeDocs(docs)}`);
    return 0;
  }
  for (const d of differences) err(describeDifference(d));
  for (const d of docs.differences) err(d);
  const parts: string[] = [];
  if (differences.length > 0) parts.push(`${plural(differences.length, "difference")} from a fresh projection of final/src`);
  if (stale > 0) parts.push(plural(stale, "stale README region"));
  if (docs.errors.length > 0) parts.push(`${plural(docs.errors.length, "error")} in README regions`);
  const fix = stale > 0 || differences.length > 0 ? "; run `npm run gen` to regenerate" : "";
  err(`gen --check: ${parts.join(", ")}${fix}`);
  return 1;
}

function reportDocsWrite(docs: DocsReport, out: (l: string) => void, err: (l: string) => void): number {
  for (const e of docs.errors) err(e);
  for (const file of docs.written) out(`${file}: excerpts and diagrams filled`);
  if (docs.excerpts + docs.diagrams > 0) out(`gen: README regions${describeDocs(docs)}, ${docs.written.length} files written`);
  return docs.errors.length > 0 ? 1 : 0;
}

/** " (3 excerpts, 2 diagrams in 4 READMEs)", or "" when no README has a region. */
function describeDocs(docs: DocsReport): string {
  if (docs.excerpts + docs.diagrams === 0) return "";
  return ` (${plural(docs.excerpts, "excerpt")}, ${plural(docs.diagrams, "diagram")} in ${plural(docs.files.length, "README")})`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function describeDifference(d: Difference): string {
  switch (d.kind) {
    case "missing":
      return `${d.file}: missing`;
    case "extra":
      return `${d.file}: extra file (not in the projection)`;
    case "changed":
      return `${d.file}:${d.line}: differs\n    expected: ${clip(d.expected)}\n    found:    ${clip(d.actual)}`;
  }
}

function reportWrite(reports: readonly TargetReport[], out: (l: string) => void, err: (l: string) => void): number {
  let written = 0;
  let removed = 0;
  for (const r of reports) {
    written += r.written.length;
    removed += r.removed.length;
    if (r.written.length > 0 || r.removed.length > 0) {
      out(`${r.dir}: ${r.written.length} written, ${r.removed.length} removed`);
    }
  }
  const refused = reports.filter((r) => r.refused !== null);
  for (const r of refused) {
    if (r.obsolete) {
      err(
        `${r.dir}: NOT removed: the course has no per-lesson starters any more (your server lives in workspace/src), but these files have edits that gen did not write:\n` +
          (r.refused ?? []).map((f) => `    ${f}`).join("\n") +
          `\n  Move your work into workspace/src, or run \`npm run gen -- --force\` to delete them.`,
      );
      continue;
    }
    err(
      `${r.dir}: NOT regenerated: these files have edits that gen did not write, and would be lost:\n` +
        (r.refused ?? []).map((f) => `    ${f}`).join("\n") +
        `\n  Save your work elsewhere, or run \`npm run gen -- --force\` to overwrite them.`,
    );
  }
  out(written + removed === 0 ? "gen: up to date (nothing to write)" : `gen: ${written} files written, ${removed} removed`);
  return refused.length > 0 ? 1 : 0;
}

function clip(line: string): string {
  const shown = JSON.stringify(line).slice(1, -1);
  return shown.length > 100 ? `${shown.slice(0, 97)}...` : shown;
}

// Run only as a script, so tests can import main() without side effects.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
