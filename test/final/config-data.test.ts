/**
 * [passive], [security] and the data-connection timeouts, each read from a config file and
 * observed over FTP: ports (227 port inside the range), masquerade_address and masquerade_map
 * (only the 227 replies are inspected: the announced outside addresses are never connected to),
 * permit_foreign_addresses / permit_privileged_ports (PORT answered 200 or 501; no transfer is
 * started, so the server never dials anything), passive_timeout and data_timeout.
 */
import fs from "node:fs";
import net from "node:net";
import { afterAll, describe, it } from "vitest";
import { HarnessError, escapeBytes, stopAll } from "../harness/index.ts";
import { Ctl, REPLY_MS, ftpLogin, pasvAddress, withConfig } from "./config-helpers.ts";

afterAll(stopAll);

const ANON = "[users]\nanonymous = true\nanonymous_folder = pub\n";
const FILES = { "pub/hello.txt": "hello\n" };

/** A free-looking range outside Linux's ephemeral ports (32768-60999), different per run. */
function randomRange(size: number): { from: number; to: number } {
  const from = 20000 + Math.floor(Math.random() * 9000);
  return { from, to: from + size - 1 };
}

describe.concurrent("config: data connection settings", () => {
  it("[passive] ports: every 227 port is inside the range, and a transfer through it works", async ({ expect }) => {
    const { from, to } = randomRange(8);
    await withConfig(`[passive]\nports = ${from}-${to}\n${ANON}`, FILES, async ({ server }) => {
      const ftp = await ftpLogin(server, "anonymous", "me@example.com");
      try {
        for (let i = 0; i < 3; i++) {
          const ds = await ftp.openPassiveData("PASV");
          expect(ds.remotePort, `227 port (range ${from}-${to})`).toBeGreaterThanOrEqual(from);
          expect(ds.remotePort, `227 port (range ${from}-${to})`).toBeLessThanOrEqual(to);
          await ftp.sendExpect("NLST", [125, 150], "NLST over the passive connection");
          const names = (await ds.readAll(REPLY_MS)).toString("utf8");
          expect(names).toContain("hello.txt");
          expect((await ftp.readReply()).code, "NLST ends with 226").toBe(226);
        }
      } finally {
        ftp.destroy();
      }
    });
  });

  it("masquerade_address = 203.0.113.7 is announced in 227 (reply inspected only)", async ({ expect }) => {
    await withConfig(`[passive]\nmasquerade_address = 203.0.113.7\n${ANON}`, FILES, async ({ server }) => {
      const ctl = await Ctl.connect(server.port);
      try {
        await ctl.login("anonymous", "me@example.com");
        const hp = await pasvAddress(ctl);
        expect(hp.host, `227 reply: ${hp.reply.lines[0]}`).toBe("203.0.113.7");
      } finally {
        ctl.destroy();
      }
    });
  });

  it("masquerade_map: 127.0.0.2 (matched by 127.0.0.2/32) gets 198.51.100.2, 127.0.0.1 gets masquerade_address", async ({ expect }) => {
    const ini = `[passive]\nmasquerade_address = 203.0.113.7\nmasquerade_map = 10.0.0.0/8=10.0.0.2, 127.0.0.2/32=198.51.100.2\n${ANON}`;
    await withConfig(ini, FILES, async ({ server }) => {
      const inside = await Ctl.connect(server.port, { from: "127.0.0.2" });
      const outside = await Ctl.connect(server.port, { from: "127.0.0.1" });
      try {
        await inside.login("anonymous", "me@example.com");
        await outside.login("anonymous", "me@example.com");
        const a = await pasvAddress(inside);
        expect(a.host, `227 to a client from 127.0.0.2: ${a.reply.lines[0]}`).toBe("198.51.100.2");
        const b = await pasvAddress(outside);
        expect(b.host, `227 to a client from 127.0.0.1: ${b.reply.lines[0]}`).toBe("203.0.113.7");
      } finally {
        inside.destroy();
        outside.destroy();
      }
    });
  });

  it("masquerade_map without masquerade_address: an unmatched client is told the server's own address", async ({ expect }) => {
    const ini = `[passive]\nmasquerade_map = 127.0.0.2/32=198.51.100.2\n${ANON}`;
    await withConfig(ini, FILES, async ({ server }) => {
      const inside = await Ctl.connect(server.port, { from: "127.0.0.2" });
      const outside = await Ctl.connect(server.port, { from: "127.0.0.1" });
      try {
        await inside.login("anonymous", "me@example.com");
        await outside.login("anonymous", "me@example.com");
        expect((await pasvAddress(inside)).host).toBe("198.51.100.2");
        expect((await pasvAddress(outside)).host).toBe("127.0.0.1");
      } finally {
        inside.destroy();
        outside.destroy();
      }
    });
  });

  it("permit_foreign_addresses / permit_privileged_ports = false: PORT to another address or a port below 1024 is 501", async () => {
    const ini = `[security]\npermit_foreign_addresses = false\npermit_privileged_ports = no\n${ANON}`;
    await withConfig(ini, FILES, async ({ server }) => {
      const ctl = await Ctl.connect(server.port, { from: "127.0.0.1" });
      try {
        await ctl.login("anonymous", "me@example.com");
        await ctl.expect("PORT 127,0,0,1,156,64", 200, "PORT to the client's own address and a high port is fine");
        await ctl.expect("PORT 127,0,0,2,156,64", 501, "127.0.0.2 is not the client's address (127.0.0.1): foreign");
        await ctl.expect("EPRT |1|127.0.0.2|40000|", 501, "EPRT to a foreign address");
        await ctl.expect("PORT 127,0,0,1,0,21", 501, "port 21 is privileged");
      } finally {
        ctl.destroy();
      }
    });
  });

  it("permit_foreign_addresses / permit_privileged_ports = true: the same PORTs are 200 (no transfer is started)", async () => {
    const ini = `[security]\npermit_foreign_addresses = true\npermit_privileged_ports = yes\n${ANON}`;
    await withConfig(ini, FILES, async ({ server }) => {
      const ctl = await Ctl.connect(server.port, { from: "127.0.0.1" });
      try {
        await ctl.login("anonymous", "me@example.com");
        await ctl.expect("PORT 127,0,0,2,156,64", 200, "permit_foreign_addresses = true allows another address");
        await ctl.expect("EPRT |1|127.0.0.2|40000|", 200, "... for EPRT too");
        await ctl.expect("PORT 127,0,0,1,0,21", 200, "permit_privileged_ports = yes allows port 21");
        await ctl.expect("QUIT", 221, "leave without a transfer (nothing is dialled)");
      } finally {
        ctl.destroy();
      }
    });
  });

  it("passive_timeout = 1: RETR after a PASV nobody connects to gets 421, and the port is given back", async ({ expect }) => {
    await withConfig(`[limits]\npassive_timeout = 1\n${ANON}`, FILES, async ({ server }) => {
      const ctl = await Ctl.connect(server.port);
      try {
        await ctl.login("anonymous", "me@example.com");
        const hp = await pasvAddress(ctl);
        const t0 = performance.now();
        const first = await ctl.send("RETR hello.txt");
        const final = first.code === 150 || first.code === 125 ? await ctl.next(6000, "the reply after 150 when nobody connects") : first;
        const waited = performance.now() - t0;
        ctl.check(final, 421, "passive_timeout = 1: no data connection within a second cancels the transfer", "No data connection");
        expect(waited, "the 421 waits for passive_timeout (about 1 s)").toBeGreaterThanOrEqual(700);
        // The listener is gone: connecting now is refused (loopback, the port the 227 named).
        const refused = await new Promise<string>((resolve) => {
          const s = net.connect({ host: "127.0.0.1", port: hp.port });
          s.once("connect", () => {
            s.destroy();
            resolve("connected");
          });
          s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        });
        expect(refused, `the passive port ${hp.port} is closed after the timeout`).toBe("ECONNREFUSED");
        await ctl.expect("NOOP", 200, "the session goes on after the cancelled transfer");
      } finally {
        ctl.destroy();
      }
    });
  });

  it("data_timeout = 1: a RETR whose client never reads gets 421 within a few seconds", async ({ expect }) => {
    // A 64 MiB sparse file: far more than the loopback socket buffers hold, and no disk use.
    const files = { ...FILES, "pub/big.bin": "" };
    await withConfig(`[limits]\ndata_timeout = 1\n${ANON}`, files, async ({ server, root }) => {
      fs.truncateSync(root.path("pub/big.bin"), 64 * 1024 * 1024);
      const ftp = await ftpLogin(server, "anonymous", "me@example.com");
      let data: net.Socket | null = null;
      try {
        await ftp.sendExpect("TYPE I", 200, "binary mode");
        const hp = await ftp.pasv();
        data = net.connect({ host: "127.0.0.1", port: hp.port });
        data.pause(); // never read: the server's writes stall once the buffers are full
        await new Promise<void>((resolve, reject) => {
          data!.once("connect", () => resolve());
          data!.once("error", reject);
        });
        await ftp.sendExpect("RETR big.bin", [125, 150], "RETR starts the download");
        const t0 = performance.now();
        const r = await ftp.readReply(8000);
        const waited = performance.now() - t0;
        if (r.code !== 421) {
          throw new HarnessError(
            `Expected 421 for a transfer stalled longer than data_timeout = 1 s, got ${escapeBytes(r.raw)} after ${Math.round(waited)} ms ` +
              `(a 226 would mean the 64 MiB fit into the socket buffers, or the file was sent without waiting for the reader).`,
          );
        }
        expect(r.text).toMatch(/stalled/i);
        expect(waited, "the 421 comes within a few seconds").toBeLessThan(8000);
      } finally {
        data?.destroy();
        ftp.destroy();
      }
    });
  });
});
