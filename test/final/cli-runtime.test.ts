/**
 * The command line, running: -p 0 announces the port it got, --banner, -u/-P (no
 * anonymous), -n (masquerade address in PASV only), and SIGTERM stops the server.
 * The -n address is from the documentation range (RFC 5737): it is only read in the reply
 * text; the data connection goes to loopback.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FtpSocket, REPO_ROOT, expectCode, makeTempRoot, startServer, type TempRoot } from "../harness/index.ts";
import { ENTRY } from "./cli-helpers.ts";

let root: TempRoot;
const sockets: FtpSocket[] = [];
beforeAll(() => {
  root = makeTempRoot({ "hello.txt": "hello\n" });
});
afterAll(() => {
  for (const s of sockets) s.destroy();
  root.cleanup();
});

async function connect(host: string, port: number): Promise<FtpSocket> {
  const ftp = await FtpSocket.connect(host, port, { timeoutMs: 5000 });
  sockets.push(ftp);
  return ftp;
}

describe("-p 0 and SIGTERM", () => {
  it("-p 0 prints 'LISTENING 127.0.0.1:<port>', the port answers 220, and SIGTERM makes the server exit (421 to a connected client)", async () => {
    const proc = spawn(process.execPath, ["--import", "tsx", ENTRY, "-p", "0", "-d", root.dir], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    proc.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once("close", (code, signal) => resolve({ code, signal })),
    );
    const killer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const check = () => {
          const m = /^LISTENING 127\.0\.0\.1:(\d{1,5})$/m.exec(stdout);
          if (m) resolve(Number(m[1]));
        };
        proc.stdout.on("data", check);
        void exited.then((e) => reject(new Error(`the server exited (${JSON.stringify(e)}) before LISTENING; stdout ${JSON.stringify(stdout)} stderr ${JSON.stringify(stderr)}`)));
      });
      expect(port).toBeGreaterThan(0);
      expect(port, "-p 0 means: let the OS pick a free port (not 2121)").not.toBe(2121);
      const ftp = await connect("127.0.0.1", port);
      expectCode(ftp.greeting, 220, ftp.context());
      const t0 = Date.now();
      proc.kill("SIGTERM");
      const goodbye = await ftp.readReply().catch(() => null);
      expect(goodbye?.code, "a connected client is told the server is going away").toBe(421);
      const exit = await exited;
      expect(exit.signal, `SIGTERM must make the server exit by itself (it was killed: ${JSON.stringify(exit)})`).toBeNull();
      expect(exit.code).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      clearTimeout(killer);
      proc.kill("SIGKILL");
    }
  });
});

describe("--banner", () => {
  it("shows the banner in the 220 greeting", async () => {
    const server = await startServer({ root: root.dir, args: ["--banner", "Hello there"] });
    try {
      const ftp = await connect(server.host, server.port);
      expectCode(ftp.greeting, 220, ftp.context());
      expect(ftp.greeting.text).toContain("Hello there");
    } finally {
      await server.stop();
    }
  });
});

describe("-u anna -P s3cret", () => {
  it("logs anna in and refuses anonymous (530)", async () => {
    const server = await startServer({ root: root.dir, args: ["-u", "anna", "-P", "s3cret", "--auth-failed-delay", "0"] });
    try {
      const ftp = await connect(server.host, server.port);
      await ftp.sendExpect("USER anonymous", 331);
      await ftp.sendExpect("PASS guest@example.com", 530, "with -u/-P there is no anonymous login");
      await ftp.sendExpect("USER ftp", 331);
      await ftp.sendExpect("PASS guest@example.com", 530, "ftp is anonymous's other name");
      const anna = await connect(server.host, server.port);
      await anna.sendExpect("USER anna", 331);
      await anna.sendExpect("PASS s3cret", 230);
      await anna.sendExpect("MKD made-by-anna", 257, "-u gets full permissions on its folder");
    } finally {
      await server.stop();
    }
  });
});

describe("-n 203.0.113.7", () => {
  it("PASV announces 203,0,113,7 while EPSV (port only) is unaffected", async () => {
    const server = await startServer({ root: root.dir, args: ["-n", "203.0.113.7"] });
    try {
      const ftp = await connect(server.host, server.port);
      await ftp.sendExpect("USER anonymous", 331);
      await ftp.sendExpect("PASS x", 230);
      const pasv = await ftp.sendExpect("PASV", 227);
      expect(pasv.lines[0]).toMatch(/\(203,0,113,7,\d{1,3},\d{1,3}\)/);
      // The data port itself is on loopback: connect there (never to 203.0.113.7).
      const ds = await ftp.openPassiveData("PASV", { host: "127.0.0.1" });
      await ftp.sendExpect("RETR hello.txt", [125, 150]);
      expect((await ds.readAll()).toString()).toBe("hello\r\n");
      expectCode(await ftp.readReply(), 226, ftp.context());
      const epsv = await ftp.sendExpect("EPSV", 229);
      expect(epsv.lines[0]).toMatch(/\(\|\|\|\d{1,5}\|\)/);
      expect(epsv.lines[0]).not.toMatch(/203/);
      const ds2 = await ftp.openPassiveData("EPSV");
      await ftp.sendExpect("RETR hello.txt", [125, 150]);
      expect((await ds2.readAll()).toString()).toBe("hello\r\n");
      expectCode(await ftp.readReply(), 226, ftp.context());
    } finally {
      await server.stop();
    }
  });
});
