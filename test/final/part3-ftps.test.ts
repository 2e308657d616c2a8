/**
 * Explicit FTPS (RFC 4217) with --tls: AUTH TLS, PBSZ, PROT P/C, CCC refused, the policy flags
 * --tls-control-required and --tls-data-required; checked with curl --ssl-reqd, lftp with
 * ftp:ssl-force, and Python's ftplib.FTP_TLS, byte for byte; plain-text rules with a raw socket.
 * The server makes a self-signed certificate, so clients are told not to verify it.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { describeRun as describeCli, makeTempRoot, runCli } from "../harness/index.ts";
import { itNeeding } from "../harness/tools-available.ts";
import { useServer } from "./conformance-helpers.ts";
import { describeRun, run, runPython, seededBytes } from "./interop-helpers.ts";

const DATA = seededBytes(0x7715, "ftps", 300_000);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** ftplib.FTP_TLS script: login, PROT P (unless told), then the steps; prints JSON. */
const PY = `
import ftplib, ssl, sys, json
host, port, steps = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
f = ftplib.FTP_TLS(context=ctx, timeout=10); f.connect(host, port); f.login()
out = {"tls": f.sock.version()}
if steps.get("prot", "P") == "P": f.prot_p()
try:
    chunks = []; f.retrbinary("RETR data.bin", chunks.append); out["retr"] = len(b"".join(chunks))
    import hashlib; out["sha"] = hashlib.sha256(b"".join(chunks)).hexdigest()
except ftplib.error_perm as e:
    out["error"] = str(e)
f.quit(); print(json.dumps(out))
`;

describe("--tls: explicit FTPS", () => {
  const ctx = useServer({ files: { "data.bin": DATA }, args: ["-w", "--tls"] });
  const port = () => String(ctx.server.port);

  it("FEAT offers AUTH TLS, PBSZ and PROT", async () => {
    const ftp = await ctx.connect();
    const feat = await ftp.sendExpect("FEAT", 211);
    for (const line of [" AUTH TLS", " PBSZ", " PROT"]) expect(feat.lines).toContain(line);
  });

  it("the startup warns that the certificate is self-signed", () => {
    expect(ctx.server.stderr()).toMatch(/warning: TLS uses a self-signed certificate/);
  });

  itNeeding(["curl"], "curl --ssl-reqd downloads and uploads byte for byte over TLS", async () => {
    const down = await run("curl", ["-sS", "-k", "--ssl-reqd", `ftp://127.0.0.1:${port()}/data.bin`]);
    expect(down.code, describeRun(down, ctx.server)).toBe(0);
    expect(sha(down.stdout)).toBe(sha(DATA));
    const file = ctx.root.path("upload-src.bin");
    fs.writeFileSync(file, DATA);
    const up = await run("curl", ["-sS", "-k", "--ssl-reqd", "-T", file, `ftp://127.0.0.1:${port()}/up.bin`]);
    expect(up.code, describeRun(up, ctx.server)).toBe(0);
    expect(sha(fs.readFileSync(ctx.root.path("up.bin")))).toBe(sha(DATA));
  });

  itNeeding(["lftp"], "lftp with ftp:ssl-force and protected data downloads byte for byte", async () => {
    const out = ctx.root.path("lftp-out.bin"); // a fresh temp folder per run
    const r = await run("lftp", ["-p", port(), "127.0.0.1", "-e", `set ssl:verify-certificate no; set ftp:ssl-force true; set ftp:ssl-protect-data true; get data.bin -o ${out}; bye`]);
    expect(r.code, describeRun(r, ctx.server)).toBe(0);
    expect(sha(fs.readFileSync(out))).toBe(sha(DATA));
  });

  itNeeding(["python3"], "Python's FTP_TLS with PROT P downloads byte for byte, over TLS 1.2 or newer", async () => {
    const r = await runPython<{ tls: string; retr: number; sha: string }>(PY, ["127.0.0.1", port(), "{}"], "FTP_TLS prot_p", ctx.server);
    expect(r.sha).toBe(sha(DATA));
    expect(["TLSv1.2", "TLSv1.3"]).toContain(r.tls);
  });

  it("the order is enforced: PBSZ before AUTH TLS and PROT before PBSZ get 503; AUTH with another mechanism 504", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("PBSZ 0", 503);
    await ftp.sendExpect("PROT P", 503);
    await ftp.sendExpect("AUTH KERBEROS", 504);
    await ftp.sendExpect("NOOP", 200);
  });

  it("AUTH TLS after login is refused (503), and CCC is refused (534)", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("AUTH TLS", 503);
    await ftp.sendExpect("CCC", 534);
  });

  itNeeding(["curl"], "plain FTP still works next to FTPS (TLS is offered, not forced)", async () => {
    const r = await run("curl", ["-sS", `ftp://127.0.0.1:${port()}/data.bin`]);
    expect(r.code, describeRun(r, ctx.server)).toBe(0);
    expect(r.stdout.length).toBe(DATA.length);
  });
});

