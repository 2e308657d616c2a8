/**
 * From made-up rounds to the report: the summary (medians, per-round advantages, fractions of
 * the machine limits, logging cost, targets) and its text and markdown forms, missing peers
 * and failed rows included.
 */
import { describe, expect, it } from "vitest";
import type { VariantId } from "../../tools/bench/peers.ts";
import { cell, markdownReport, markdownTable, num, ratioCell, textReport, textTable } from "../../tools/bench/report.ts";
import type { RoundRecord, RunResult } from "../../tools/bench/result.ts";
import type { Cells, RowParams } from "../../tools/bench/rows.ts";
import { summarizeRun } from "../../tools/bench/summary.ts";

const params: RowParams = { clients: 200, bigBytes: 512 * 2 ** 20, fileBytes: 10 * 2 ** 20, listEntries: 10_000, noopSeconds: 2, maxSessions: 1000 };

function cells(scale: number, extra: Cells = {}): Cells {
  return {
    stor_big: { value: 400 * scale },
    retr_big: { value: 800 * scale },
    login_n: { value: 0.5 / scale },
    retr_n: { value: 4 / scale },
    stor_n: { value: 6 / scale },
    quit_n: { value: 0.05 / scale },
    list: { value: 0.2 / scale },
    noop: { value: 10_000 * scale },
    sessions_max: { value: 3 / scale },
    mem_per_session: { value: 12 },
    mem_peak_growth: { value: 20 },
    ...extra,
  };
}

function makeResult(): RunResult {
  const servers: VariantId[] = ["ours", "pyftpdlib", "vsftpd", "ftp-srv", "ours-nolog", "ours-logfile"];
  const records: RoundRecord[] = [];
  for (let round = 1; round <= 3; round++) {
    // ours: 1, 1.1, 0.9 × base; pyftpdlib twice as fast as ours each round; ftp-srv half
    const k = [1, 1.1, 0.9][round - 1]!;
    records.push({ round, server: "ours", cells: cells(k) });
    records.push({ round, server: "pyftpdlib", cells: cells(2 * k) });
    records.push({ round, server: "ftp-srv", cells: cells(0.5 * k, round === 2 ? { retr_n: { value: null, error: "timeout after 220 s" } } : {}) });
    records.push({ round, server: "ours-nolog", cells: { login_n: { value: 0.5 / k }, quit_n: { value: 0.05 / k }, retr_n: { value: 4 / k }, stor_n: { value: 6 / k } } });
    records.push({ round, server: "ours-logfile", cells: { login_n: { value: 0.6 / k }, quit_n: { value: 0.05 / k }, retr_n: { value: 4 / k }, stor_n: { value: 6 / k } } });
  }
  const limitRounds = [1, 2, 3].map(() => ({ "file-stream": { mibps: 1000 }, "file-bigreads": { mibps: 800 }, "loopback-down": { mibps: 2000 } }));
  const summary = summarizeRun({ params, rounds: 3, servers, roundRecords: records, limitRounds, missing: ["vsftpd"] });
  return {
    schema: "ftp-lab-bench/1",
    startedAt: "2026-11-21T10:00:00.000Z",
    durationSeconds: 600,
    quick: false,
    rounds: 3,
    params,
    servers,
    machine: { date: "2026-11-21T10:00:00.000Z", cpuModel: "Test CPU", cores: 2, kernel: "6.1", os: "Debian", memoryGiB: 8, nofileHard: "65536", node: "v20", python: "3.11", versions: {} },
    peers: [
      { id: "ours", available: true, version: "0.1.0", command: "node final/src/main.ts" },
      { id: "pyftpdlib", available: true, version: "1.5.7", command: "python3 launcher" },
      { id: "vsftpd", available: false, reason: "vsftpd not installed" },
      { id: "ftp-srv", available: true, version: "4.6.3", command: "node launcher" },
    ],
    notes: [],
    limitRounds,
    roundRecords: records,
    summary,
  };
}

