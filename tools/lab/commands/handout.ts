// `npm run handout -- --out DIR` (teachers): writes the student repository (tools/lab/handout.ts)
// into DIR, a new or empty folder: the kit in workspace/, the lesson texts and hints, the stage
// tests, the lab and the grader (its pins hashed for this copy), the Classroom workflow. No
// solutions/, no final/, no reference code.
//
//   $ npm run handout -- --out ../ftp-lab-student
//   Wrote the handout to ../ftp-lab-student: 112 files
//     workspace/ 40   lessons/ 17   test/ 25   tools/ 27   .github/ 1   (and README.md, package.json, ...)
//   No reference code in it (checked 61 lesson blocks).
//   Next: cd ../ftp-lab-student && git init && git add -A && git commit -m "ftp-lab" ...
//
// Exit 0: written and clean; 1: written, but a lesson block's code was found in it (each named);
// 2: no --out, a folder that is not empty, a stale graded manifest.

import path from "node:path";
import type { Course } from "../course.ts";
import { lessonBlocks, substantialBlocks } from "../handout-kit.ts";
import { writeHandout } from "../handout.ts";
import type { Io } from "../io.ts";
import { LabError } from "../lab-error.ts";

export async function handoutCommand(options: { out?: string }, course: Course, io: Io): Promise<number> {
  if (!options.out) throw new LabError("--out DIR is required: the folder to write the student repository into");
  const cwd = process.env["INIT_CWD"] ?? process.cwd();
  const outDir = path.resolve(cwd, options.out);
  const rel = path.relative(course.root, outDir);
  if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) throw new LabError(`--out ${options.out}: write the handout outside the course folder`);
  let handout;
  try {
    handout = await writeHandout(course, outDir);
  } catch (err) {
    throw new LabError((err as Error).message);
  }
  const files = [...handout.files.keys()];
  const top = new Map<string, number>();
  for (const f of files) {
    const head = f.includes("/") ? `${f.split("/")[0]}/` : f;
    top.set(head, (top.get(head) ?? 0) + 1);
  }
  const shown = path.relative(cwd, outDir) || ".";
  io.out(`Wrote the handout to ${shown}: ${files.length} files`);
  io.out(`  ${[...top].map(([k, n]) => (k.endsWith("/") ? `${k} ${n}` : k)).join("   ")}`);
  const checked = substantialBlocks(await lessonBlocks(course)).length;
  if (handout.leaks.length > 0) {
    io.out(`✗ reference code found in the handout (${handout.leaks.length}; checked ${checked} lesson blocks):`);
    for (const leak of handout.leaks.slice(0, 40)) io.out(`    ${leak}`);
    if (handout.leaks.length > 40) io.out(`    ... and ${handout.leaks.length - 40} more`);
    return 1;
  }
  io.out(`No reference code in it (checked ${checked} lesson blocks).`);
  io.out(`Next: cd ${shown} && git init -b main && git add -A && git commit -m "ftp-lab" && push it as the Classroom template (docs/teachers.md)`);
  return 0;
}
