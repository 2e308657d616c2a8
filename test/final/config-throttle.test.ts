/**
 * [limits] read_limit (uploads: what the server reads) and write_limit (downloads: what it
 * writes), as in pyftpdlib. A 300 KiB transfer at 100K (102400 bytes/s) takes about 3 s: the
 * throttle's accuracy requirement is at least 2.5 s and less than 8 s (loose: CI is a shared
 * 2-core machine). The other direction, unthrottled, stays fast: this is what shows the two
 * settings are not swapped.
 *
 * The download server also has data_timeout = 1: a throttled transfer that keeps moving must
 * not be cut as "stalled" although it lasts much longer than a second.
 *
 * Two servers, four transfers, all at once: about 3 s of wall time.
 */
import { afterAll, beforeAll, describe, it } from "vitest";
import { FtpSocket, expectBytes, stopAll } from "../harness/index.ts";
import { ftpLogin, startWithConfig, type ConfiguredServer } from "./config-helpers.ts";

const SIZE = 300 * 1024;
const MIN_MS = 2500;
const MAX_MS = 8000;
/** Unthrottled, 300 KiB over loopback takes milliseconds; 2 s leaves room for a busy machine. */
const FAST_MS = 2000;

function payload(seed: number): Buffer {
  const b = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i++) b[i] = (i * 31 + seed + (i >> 8)) & 0xff;
  return b;
}
const DOWN = payload(1);
const UP = payload(2);

const anon = "[users]\nanonymous_folder = pub\nanonymous_permissions = elrw\n";
let writeLimited: ConfiguredServer;
let readLimited: ConfiguredServer;

beforeAll(async () => {
  [writeLimited, readLimited] = await Promise.all([
    startWithConfig(`[limits]\nwrite_limit = 100K\ndata_timeout = 1\n${anon}`, { "pub/down.bin": DOWN }),
    startWithConfig(`[limits]\nread_limit = 100K\n${anon}`, { "pub/down.bin": DOWN }),
  ]);
});
afterAll(async () => {
  await stopAll();
  writeLimited?.root.cleanup();
  readLimited?.root.cleanup();
});

/** Milliseconds from RETR to its 226, with the bytes checked. */
async function timedDownload(s: ConfiguredServer): Promise<number> {
  const ftp = await ftpLogin(s.server, "anonymous", "me@example.com");
  try {
    await ftp.sendExpect("TYPE I", 200, "binary mode");
    const ds = await ftp.openPassiveData("PASV");
    const t0 = performance.now();
    await ftp.sendExpect("RETR down.bin", [125, 150], "RETR starts the download");
    const data = await ds.readAll(5000);
    await expectFinal(ftp, "the download completes");
    const ms = performance.now() - t0;
    expectBytes(data, DOWN, { what: "RETR down.bin" });
    return ms;
  } finally {
    ftp.destroy();
  }
}

/** Milliseconds from STOR to its 226, with the stored file checked. */
async function timedUpload(s: ConfiguredServer, name: string): Promise<number> {
  const ftp = await ftpLogin(s.server, "anonymous", "me@example.com");
  try {
    await ftp.sendExpect("TYPE I", 200, "binary mode");
    const ds = await ftp.openPassiveData("PASV");
    const t0 = performance.now();
    await ftp.sendExpect(`STOR ${name}`, [125, 150], "STOR starts the upload");
    await ds.end(UP);
    await expectFinal(ftp, "the upload completes");
    const ms = performance.now() - t0;
    expectBytes(s.root.read(`pub/${name}`), UP, { what: `the file written by STOR ${name}` });
    return ms;
  } finally {
    ftp.destroy();
  }
}

async function expectFinal(ftp: FtpSocket, why: string): Promise<void> {
  const r = await ftp.readReply(MAX_MS + 2000);
  if (r.code !== 226) throw new Error(`Expected 226 (${why}), got ${r.code} ${r.text}`);
}

describe.concurrent("config: read_limit and write_limit", () => {
  it("write_limit = 100K: a 300 KiB download takes 2.5-8 s (and data_timeout = 1 does not cut it)", async ({ expect }) => {
    const ms = await timedDownload(writeLimited);
    expect(ms, "download time at write_limit = 100K").toBeGreaterThanOrEqual(MIN_MS);
    expect(ms, "download time at write_limit = 100K").toBeLessThan(MAX_MS);
  });

  it("write_limit does not slow uploads", async ({ expect }) => {
    const ms = await timedUpload(writeLimited, "up-fast.bin");
    expect(ms, "upload time with only write_limit set").toBeLessThan(FAST_MS);
  });

  it("read_limit = 100K: a 300 KiB upload takes 2.5-8 s", async ({ expect }) => {
    const ms = await timedUpload(readLimited, "up-slow.bin");
    expect(ms, "upload time at read_limit = 100K").toBeGreaterThanOrEqual(MIN_MS);
    expect(ms, "upload time at read_limit = 100K").toBeLessThan(MAX_MS);
  });

  it("read_limit does not slow downloads", async ({ expect }) => {
    const ms = await timedDownload(readLimited);
    expect(ms, "download time with only read_limit set").toBeLessThan(FAST_MS);
  });
});
