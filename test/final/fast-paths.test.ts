/**
 * The fast transfer paths (final/src/transfer/receive-file.ts, send-file.ts, buffer-pool.ts):
 * binary, unthrottled uploads read straight into a pooled buffer split in two halves, and
 * downloads read one half while the socket sends the other. These tests aim at the edges of
 * that machinery: sizes around the half and minimum-room boundaries, the data connection
 * opened before or after the command, passive and active mode, APPE and REST, slow clients
 * (the socket pauses while a half is written), many transfers at once (buffers reused from
 * the pool must never mix two transfers' bytes) and a client that vanishes mid-upload.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { connectData, expectBytes, expectCode, listenActive, type FtpSocket } from "../harness/index.ts";
import { download, sleep, upload, useServer } from "./conformance-helpers.ts";

/** Bytes that differ per transfer and per position, so a mix-up of two buffers shows. */
function patterned(size: number, tag: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = (tag * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = x & 0xff;
  }
  return buf;
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const KiB = 1024;
const MiB = 1024 * KiB;

// 0 and 1 byte; around the 16 KiB "minimum room" of a half; around 1 and 2 MiB (a half of the
// 4 MiB buffer a lone transfer gets is 2 MiB); several halves plus an odd tail.
const SIZES = [0, 1, 16 * KiB - 1, 16 * KiB + 1, MiB, 2 * MiB - 1, 2 * MiB, 2 * MiB + 1, 9 * MiB + 7];

describe("fast paths: uploads and downloads byte-exact at every size", () => {
  const ctx = useServer({ args: ["-w"] });

  const login = () => ctx.login(undefined, undefined, { type: "I" });

  it("STOR with the data connection open before the command (125), then RETR of the same file", async () => {
    const ftp = await login();
    for (const [i, size] of SIZES.entries()) {
      const data = patterned(size, i + 1);
      await upload(ftp, `STOR s125-${size}.bin`, data);
      expectBytes(ctx.root.read(`s125-${size}.bin`), data, { what: `file written by STOR of ${size} bytes (125)` });
      const back = await download(ftp, `RETR s125-${size}.bin`);
      expectBytes(back.data, data, { what: `RETR of the ${size}-byte file` });
    }
  });

  it("STOR with the data connection opened after the 150", async () => {
    const ftp = await login();
    for (const [i, size] of SIZES.entries()) {
      const data = patterned(size, 100 + i);
      const hp = await ftp.pasv();
      await ftp.sendExpect(`STOR s150-${size}.bin`, 150, "no data connection was open yet");
      const ds = await connectData(hp.host, hp.port, 5000);
      await ds.end(data);
      expectCode(await ftp.readReply(), 226, ftp.context());
      expectBytes(ctx.root.read(`s150-${size}.bin`), data, { what: `file written by STOR of ${size} bytes (150)` });
    }
  });

  it("active mode (PORT): STOR and RETR byte-exact", async () => {
    const ftp = await login();
    const active = await listenActive("127.0.0.1");
    try {
      for (const [i, size] of SIZES.entries()) {
        const data = patterned(size, 200 + i);
        await ftp.sendExpect(`PORT ${active.portArg}`, 200);
        await ftp.sendExpect(`STOR act-${size}.bin`, 150);
        const up = await active.accept();
        await new Promise<void>((resolve) => up.end(data, () => resolve()));
        expectCode(await ftp.readReply(), 226, ftp.context());
        expectBytes(ctx.root.read(`act-${size}.bin`), data, { what: `file written by active STOR of ${size} bytes` });

        await ftp.sendExpect(`PORT ${active.portArg}`, 200);
        await ftp.sendExpect(`RETR act-${size}.bin`, 150);
        const down = await active.accept();
        const chunks: Buffer[] = [];
        down.on("data", (c: Buffer) => chunks.push(c));
        await new Promise<void>((resolve) => down.once("close", () => resolve()));
        expectCode(await ftp.readReply(), 226, ftp.context());
        expectBytes(Buffer.concat(chunks), data, { what: `active RETR of the ${size}-byte file` });
      }
    } finally {
      await active.close();
    }
  });

  it("APPE appends and REST + STOR keeps the head, writes from the offset and drops the old tail", async () => {
    const ftp = await login();
    const head = patterned(3 * MiB + 5, 300);
    const tail = patterned(2 * MiB + 3, 301);
    fs.writeFileSync(ctx.root.path("appe.bin"), head);
    await upload(ftp, "APPE appe.bin", tail);
    expectBytes(ctx.root.read("appe.bin"), Buffer.concat([head, tail]), { what: "file after APPE" });

    const old = patterned(5 * MiB, 302);
    const fresh = patterned(MiB + 11, 303);
    fs.writeFileSync(ctx.root.path("rest.bin"), old);
    await ftp.sendExpect(`REST ${2 * MiB}`, 350);
    await upload(ftp, "STOR rest.bin", fresh);
    expectBytes(ctx.root.read("rest.bin"), Buffer.concat([old.subarray(0, 2 * MiB), fresh]), { what: "file after REST 2097152 + STOR" });
  });

  it("a client that sends in small pieces with pauses (the server waits, reads in between) is byte-exact", async () => {
    const ftp = await login();
    const data = patterned(300 * KiB + 17, 400);
    const ds = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("STOR trickle.bin", [125, 150]);
    for (let at = 0; at < data.length; at += 7000) {
      await ds.write(data.subarray(at, at + 7000));
      if ((at / 7000) % 10 === 0) await sleep(5);
    }
    await ds.end();
    expectCode(await ftp.readReply(), 226, ftp.context());
    expectBytes(ctx.root.read("trickle.bin"), data, { what: "file written by a trickling client" });
  });
});

describe("fast paths: many transfers at once share the buffer pool without mixing bytes", () => {
  const ctx = useServer({ args: ["-w", "--max-cons", "0", "--max-cons-per-ip", "0"] });

  it("40 uploads and 40 downloads at once, twice (the second round reuses pooled buffers): every file byte-exact", async () => {
    const N = 40;
    const sources = Array.from({ length: N }, (_, i) => patterned(MiB + 4099 * i, 500 + i));
    sources.forEach((data, i) => fs.writeFileSync(ctx.root.path(`src-${i}.bin`), data));
    const sessions = await Promise.all(
      Array.from({ length: N }, async () => {
        const ftp = await ctx.login();
        await ftp.sendExpect("TYPE I", 200);
        return ftp;
      }),
    );
    for (const round of [1, 2]) {
      const uploads = sources.map((_, i) => patterned(MiB / 2 + 8191 * i, 600 + 100 * round + i));
      const results = await Promise.all(
        sessions.map(async (ftp, i) => {
          const down = await download(ftp, `RETR src-${i}.bin`);
          await upload(ftp, `STOR up-${round}-${i}.bin`, uploads[i]!);
          return down.data;
        }),
      );
      results.forEach((got, i) => expect(sha(got), `round ${round}: RETR src-${i}.bin`).toBe(sha(sources[i]!)));
      uploads.forEach((data, i) => expect(sha(ctx.root.read(`up-${round}-${i}.bin`)), `round ${round}: STOR up-${round}-${i}.bin`).toBe(sha(data)));
    }
  });
});

describe("fast paths: a client that vanishes mid-upload", () => {
  const ctx = useServer({ args: ["-w"] });

  it("426, the bytes that arrived are kept as a prefix of what was sent, and the session goes on", async () => {
    const ftp = await ctx.login();
    await ftp.sendExpect("TYPE I", 200);
    const data = patterned(6 * MiB, 700);
    const ds = await ftp.openPassiveData("PASV");
    await ftp.sendExpect("STOR gone.bin", [125, 150]);
    await ds.write(data.subarray(0, 3 * MiB));
    await sleep(100);
    ds.socket.resetAndDestroy();
    expectCode(await ftp.readReply(), 426, ftp.context("the data connection was reset mid-upload"));
    const kept = ctx.root.read("gone.bin");
    expect(kept.length, "bytes kept").toBeGreaterThan(0);
    expect(kept.length, "bytes kept").toBeLessThanOrEqual(3 * MiB);
    expectBytes(kept, data.subarray(0, kept.length), { what: "the part of gone.bin kept after the reset" });
    await ftp.sendExpect("NOOP", 200);
    // and a next upload on the same session works
    const next = patterned(MiB + 1, 701);
    await upload(ftp, "STOR after.bin", next);
    expectBytes(ctx.root.read("after.bin"), next, { what: "the upload after the vanished one" });
  });
});

describe("fast paths: downloads nobody reads do not hold up the others", () => {
  const ctx = useServer({ args: ["-w", "--max-cons", "0", "--max-cons-per-ip", "0"] });

  // Downloads take turns to read from disk (at most 8 at once). A turn must end with the
  // read, not with the write to the client: else 8 clients that stop reading would stop
  // every download on the server.
  it("12 downloads whose clients stop reading stay stuck (426 when cut), and 4 others complete byte-exact meanwhile", async () => {
    fs.writeFileSync(ctx.root.path("big.bin"), patterned(48 * MiB, 800));
    const small = patterned(3 * MiB + 5, 801);
    fs.writeFileSync(ctx.root.path("small.bin"), small);
    const stuck = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const ftp = await ctx.login();
        await ftp.sendExpect("TYPE I", 200);
        const ds = await ftp.openPassiveData("PASV");
        ds.socket.pause(); // reads nothing: the kernel's buffers fill, then the server's writes wait
        await ftp.sendExpect("RETR big.bin", [125, 150]);
        return { ftp, ds };
      }),
    );
    await sleep(300);
    const others = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const ftp = await ctx.login();
        await ftp.sendExpect("TYPE I", 200);
        return (await download(ftp, "RETR small.bin")).data;
      }),
    );
    others.forEach((got, i) => expect(sha(got), `download ${i} of small.bin`).toBe(sha(small)));
    for (const { ftp, ds } of stuck) {
      ds.socket.destroy();
      expectCode(await ftp.readReply(), 426, ftp.context("a download whose client never read, cut by the client"));
      await ftp.sendExpect("NOOP", 200);
    }
  });
});
