/**
 * Clients that vanish: the connection reset (RST, as when a laptop's Wi-Fi drops or a process
 * is killed) in the middle of an upload, a download, a listing, or while a passive port waits.
 *
 * Afterwards the server process must hold exactly the file descriptors it held before (counted
 * in /proc/PID/fd: files, sockets, listeners), a partial upload must stay on disk so the client
 * can resume it with REST + STOR, and the log file must record the transfer as incomplete.
 */
import fs from "node:fs";
import type net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectBytes, makeTempRoot, type DataSocket, type FtpSocket, type TempRoot } from "../harness/index.ts";
import { Connections, expectNext } from "./security-helpers.ts";
import { expectFdsBackTo, mib, openFds, SEED, seedNote, seededBytes, sparseFile, startLogged, waitUntil, type LogEntry, stderrComplaints, type LoggedServer } from "./fault-helpers.ts";

const USER = "anna";
const PASSWORD = "pw-for-anna";

let root: TempRoot;
let logged: LoggedServer;
let baseline: Map<number, string>;
const conns = new Connections();

const login = () => conns.login(logged.server, USER, PASSWORD, { type: "I" });

/** Reset (RST) the control connection and the given data connections, as a client that vanishes does. */
function vanish(ftp: FtpSocket, ...data: DataSocket[]): void {
  for (const d of data) d.socket.resetAndDestroy();
  // FtpSocket has no reset of its own; its socket is a plain (TypeScript-private) field.
  (ftp as unknown as { sock: net.Socket }).sock.resetAndDestroy();
  ftp.destroy();
}

/** Bytes moved so far by the running transfer, as STAT (answered during a transfer) reports them. */
async function transferred(ftp: FtpSocket): Promise<number> {
  const r = await ftp.sendExpect("STAT", 213, "STAT during a transfer reports its progress");
  const m = /(\d+) bytes/.exec(r.text);
  if (!m) throw new Error(`no byte count in ${JSON.stringify(r.text)}`);
  return Number(m[1]);
}

/** The first "transfer" log entry for this command and path written after the log had `since` entries. */
async function transferEntry(command: string, path: string, since: number): Promise<LogEntry> {
  let entry: LogEntry | undefined;
  await waitUntil(
    () => {
      entry = logged.log().slice(since).find((e) => e.msg === "transfer" && e.command === command && e.path === path);
      return entry !== undefined;
    },
    5000,
    () => `No "transfer" log entry for ${command} ${path} within 5 s. Log:\n${logged.log().slice(-10).map((e) => `    ${JSON.stringify(e)}`).join("\n")}`,
  );
  return entry!;
}

beforeAll(async () => {
  root = makeTempRoot({ "small.txt": "small\n", "folder/a.txt": "a" });
  sparseFile(root.path("huge.bin"), 512 * 1024 * 1024);
  for (let i = 0; i < 3000; i++) fs.writeFileSync(root.path(`folder/file-with-a-longish-name-${i}.txt`), "x");
  logged = await startLogged({ level: "info", args: ["--user", `${USER}:${PASSWORD}:elradfmwMT:${root.dir}`, "--auth-failed-delay", "0"] });
  // Warm up every path once (lazy modules, the log file), then count what the idle server holds.
  const ftp = await login();
  let d = await ftp.openPassiveData("PASV");
  await ftp.sendExpect("LIST", [125, 150]);
  await d.readAll();
  await expectNext(ftp, 226);
  d = await ftp.openPassiveData("EPSV");
  await ftp.sendExpect("STOR warmup.bin", [125, 150]);
  await d.end(Buffer.from("warm"));
  await expectNext(ftp, 226);
  d = await ftp.openPassiveData("PASV");
  await ftp.sendExpect("RETR warmup.bin", [125, 150]);
  await d.readAll();
  await expectNext(ftp, 226);
  await ftp.quit();
  await waitUntil(() => logged.log().some((e) => e.msg === "disconnected"), 3000, () => "warm-up session never logged its end");
  baseline = openFds(logged.pid);
});
afterAll(async () => {
  conns.closeAll();
  await logged?.stop();
  root?.cleanup();
});
afterEach(() => conns.closeAll());

