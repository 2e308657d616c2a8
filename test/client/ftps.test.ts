/**
 * FTPS against the final server started with --tls (a self-signed certificate) and an implicit
 * port: explicit (--tls, ftpes://: AUTH TLS, PBSZ 0, PROT P) and implicit (ftps://) sessions,
 * passive and active, byte for byte; the certificate refused without --insecure; no silent
 * fallback to clear text when the server has no TLS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { bytes, explain, runClient, sha256 } from "./helpers.ts";

const DATA = bytes(0x715, 600_000);

describe("client with FTPS (final server, --tls)", () => {
  let root: TempRoot;
  let work: TempRoot;
  let server: RunningServer;
  let implicitPort: number;
  const client = (args: string[]) => runClient(args, { cwd: work.dir });

  beforeAll(async () => {
    root = makeTempRoot({ "data.bin": DATA, "docs/readme.md": "# readme\n" });
    work = makeTempRoot({ "up.bin": bytes(0x517, 300_000) });
    server = await startServer({
      root: root.dir,
      args: ["--auth-failed-delay", "0", "--tls", "--tls-implicit-port", "0", "--user", `anna:s3cret:elradfmwMT:${root.dir}`],
    });
    implicitPort = Number(/^IMPLICIT-TLS 127\.0\.0\.1:(\d+)$/m.exec(server.stdout())?.[1]);
  });
  afterAll(async () => {
    await server?.stop();
    root?.cleanup();
    work?.cleanup();
  });

  it("explicit (--tls): AUTH TLS before USER, PBSZ 0 and PROT P after, TLS on the data connections; get and put byte for byte", async () => {
    const run = await client(["--tls", "--insecure", "--debug", `ftp://anna:s3cret@127.0.0.1:${server.port}/`, "get data.bin; put up.bin; status"]);
    expect(run.code, explain(run, server)).toBe(0);
    expect(sha256(work.read("data.bin"))).toBe(sha256(DATA));
    expect(sha256(root.read("up.bin"))).toBe(sha256(work.read("up.bin")));
    expect(run.stderr).toMatch(/^S: 220 [^\n]*\nC: AUTH TLS\nS: 234 [^\n]*\nT: TLSv1\.[23], \S+, certificate CN=\S+ \(not verified: [^\n]*accepted with --insecure\) on the control connection\nC: USER anna$/m);
    expect(run.stderr).toMatch(/^C: PBSZ 0\nS: 200 [^\n]*\nC: PROT P\nS: 200 /m);
    expect(run.stderr).toMatch(/^T: TLSv1\.[23], [^\n]* on the data connection/m);
    expect(run.stdout).toMatch(/^Server: +127\.0\.0\.1:\d+, explicit FTPS \(AUTH TLS\): TLSv1\.[23]/m);
    expect(run.stdout).toMatch(/^Data: +passive .*, protected with TLS \(PROT P\)$/m);
  });

  it("ftpes:// is explicit FTPS too; in active mode the client is still the TLS client", async () => {
    const run = await client(["-k", "--active", "--debug", `ftpes://anna:s3cret@127.0.0.1:${server.port}/`, "ls docs; get data.bin active.bin"]);
    expect(run.code, explain(run, server)).toBe(0);
    expect(run.stdout).toMatch(/readme\.md/);
    expect(sha256(work.read("active.bin"))).toBe(sha256(DATA));
    expect(run.stderr).toMatch(/^D: the server connected from 127\.0\.0\.1:\d+\nT: TLSv1\.[23], [^\n]* on the data connection/m);
  });

  it("implicit (ftps://): TLS from the first byte, no AUTH TLS", async () => {
    const run = await client(["-k", "--debug", `ftps://anna:s3cret@127.0.0.1:${implicitPort}/`, "get", "data.bin", "implicit.bin"]);
    expect(run.code, explain(run, server)).toBe(0);
    expect(sha256(work.read("implicit.bin"))).toBe(sha256(DATA));
    expect(run.stderr).toMatch(/^D: connecting to 127\.0\.0\.1:\d+ \(implicit TLS\)\nD: control connection from [^\n]*\nT: TLSv1\.[23], [^\n]* on the control connection\nS: 220 /m);
    expect(run.stderr).not.toMatch(/^C: AUTH/m);
  });

  it("a self-signed certificate is refused without --insecure: exit 2, with the way out", async () => {
    const run = await client([`ftpes://anna:s3cret@127.0.0.1:${server.port}/`, "ls"]);
    expect(run.code, explain(run)).toBe(2);
    expect(run.stderr).toMatch(/certificate is not trusted \(self[- ]signed certificate\); if you know this server, --insecure accepts it anyway/);
  });

  it("a server without TLS: --tls stops before sending the password (exit 2)", async () => {
    const plain = await startServer({ root: root.dir, args: ["--auth-failed-delay", "0"] });
    try {
      const run = await client(["--tls", "--debug", `ftp://anna:s3cret@127.0.0.1:${plain.port}/`, "ls"]);
      expect(run.code, explain(run)).toBe(2);
      expect(run.stderr).toMatch(/the server refused AUTH TLS \(502 .*\); not sending the password in clear text/);
      expect(run.stderr).not.toMatch(/^C: (USER|PASS)/m);
    } finally {
      await plain.stop();
    }
  });
});
