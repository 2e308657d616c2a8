/**
 * `npm start` is one process under npm: killing npm by its PID (what a process manager or a
 * learner with `kill <pid>` does) stops the server too. With `tsx main.ts` the server ran in a
 * child of tsx that never got the signal and kept the port.
 */
import { spawn } from "node:child_process";
import net from "node:net";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../harness/index.ts";

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.setTimeout(1000, () => (s.destroy(), resolve(false)));
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

describe("npm start", () => {
  it("SIGTERM to npm's own PID stops the server (the port closes)", async () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const proc = spawn(npm, ["start", "--silent", "--", "-p", "0"], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    let stdout = "";
    try {
      const port = await new Promise<number>((resolve, reject) => {
        proc.stdout.setEncoding("utf8").on("data", (c: string) => {
          stdout += c;
          const m = /LISTENING 127\.0\.0\.1:(\d+)/.exec(stdout);
          if (m) resolve(Number(m[1]));
        });
        proc.once("close", () => reject(new Error(`npm start exited before LISTENING: ${stdout}`)));
      });
      expect(await portAnswers(port)).toBe(true);
      proc.kill("SIGTERM");
      // Bounded wait for the port to close: 20 looks, 250 ms apart.
      let open = true;
      for (let i = 0; i < 20 && open; i++) {
        await new Promise((r) => setTimeout(r, 250));
        open = await portAnswers(port);
      }
      expect(open, `the server on port ${port} kept running after npm (pid ${proc.pid}) got SIGTERM`).toBe(false);
    } finally {
      clearTimeout(killer);
      proc.kill("SIGKILL");
    }
  });
});