describe("the client vanishes mid-STOR", () => {
  it(`the partial upload stays on disk (a prefix of what was sent), is logged as incomplete, and no descriptor leaks; REST + STOR then completes it (${seedNote})`, async () => {
    const full = seededBytes(6 * 1024 * 1024, SEED + 1);
    const ftp = await login();
    const since = logged.log().length;
    const data = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("STOR part.bin", [125, 150]);
    await data.write(full.subarray(0, 2 * 1024 * 1024));
    let got = 0;
    await waitUntil(async () => (got = await transferred(ftp)) >= 1024 * 1024, 5000, () => `the server received only ${got} bytes`);
    vanish(ftp, data);

    const entry = await transferEntry("STOR", "/part.bin", since);
    expect(entry.result, "the log must say the upload did not complete").not.toBe("ok");
    expect(entry.level).toBe("warn");
    await expectFdsBackTo(logged.pid, baseline, 5000, "after the client vanished mid-STOR");

    const kept = root.read("part.bin");
    expect(kept.length, `kept ${mib(kept.length)}`).toBeGreaterThanOrEqual(1024 * 1024);
    expect(kept.length).toBeLessThanOrEqual(2 * 1024 * 1024);
    expectBytes(kept, full.subarray(0, kept.length), { what: "the partial upload kept on disk" });

    // Resume: the size the server reports, then REST there and send the rest.
    const again = await login();
    const size = Number((await again.sendExpect("SIZE part.bin", 213)).text.trim());
    expect(size).toBe(kept.length);
    const d2 = await again.openPassiveData("PASV");
    await again.sendExpect(`REST ${size}`, 350);
    await again.sendExpect("STOR part.bin", [125, 150]);
    await d2.end(full.subarray(size));
    await expectNext(again, 226);
    expectBytes(root.read("part.bin"), full, { what: "part.bin after the resumed upload" });
  });

  it("a resumed upload (REST + STOR) that vanishes keeps the old bytes before the offset and what arrived after it: no zeros, no truncation to the offset", async () => {
    const old = seededBytes(3 * 1024 * 1024, SEED + 2);
    const fresh = seededBytes(3 * 1024 * 1024, SEED + 3);
    fs.writeFileSync(root.path("resume.bin"), old);
    const offset = 1024 * 1024;
    const ftp = await login();
    const since = logged.log().length;
    const data = await ftp.openPassiveData("PASV");
    await ftp.sendExpect(`REST ${offset}`, 350);
    await ftp.sendExpect("STOR resume.bin", [125, 150]);
    await data.write(fresh.subarray(0, 1024 * 1024));
    let got = 0;
    await waitUntil(async () => (got = await transferred(ftp)) >= 512 * 1024, 5000, () => `the server received only ${got} bytes`);
    vanish(ftp, data);
    const entry = await transferEntry("STOR", "/resume.bin", since);
    expect(entry.result).not.toBe("ok");
    await expectFdsBackTo(logged.pid, baseline, 5000, "after the client vanished mid-resume");
    const now = root.read("resume.bin");
    const arrived = now.length - offset;
    expect(arrived).toBeGreaterThanOrEqual(0);
    expect(arrived).toBeLessThanOrEqual(1024 * 1024);
    expectBytes(now, Buffer.concat([old.subarray(0, offset), fresh.subarray(0, arrived)]), { what: "resume.bin after a resumed upload vanished" });
  });
});

describe("the client vanishes mid-RETR", () => {
  it("the download is logged as incomplete and no descriptor leaks (the file, the data socket, the control socket)", async () => {
    const ftp = await login();
    const data = await ftp.openPassiveData("PASV");
    // Big enough that the server is still sending (a smaller file may sit whole in the
    // kernel's socket buffers, and then the server rightly counts it as sent).
    const since = logged.log().length;
    await ftp.sendExpect("RETR huge.bin", [125, 150]);
    await waitUntil(() => data.socket.bytesRead >= 512 * 1024, 5000, () => "no data arrived");
    data.socket.pause();
    vanish(ftp, data);
    const entry = await transferEntry("RETR", "/huge.bin", since);
    expect(entry.result).not.toBe("ok");
    await expectFdsBackTo(logged.pid, baseline, 5000, "after the client vanished mid-RETR");
  });

  it("a client that closes only its control connection (FIN) while a download it never reads is stalled: the transfer ends, nothing leaks", async () => {
    const ftp = await login();
    const data = await ftp.openPassiveData("PASV");
    data.socket.pause();
    const since = logged.log().length;
    await ftp.sendExpect("RETR huge.bin", [125, 150]);
    await new Promise((r) => setTimeout(r, 300));
    await ftp.close();
    const entry = await transferEntry("RETR", "/huge.bin", since);
    expect(entry.result).not.toBe("ok");
    data.destroy();
    await expectFdsBackTo(logged.pid, baseline, 5000, "after the control connection closed during a stalled RETR");
  });
});

describe("the client vanishes elsewhere", () => {
  it("mid-LIST of a 3000-entry folder: nothing leaks (the open folder handle included)", async () => {
    const ftp = await login();
    const data = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("LIST folder", [125, 150]);
    await waitUntil(() => data.socket.bytesRead > 0, 5000, () => "no listing data arrived");
    data.socket.pause();
    vanish(ftp, data);
    await expectFdsBackTo(logged.pid, baseline, 5000, "after the client vanished mid-LIST");
  });

  it("after PASV, before connecting: the passive listener is closed with the session", async () => {
    const ftp = await login();
    await ftp.pasv();
    await ftp.epsv();
    vanish(ftp);
    await expectFdsBackTo(logged.pid, baseline, 5000, "after the client vanished with a passive port open");
  });

  it("while the server waits for a passive connection that never comes (RETR after PASV)", async () => {
    const ftp = await login();
    await ftp.pasv();
    await ftp.sendExpect("RETR small.txt", [125, 150]);
    vanish(ftp);
    await expectFdsBackTo(logged.pid, baseline, 5000, "after the client vanished while RETR waited for its data connection");
  });

  it("with an upload half-created (STOR waiting for its data connection): the empty file it made is removed", async () => {
    const ftp = await login();
    await ftp.pasv();
    await ftp.sendExpect("STOR never.bin", [125, 150]);
    vanish(ftp);
    await expectFdsBackTo(logged.pid, baseline, 5000, "after the client vanished before its upload connected");
    await waitUntil(() => !fs.existsSync(root.path("never.bin")), 3000, () => "never.bin (no data connection ever came) was left on disk");
  });
});

describe("the server process", () => {
  it("wrote no warning of Node's to stderr (a file handle closed by the garbage collector is a leak)", () => {
    expect(stderrComplaints(logged.server)).toEqual([]);
  });
});
