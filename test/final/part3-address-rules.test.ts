/**
 * Address rules: --allow / --deny (ftpd.ini [security] allow, deny) decide who may connect at
 * all, before the greeting; --user-allow (user_allow) where each user may log in from, with a
 * refusal that looks like a wrong password. Clients come from 127.0.0.1 and 127.0.0.2 (both
 * loopback) by binding the client side of the control connection.
 */
import { describe, expect, it } from "vitest";
import { describeRun, FtpSocket, runCli } from "../harness/index.ts";
import { useServer } from "./conformance-helpers.ts";

async function greetingFrom(ctx: { server: { host: string; port: number } }, localAddress: string) {
  const ftp = await FtpSocket.connect(ctx.server.host, ctx.server.port, { localAddress });
  const greeting = ftp.greeting;
  ftp.destroy();
  return greeting;
}

describe("--allow: only listed networks may connect", () => {
  const ctx = useServer({ args: ["--allow", "127.0.0.2, 10.0.0.0/8"] });

  it("a client from an allowed address is greeted with 220", async () => {
    expect((await greetingFrom(ctx, "127.0.0.2")).code).toBe(220);
  });

  it("a client from any other address gets 421 before the greeting, and the refusal is logged", async () => {
    const greeting = await greetingFrom(ctx, "127.0.0.1");
    expect(greeting.code).toBe(421);
    expect(greeting.text).toMatch(/Access denied for your address/);
    for (let i = 0; i < 40 && !/connection refused remote=127\.0\.0\.1/.test(ctx.server.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(ctx.server.stderr()).toMatch(/connection refused remote=127\.0\.0\.1 reason="Access denied/);
  });
});

describe("--deny wins over --allow", () => {
  const ctx = useServer({ args: ["--allow", "127.0.0.0/8", "--deny", "127.0.0.2"] });

  it("127.0.0.1 (allowed) is greeted, 127.0.0.2 (allowed and denied) is refused", async () => {
    expect((await greetingFrom(ctx, "127.0.0.1")).code).toBe(220);
    expect((await greetingFrom(ctx, "127.0.0.2")).code).toBe(421);
  });
});

describe("--user-allow: where each user may log in from", () => {
  const ctx = useServer({
    serveRoot: false,
    files: { "home/a.txt": "a" },
    prepare: (root) => ["--user", `anna:s3cret:elr:${root.path("home")}`, "--user", `bob:b0b:elr:${root.path("home")}`, "--user-allow", "anna=127.0.0.2"],
  });

  it("anna logs in from 127.0.0.2", async () => {
    const ftp = await FtpSocket.connect(ctx.server.host, ctx.server.port, { localAddress: "127.0.0.2" });
    try {
      await ftp.sendExpect("USER anna", 331);
      await ftp.sendExpect("PASS s3cret", 230);
    } finally {
      ftp.destroy();
    }
  });

  it("anna from 127.0.0.1 gets the same 530 as a wrong password, even with the right one", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER anna", 331);
    const refused = await ftp.sendExpect("PASS s3cret", 530);
    const other = await ctx.connect();
    await other.sendExpect("USER anna", 331);
    const wrong = await other.sendExpect("PASS wrong", 530);
    expect(refused.text).toBe(wrong.text);
  });

  it("users without a rule (bob) log in from anywhere", async () => {
    await ctx.login("bob", "b0b");
  });
});

describe("bad address rules stop the server", () => {
  it.each([
    [["--allow", "10.0.0.0/33"], /--allow.*"10\.0\.0\.0\/33" is not an address or NETWORK\/BITS/],
    [["--deny", "example.com"], /--deny.*"example\.com" is not an address/],
    [["--user-allow", "anna"], /--user-allow.*should be NAME=ADDRESS-OR-NETWORK/],
  ])("%j: exit 2 naming the flag and the bad part", async (args, message) => {
    const run = await runCli(["-p", "0", ...args]);
    expect(run.code, describeRun(run)).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
