/**
 * startServer against fixture "servers" that follow (or break) the command-line contract.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_ENTRY, FtpSocket, REPO_ROOT, makeTempRoot, parseListeningLine, startServer, stopAll, targetEntry } from "../harness/index.ts";

const fixture = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", name);

afterAll(stopAll);

describe("parseListeningLine", () => {
  it("reads IPv4 and bracketed IPv6, and nothing else", () => {
    expect(parseListeningLine("LISTENING 127.0.0.1:40123")).toEqual({ host: "127.0.0.1", port: 40123 });
    expect(parseListeningLine("LISTENING [::1]:40123")).toEqual({ host: "::1", port: 40123 });
    expect(parseListeningLine("LISTENING ::1:40123")).toBeNull();
    expect(parseListeningLine("info: LISTENING 127.0.0.1:40123")).toBeNull();
    expect(parseListeningLine("LISTENING 127.0.0.1:0")).toBeNull();
    expect(parseListeningLine("LISTENING soon, promise")).toBeNull();
  });
});

describe("targetEntry", () => {
  it("maps FTP_TARGET to <dir>/src/main.ts under the repo root, else the final server", () => {
    expect(targetEntry({})).toBe(DEFAULT_ENTRY);
    expect(DEFAULT_ENTRY).toBe(path.join(REPO_ROOT, "final/src/main.ts"));
    expect(targetEntry({ FTP_TARGET: "solutions/03-masquerade" })).toBe(path.join(REPO_ROOT, "solutions/03-masquerade/src/main.ts"));
    expect(targetEntry({ FTP_TARGET: "/abs/x/main.ts" })).toBe("/abs/x/main.ts");
  });
});

describe("startServer", () => {
  it("starts a server, reads its port, passes -d and extra args, and stops it", async () => {
    const root = makeTempRoot();
    try {
      const server = await startServer({ entry: fixture("listening-server.ts"), root: root.dir, args: ["one", "two"] });
      expect(server.host).toBe("127.0.0.1");
      expect(server.port).toBeGreaterThan(0);
      expect(server.command).toContain(`-i 127.0.0.1 -p 0 -d ${root.dir} one two`);
      const ftp = await FtpSocket.connect(server.host, server.port);
      expect(ftp.greeting.text).toBe(`fixture root=${root.dir} extra=["one","two"]`);
      ftp.destroy();
      expect(server.output()).toContain("fixture: starting up");
      expect(server.stderr()).toContain("fixture: a warning on stderr");
      const first = server.stop();
      expect(server.stop()).toBe(first); // idempotent
      expect(await first).toEqual({ code: null, signal: "SIGTERM" });
      expect(await server.stop()).toEqual({ code: null, signal: "SIGTERM" });
    } finally {
      root.cleanup();
    }
  });

  it("rejects with the command line, exit code and stderr when the server dies first", async () => {
    const err = await startServer({ entry: fixture("failing-server.ts"), root: "/does/not/exist" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain('Server exited before printing "LISTENING <host>:<port>" (exit code 3)');
    expect(msg).toContain(`failing-server.ts -i 127.0.0.1 -p 0 -d /does/not/exist`);
    expect(msg).toMatch(/stderr:\n {4}fatal: root directory \/does\/not\/exist is missing/);
    expect(msg).toMatch(/stdout:\n {4}fixture: loading config/);
  });

  it("times out, kills the server and shows its output when LISTENING never comes", async () => {
    const err = await startServer({ entry: fixture("silent-server.ts"), timeoutMs: 1500 }).catch((e: Error) => e);
    const msg = (err as Error).message;
    expect(msg).toContain('did not print "LISTENING <host>:<port>" within 1500 ms');
    expect(msg).toContain("it has been stopped");
    expect(msg).toMatch(/command: .*silent-server\.ts -i 127\.0\.0\.1 -p 0\n/); // no root given, no -d
  });

  it("falls back to SIGKILL when SIGTERM is ignored", async () => {
    const server = await startServer({ entry: fixture("listening-server.ts"), args: ["--ignore-term"] });
    expect(await server.stop()).toEqual({ code: null, signal: "SIGKILL" });
    expect(server.output()).toContain("ignoring SIGTERM"); // it did get the polite signal first
  });

  it("stopAll stops every running server", async () => {
    const a = await startServer({ entry: fixture("listening-server.ts") });
    const b = await startServer({ entry: fixture("listening-server.ts") });
    await stopAll();
    expect(a.proc.signalCode).toBe("SIGTERM");
    expect(b.proc.signalCode).toBe("SIGTERM");
  });
});
