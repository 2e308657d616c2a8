// The marker a test title carries when the test did not run because a tool is missing
// (tools-available.ts writes it; test/summary-reporter.ts and tools/lab/vitest-reporter.ts read
// it). A file of its own, without vitest's runtime, so that reporters can import it.
//
//   "lftp [missing tool: lftp (sudo apt-get install lftp)]"

/** " [missing tool: lftp (sudo apt-get install lftp)]" for [["lftp", "sudo apt-get install lftp"]]. */
export function missingMarker(items: ReadonlyArray<readonly [tool: string, install: string]>): string {
  return ` [missing tool${items.length > 1 ? "s" : ""}: ${items.map(([tool, install]) => `${tool} (${install})`).join(", ")}]`;
}

/** What a title's marker says is missing ("lftp (sudo apt-get install lftp)"), or null. */
export function parseMissingMarker(title: string): string | null {
  return /\[missing tools?: ([^\]]+)\]/.exec(title)?.[1] ?? null;
}

/** The packages named in marker texts, for one install line covering them all. */
export function packagesOfMarkers(markers: readonly string[]): string[] {
  const packages = new Set<string>();
  for (const m of markers) for (const [, list] of m.matchAll(/\(sudo apt-get install ([^)]+)\)/g)) for (const p of list!.split(" ")) packages.add(p);
  return [...packages];
}
