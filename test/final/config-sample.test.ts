/**
 * The shipped sample config (final/ftpd.sample.ini with final/users.sample.txt) starts a working
 * server: anonymous sees the demo folder read-only, anna and guest from the sample users file
 * log in, guest (elrw) may upload but not delete.
 *
 * The server runs exactly as an operator would start it (`--config final/ftpd.sample.ini`),
 * except for the harness's `-i 127.0.0.1 -p 0`, which override the file's listen and port.
 */
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, it } from "vitest";
import { FTPError } from "basic-ftp";
import { REPO_ROOT, startServer, stopAll, withBasicFtp, type RunningServer } from "../harness/index.ts";
import { Ctl } from "./config-helpers.ts";

const GUEST_HOME = path.join(REPO_ROOT, "final", "sample-homes", "guest");

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ args: ["--config", "final/ftpd.sample.ini"] });
});
afterAll(stopAll);

describe.concurrent("config: the sample config final/ftpd.sample.ini", () => {
  it("greets with the sample banner and answers with the sample messages", async ({ expect }) => {
    const ctl = await Ctl.connect(server.port);
    try {
      ctl.check(ctl.greeting, 220, "the sample banner", "Welcome to the ftp-lab FTP server.");
      const ok = await ctl.login("anonymous", "me@example.com");
      expect(ok.text).toBe("Login successful. Have a good session.");
      const bye = await ctl.expect("QUIT", 221, "QUIT gets the sample quit_message");
      expect(bye.text).toBe("Goodbye, and thanks for visiting.");
    } finally {
      ctl.destroy();
    }
  });

  it("lets anonymous list the demo folder (anonymous_folder = demo, relative to the file) but not upload", async ({ expect }) => {
    const demo = fs.readdirSync(path.join(REPO_ROOT, "final", "demo")).sort();
    await withBasicFtp(server, { user: "anonymous", password: "me@example.com" }, async (client) => {
      const names = (await client.list()).map((e) => e.name).sort();
      expect(names, "anonymous / is final/demo").toEqual(demo);
      const err = await client.uploadFrom(Readable.from([Buffer.from("nope")]), "anon-upload.txt").then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, "anonymous_permissions = elr: no upload").toBeInstanceOf(FTPError);
      expect((err as FTPError).code).toBe(550);
    });
    expect(fs.existsSync(path.join(REPO_ROOT, "final", "demo", "anon-upload.txt"))).toBe(false);
  });

  it("lets anna (s3cret, elradfmwMT) log in to sample-homes/anna", async ({ expect }) => {
    await withBasicFtp(server, { user: "anna", password: "s3cret" }, async (client) => {
      const names = (await client.list()).map((e) => e.name);
      expect(names).toContain("readme.txt");
    });
  });

  it("refuses anna with a wrong password", async () => {
    const ctl = await Ctl.connect(server.port);
    try {
      await ctl.expect("USER anna", 331, "USER is answered with 331");
      // auth_failed_delay = 2 in the sample: the 530 comes after about 2 s.
      ctl.check(await ctl.send("PASS not-her-password", 10_000), 530, "a wrong password is refused");
    } finally {
      ctl.destroy();
    }
  });

  it("lets guest (guest, elrw) upload but not delete", async ({ expect }) => {
    const name = `config-sample-${process.pid}-${Date.now()}.txt`;
    const onDisk = path.join(GUEST_HOME, name);
    const content = Buffer.from(`uploaded by the config-sample test ${name}\n`);
    try {
      await withBasicFtp(server, { user: "guest", password: "guest" }, async (client) => {
        expect((await client.list()).map((e) => e.name)).toContain("readme.txt");
        await client.uploadFrom(Readable.from([content]), name);
        expect(fs.readFileSync(onDisk).equals(content), "the upload landed in final/sample-homes/guest").toBe(true);
        const err = await client.remove(name).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, "guest has no d permission: DELE must be refused").toBeInstanceOf(FTPError);
        expect((err as FTPError).code).toBe(550);
      });
      expect(fs.existsSync(onDisk), "the refused DELE left the file").toBe(true);
    } finally {
      fs.rmSync(onDisk, { force: true });
    }
  });
});