describe("--tls-control-required and --tls-data-required", () => {
  const ctx = useServer({ files: { "data.bin": DATA }, args: ["--tls", "--tls-control-required", "--tls-data-required"] });

  it("USER before AUTH TLS is refused with 530, so no password crosses in clear text", async () => {
    const ftp = await ctx.connect();
    const reply = await ftp.sendExpect("USER anonymous", 530);
    expect(reply.text).toMatch(/requires TLS/);
  });

  itNeeding(["python3"], "a TLS client without PROT P is refused a transfer (521), with PROT P it works", async () => {
    const clear = await runPython<{ error?: string }>(PY, ["127.0.0.1", String(ctx.server.port), JSON.stringify({ prot: "C" })], "FTP_TLS without prot_p", ctx.server);
    expect(clear.error).toMatch(/^521 /);
    const safe = await runPython<{ sha: string }>(PY, ["127.0.0.1", String(ctx.server.port), "{}"], "FTP_TLS prot_p", ctx.server);
    expect(safe.sha).toBe(sha(DATA));
  });

  itNeeding(["curl"], "curl --ssl-reqd works under both rules", async () => {
    const r = await run("curl", ["-sS", "-k", "--ssl-reqd", `ftp://127.0.0.1:${ctx.server.port}/data.bin`]);
    expect(r.code, describeRun(r, ctx.server)).toBe(0);
    expect(sha(r.stdout)).toBe(sha(DATA));
  });
});

describe("TLS settings that cannot work stop the server", () => {
  it("--tls-control-required without --tls stops the server, naming --tls", async () => {
    const root = makeTempRoot({});
    try {
      const plain = await runCli(["-p", "0", "-d", root.dir, "--tls-control-required"]);
      expect(plain.code, describeCli(plain)).toBe(2);
      expect(plain.stderr).toMatch(/tls\.control_required is set but TLS is off.*--tls/);
    } finally {
      root.cleanup();
    }
  });

  it("a certificate file that is not PEM stops the server with exit 2", async () => {
    const root = makeTempRoot({ "bad.crt": "not a certificate" });
    try {
      const r = await runCli(["-p", "0", "-d", root.dir, "--tls", "--certfile", root.path("bad.crt")]);
      expect(r.code, describeCli(r)).toBe(2);
      expect(r.stderr).toMatch(/cannot use the certificate or key/);
    } finally {
      root.cleanup();
    }
  });
});

describe("a server without --tls", () => {
  const ctx = useServer({ files: { "data.bin": DATA } });

  it("answers AUTH TLS with 502 and does not list it in FEAT", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("AUTH TLS", 502);
    expect((await ftp.sendExpect("FEAT", 211)).lines).not.toContain(" AUTH TLS");
  });
});

describe("--tls-implicit-port: implicit FTPS (TLS from the first byte)", () => {
  const ctx = useServer({ files: { "data.bin": DATA }, args: ["--tls", "--tls-implicit-port", "0"] });
  const implicitPort = () => {
    const m = /^IMPLICIT-TLS \S+:(\d+)$/m.exec(ctx.server.stdout());
    if (!m) throw new Error(`the server printed no IMPLICIT-TLS line:\n${ctx.server.stdout()}`);
    return m[1]!;
  };

  itNeeding(["curl"], "curl ftps:// downloads byte for byte on the implicit port, with data protected by default", async () => {
    const r = await run("curl", ["-sS", "-k", `ftps://127.0.0.1:${implicitPort()}/data.bin`]);
    expect(r.code, describeRun(r, ctx.server)).toBe(0);
    expect(sha(r.stdout)).toBe(sha(DATA));
  });

  itNeeding(["lftp"], "lftp ftps:// works too", async () => {
    const out = ctx.root.path("implicit-out.bin");
    const r = await run("lftp", ["-e", `set ssl:verify-certificate no; get data.bin -o ${out}; bye`, `ftps://127.0.0.1:${implicitPort()}`]);
    expect(r.code, describeRun(r, ctx.server)).toBe(0);
    expect(sha(fs.readFileSync(out))).toBe(sha(DATA));
  });

  itNeeding(["curl"], "the explicit port keeps working next to it", async () => {
    const r = await run("curl", ["-sS", "-k", "--ssl-reqd", `ftp://127.0.0.1:${ctx.server.port}/data.bin`]);
    expect(r.code, describeRun(r, ctx.server)).toBe(0);
  });
});