describe("formatting", () => {
  it("numbers keep three or so significant digits", () => {
    expect([1234.5, 812.3, 81.23, 8.123, 0.8123, 0.00812, 0].map(num)).toEqual(["1235", "812", "81.2", "8.12", "0.812", "0.0081", "0"]);
    expect(cell({ median: 2, min: 1, max: 3, n: 3 })).toBe("2.00 (1.00–3.00)");
    expect(cell({ median: 2, min: 2, max: 2, n: 1 })).toBe("2.00");
    expect(ratioCell({ median: 0.5, min: 0.04, max: 1.25, n: 3 })).toBe("0.50× (0.040–1.25)");
  });

  it("tables pad columns, left then right aligned; markdown escapes pipes", () => {
    expect(textTable([["a", "1"], ["long", "22"]])).toBe("a      1\nlong  22");
    expect(markdownTable(["x", "y"], [["a|b", "1"]])).toBe("| x | y |\n| --- | ---: |\n| a\\|b | 1 |");
  });
});

describe("summary", () => {
  const r = makeResult();

  it("takes the median per server and the per-round advantage of ours", () => {
    expect(r.summary.values.ours!.stor_big).toMatchObject({ median: 400, min: 360, n: 3 });
    expect(r.summary.values.ours!.stor_big!.max).toBeCloseTo(440);
    const vsPy = r.summary.advantages.pyftpdlib!;
    expect(vsPy.stor_big!.median).toBeCloseTo(0.5); // pyftpdlib twice as fast every round
    expect(vsPy.login_n!.median).toBeCloseTo(0.5);
    expect(r.summary.advantages["ftp-srv"]!.retr_n).toMatchObject({ n: 2 }); // the timed-out round is left out
    expect(r.summary.errors["ftp-srv"]!.retr_n).toEqual(["round 2: timeout after 220 s"]);
  });

  it("fractions of the machine limits, the best file → socket way for the RETR target", () => {
    const best = r.summary.fractions.find((f) => f.limit === "file-best")!;
    expect(best.servers.ours!.median).toBeCloseTo(0.8); // 800 ÷ max(1000, 800)
  });

  it("logging cost: per-round time ratio to no logging", () => {
    const login = r.summary.logging.find((l) => l.row === "login_n")!;
    expect(login.logfileCost!.median).toBeCloseTo(1.2);
    expect(login.consoleCost!.median).toBeCloseTo(1);
  });

  it("targets: pass, fail, n/a with the reason", () => {
    const t = Object.fromEntries(r.summary.targets.map((x) => [x.id, x]));
    expect(t["stor-vs-vsftpd"]).toMatchObject({ status: "n/a", figure: "vsftpd missing" });
    expect(t["retr-vs-pyftpdlib"]!.status).toBe("fail");
    expect(t["retr-vs-limit"]!.status).toBe("pass");
    expect(t["mem-per-session"]!.status).toBe("pass");
    expect(t["mem-peak"]!.status).toBe("pass");
    expect(t.logging).toMatchObject({ status: "fail" });
    expect(t.logging!.figure).toContain("file login_n +20 %");
    expect(t["sessions-1000"]!.status).toBe("pass");
  });
});

describe("reports", () => {
  const r = makeResult();

  it("text: the table with every server, missing peers marked, errors in their cells", () => {
    const text = textReport(r);
    expect(text).toContain("N = 200 clients, 3 rounds");
    const stor = text.split("\n").find((l) => l.startsWith("STOR one 512 MiB file"))!;
    expect(stor).toContain("400 (360–440)");
    expect(stor).toContain("missing");
    expect(stor).toContain("0.50×");
    const retrN = text.split("\n").find((l) => l.startsWith("200 concurrent RETR"))!;
    expect(retrN).toContain("TIMEOUT: timeout after 220 s");
    expect(text).toContain("vsftpd: missing: vsftpd not installed");
    expect(text).toContain("Logging cost");
  });

  it("markdown: machine, results, limits, logging, targets, how each server ran", () => {
    const md = markdownReport(r);
    for (const heading of ["# Benchmarks", "## Machine", "## Results", "## Machine limits", "## Logging cost", "## Targets", "## How each server was run", "## Method"]) {
      expect(md).toContain(`${heading}\n`);
    }
    expect(md).toContain("| CPU | Test CPU, 2 cores |");
    expect(md).toContain("| vsftpd | missing: vsftpd not installed |");
    expect(md).toContain("`python3 launcher`");
  });
});
