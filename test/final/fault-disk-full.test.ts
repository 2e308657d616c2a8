/**
 * The disk fills up during an upload. The home is a 1 MiB tmpfs that the test mounts, which
 * needs root (CAP_SYS_ADMIN); elsewhere these tests are skipped, saying why.
 *
 * A full disk is the client's problem to hear about, not a crash: 452 (RFC 959: insufficient
 * storage space), the session goes on, deleting frees the space, the next upload works, and
 * the log has a warning for the transfer but no error of the server's own.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectBytes, type FtpSocket } from "../harness/index.ts";
import { Connections, expectNext } from "./security-helpers.ts";
import { expectFdsBackTo, openFds, SEED, seededBytes, sleep, startLogged, waitUntil, type LoggedServer } from "./fault-helpers.ts";

const USER = "anna";
const PASSWORD = "pw-for-anna";

let mountPoint = "";
let mounted = false;
let whyNot = "";
let logged: LoggedServer | undefined;
let baseline: Map<number, string>;
const conns = new Connections();

beforeAll(async () => {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    whyNot = "not running as root on Linux: cannot mount a small tmpfs";
    return;
  }
  mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), "ftp-lab-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", mountPoint], { stdio: "pipe" });
    mounted = true;
  } catch (err) {
    whyNot = `mount -t tmpfs failed (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
    fs.rmdirSync(mountPoint);
    return;
  }
  logged = await startLogged({ level: "info", args: ["--user", `${USER}:${PASSWORD}:elradfmwMT:${mountPoint}`, "--auth-failed-delay", "0"] });
  const ftp = await login();
  await ftp.quit();
  await sleep(200);
  baseline = openFds(logged.pid);
});

afterAll(async () => {
  conns.closeAll();
  await logged?.stop();
  if (mounted) {
    try {
      execFileSync("umount", [mountPoint], { stdio: "pipe" });
    } catch {
      execFileSync("umount", ["-l", mountPoint], { stdio: "pipe" });
    }
    fs.rmdirSync(mountPoint);
  }
});
afterEach(() => conns.closeAll());

const login = () => conns.login(logged!.server, USER, PASSWORD, { type: "I" });

/** Upload `data`; the server may cut the data connection when the disk fills, so write errors are expected. */
async function uploadExpecting(ftp: FtpSocket, command: string, data: Buffer, codes: number[]): Promise<number> {
  const ds = await ftp.openPassiveData("PASV");
  await ftp.sendExpect(command, [125, 150]);
  ds.socket.on("error", () => {});
  ds.socket.end(data);
  const r = await expectNext(ftp, codes, `${command} on a full disk`);
  ds.destroy();
  return r.code;
}

describe("the disk fills during STOR (a 1 MiB tmpfs)", () => {
  it("STOR of 3 MiB: 452, the session goes on (NOOP, PWD, LIST), and no descriptor leaks", async (ctx) => {
    if (!mounted) return ctx.skip(whyNot);
    const ftp = await login();
    const since = logged!.log().length;
    expect(await uploadExpecting(ftp, "STOR big.bin", seededBytes(3 * 1024 * 1024, SEED), [452])).toBe(452);
    await ftp.sendExpect("NOOP", 200);
    await ftp.sendExpect("PWD", 257);
    const d = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("LIST", [125, 150]);
    await d.readAll();
    await expectNext(ftp, 226);
    await waitUntil(() => logged!.log().slice(since).some((e) => e.msg === "transfer" && e.command === "STOR"), 3000, () => "no transfer log entry");
    const entry = logged!.log().slice(since).find((e) => e.msg === "transfer" && e.command === "STOR")!;
    expect(entry.level).toBe("warn");
    expect(String(entry.result)).toMatch(/storage|full/i);
    conns.closeAll();
    await expectFdsBackTo(logged!.pid, baseline, 5000, "after the disk-full STOR");
  });

  it("APPE onto a full disk: 452 too", async (ctx) => {
    if (!mounted) return ctx.skip(whyNot);
    const ftp = await login();
    expect(await uploadExpecting(ftp, "APPE big.bin", seededBytes(512 * 1024, SEED + 1), [452])).toBe(452);
    await ftp.sendExpect("NOOP", 200);
  });

  it("deleting the partial file frees the space: the next upload is complete and exact", async (ctx) => {
    if (!mounted) return ctx.skip(whyNot);
    const ftp = await login();
    await ftp.sendExpect("DELE big.bin", 250);
    const small = seededBytes(200 * 1024, SEED + 2);
    expect(await uploadExpecting(ftp, "STOR small.bin", small, [226])).toBe(226);
    expectBytes(fs.readFileSync(path.join(mountPoint, "small.bin")), small, { what: "small.bin after the disk had room again" });
  });

  it("the log holds no error of the server's own (a full disk is not the server's fault)", async (ctx) => {
    if (!mounted) return ctx.skip(whyNot);
    await sleep(200);
    const errors = logged!.log().filter((e) => e.level === "error" || e.level === "fatal");
    expect(errors, JSON.stringify(errors, null, 1)).toEqual([]);
  });
});
