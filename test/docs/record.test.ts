/**
 * Real recordings (tools/docs/record.ts): scenarios played against the final server, drawn
 * by diagrams.ts. The point of the renumbering and ordering rules is that two runs, with
 * different real ports and timing, draw the same diagram: checked here on login-and-list.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest, REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { renderDiagram } from "../../tools/docs/diagrams.ts";
import { updateDocs } from "../../tools/docs/excerpts.ts";
import { listScenarios, loadScenario, recordScenario, runPool } from "../../tools/docs/record.ts";

const FINAL = { entry: path.join(REPO_ROOT, "final/src/main.ts"), target: "final" };

describe("recording login-and-list against final", () => {
  it("draws the same diagram on two runs although the real ports differ", async () => {
    const scenario = await loadScenario("login-and-list");
    const [first, second] = await Promise.all([recordScenario(scenario, FINAL), recordScenario(scenario, FINAL)]);
    expect(first.controlPort).not.toBe(second.controlPort);
    const diagram = renderDiagram(first);
    expect(renderDiagram(second)).toBe(diagram);

    const lines = diagram.split("\n").map((l) => l.trim());
    expect(lines.slice(0, 8)).toEqual([
      "sequenceDiagram",
      "%% login-and-list: anonymous login, PWD, then LIST over PASV",
      "%% Recorded by npm run gen from a real session with final (-d /srv/ftp).",
      "%% ports renumbered in order of appearance: control 2121, passive 60000.., client data 50001..",
      "participant Client",
      "participant Server",
      "participant P60000 as Server data :60000",
      "Client->>Server: client connects to :2121",
    ]);
    for (const expected of [
      "Client->>Server: USER anonymous",
      "Server-->>Client: 230 Login successful.",
      "Client->>Server: PWD",
      "Client->>Server: PASV",
      "Server-->>Client: 227 Entering Passive Mode (127,0,0,1,234,96).",
      "Client->>P60000: client connects to :60000",
      "Client->>Server: LIST",
      "P60000-->>Client: LIST output, 3 lines",
      "P60000-->>Client: server closes the data connection",
      "Server-->>Client: 226 Transfer complete.",
      "Client->>Server: QUIT",
      "Server-->>Client: server closes the control connection",
    ]) {
      expect(lines).toContain(expected);
    }
    // The real ports are nowhere in the picture.
    for (const port of [first.controlPort, second.controlPort]) expect(diagram).not.toContain(String(port));
  });

  it("a README diagram is filled by updateDocs and then found up to date", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "ftp-lab-docs-"));
    try {
      await mkdir(path.join(out, "docs"));
      await writeFile(path.join(out, "docs/flow.md"), "# Flow\n\n<!-- diagram: login-and-list -->\n```mermaid\n```\n");
      const options = { root: REPO_ROOT, sourceDir: path.join(REPO_ROOT, "final/src"), outDir: out, lessons: loadManifest() };
      const written = await updateDocs({ ...options, check: false });
      expect(written).toMatchObject({ errors: [], written: ["docs/flow.md"], diagrams: 1, recordings: 1 });
      const text = await readFile(path.join(out, "docs/flow.md"), "utf8");
      expect(text).toMatch(/^# Flow\n\n<!-- diagram: login-and-list -->\n```mermaid\nsequenceDiagram\n[^]*\n```\n$/);
      expect(await updateDocs({ ...options, check: true })).toMatchObject({ errors: [], differences: [] });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe("every scenario", () => {
  it("plays against the final server", async () => {
    const names = await listScenarios();
    expect(names).toEqual(expect.arrayContaining(["login-and-list", "user-login-denied", "passive-range", "masquerade", "active-mode", "active-vs-passive", "router"]));
    const results = await runPool(
      names.map((name) => async () => renderDiagram(await recordScenario(await loadScenario(name), FINAL))),
      2,
    );
    const failures = results.flatMap((r, i) => (r.status === "rejected" ? [`${names[i]}: ${(r.reason as Error).message}`] : []));
    expect(failures).toEqual([]);
    const diagrams = new Map(results.map((r, i) => [names[i]!, r.status === "fulfilled" ? r.value : ""]));
    expect(diagrams.get("active-mode")).toContain("Server-->>A50001: server connects to client :50001");
    expect(diagrams.get("masquerade")).toContain("227 Entering Passive Mode (203,0,113,7,234,96).");
    expect(diagrams.get("passive-range")).toContain("229 Entering Extended Passive Mode (|||60001|)");
    expect(diagrams.get("user-login-denied")).toContain("Server-->>Client: 550 ");
    expect(diagrams.get("router")).toContain("forward TCP port 2121 and ports 60000-60009");
  }, 90_000);

  it("refuses to play against a lesson before its `since`", async () => {
    const scenario = await loadScenario("active-mode");
    await expect(recordScenario(scenario, { entry: "solutions/02-passive-ports/src/main.ts", target: "solutions/02-passive-ports", lesson: 2 })).rejects.toThrow(
      "scenario 'active-mode' needs the server of lesson 6 or later, not solutions/02-passive-ports",
    );
  });
});
