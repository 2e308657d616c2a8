/**
 * The stage harness picks passive ranges where outgoing connections never sit: below the
 * kernel's ephemeral range, so thousands of client sockets in TIME-WAIT during a test run cannot
 * leave it without a free range ("freeRange: no free range of 20 ports found", which gave a
 * learner 0/10). When it does fail, it says "environment error" so the grader retries.
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, freeRange } from "../lessons/stage-helpers.ts";

function ephemeral(): { low: number; high: number } | null {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    return { low: low!, high: high! };
  } catch {
    return null;
  }
}

describe("freeRange and freePort", () => {
  it.skipIf(ephemeral() === null)("pick ports below the ephemeral range, where outgoing connections never sit", async () => {
    const { low } = ephemeral()!;
    for (let i = 0; i < 20; i++) {
      const range = await freeRange(20);
      expect(range.to, `range ${range.from}-${range.to}, ephemeral ports start at ${low}`).toBeLessThan(low);
      expect(await freePort()).toBeLessThan(low);
    }
  });

  it("give a range a server can bind right away, every port of it", async () => {
    const range = await freeRange(5);
    const servers: net.Server[] = [];
    try {
      for (let port = range.from; port <= range.to; port++) {
        const srv = net.createServer();
        await new Promise<void>((resolve, reject) => {
          srv.once("error", reject);
          srv.listen({ host: "127.0.0.1", port }, () => resolve());
        });
        servers.push(srv);
      }
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
    expect(servers).toHaveLength(5);
  });
});
