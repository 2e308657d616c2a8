/**
 * [users] settings from a config file: anonymous on/off (and its default: off once a users
 * file is given), anonymous_folder (relative to the config file), anonymous_permissions, and
 * users_file (relative to the config file; homes relative to the users file; per-user perms).
 */
import fs from "node:fs";
import { afterAll, describe, it } from "vitest";
import { FtpSocket, stopAll } from "../harness/index.ts";
import { Ctl, ftpLogin, retrieve, store, withConfig } from "./config-helpers.ts";

afterAll(stopAll);

const USERS = ["# name password perms home", "anna s3cret elradfmwMT homes/anna", "bob b0b-pw elr homes/bob", ""].join("\n");
const FILES = {
  "etc/users.txt": USERS,
  "etc/homes/anna/anna.txt": "anna's file\n",
  "etc/homes/bob/bob.txt": "bob's file\n",
  "pub/public.txt": "for everyone\n",
};

/** Wrong logins are answered at once (the default delay is 2 s). */
const FAST_530 = "[limits]\nauth_failed_delay = 0\n";

/** USER anonymous + PASS: the final code (230 or 530). */
async function anonymousLogin(port: number): Promise<number> {
  const ctl = await Ctl.connect(port);
  try {
    const u = await ctl.send("USER anonymous");
    if (u.code !== 331) return u.code;
    return (await ctl.send("PASS me@example.com")).code;
  } finally {
    ctl.destroy();
  }
}

async function nlst(ftp: FtpSocket): Promise<string[]> {
  const ds = await ftp.openPassiveData("PASV");
  await ftp.sendExpect("NLST", [125, 150], "NLST starts a listing");
  const names = (await ds.readAll()).toString("utf8").split("\r\n").filter(Boolean);
  const done = await ftp.readReply();
  if (done.code !== 226) throw new Error(`NLST ended with ${done.code} ${done.text}`);
  return names.map((n) => n.replace(/^\//, "")).sort();
}

describe.concurrent("config: users settings", () => {
  it("users_file (relative to the config file): each user logs in to their home with their permissions; anonymous is off by default", async ({
    expect,
  }) => {
    await withConfig(`[users]\nusers_file = etc/users.txt\n${FAST_530}`, FILES, async ({ server, root }) => {
      const anna = await ftpLogin(server, "anna", "s3cret");
      try {
        expect(await nlst(anna), "anna's / is etc/homes/anna (relative to the users file)").toEqual(["anna.txt"]);
        expect((await store(anna, "new.txt", Buffer.from("by anna\n"))).code, "anna has w").toBe(226);
        expect(root.read("etc/homes/anna/new.txt").toString()).toBe("by anna\n");
        await anna.sendExpect("DELE new.txt", 250, "anna has d");
      } finally {
        anna.destroy();
      }
      const bob = await ftpLogin(server, "bob", "b0b-pw");
      try {
        expect(await nlst(bob)).toEqual(["bob.txt"]);
        const { data, final } = await retrieve(bob, "bob.txt");
        expect(final.code).toBe(226);
        expect(data.toString()).toBe("bob's file\n");
        expect((await store(bob, "new.txt", Buffer.from("x"))).code, "bob is elr: STOR refused").toBe(550);
      } finally {
        bob.destroy();
      }
      const wrong = await Ctl.connect(server.port);
      try {
        await wrong.expect("USER anna", 331, "USER is answered with 331");
        await wrong.expect("PASS b0b-pw", 530, "bob's password is not anna's", undefined);
      } finally {
        wrong.destroy();
      }
      expect(await anonymousLogin(server.port), "with a users_file and no `anonymous` key, anonymous is off").toBe(530);
    });
  });

  it("anonymous = true with anonymous_folder (relative to the config file) and anonymous_permissions = elrw: STOR yes, DELE no", async ({
    expect,
  }) => {
    const ini = "[users]\nusers_file = etc/users.txt\nanonymous = true\nanonymous_folder = pub\nanonymous_permissions = elrw\n";
    await withConfig(ini, FILES, async ({ server, root }) => {
      const ftp = await ftpLogin(server, "anonymous", "me@example.com");
      try {
        expect(await nlst(ftp), "anonymous / is <config folder>/pub").toEqual(["public.txt"]);
        expect((await store(ftp, "dropped.txt", Buffer.from("anon upload\n"))).code, "elrw allows STOR").toBe(226);
        expect(root.read("pub/dropped.txt").toString()).toBe("anon upload\n");
        await ftp.sendExpect("DELE dropped.txt", 550, "elrw has no d: DELE is refused");
        await ftp.sendExpect("MKD sub", 550, "elrw has no m: MKD is refused");
        expect(fs.existsSync(root.path("pub/dropped.txt"))).toBe(true);
      } finally {
        ftp.destroy();
      }
      const anna = await ftpLogin(server, "anna", "s3cret"); // users_file still works next to anonymous
      anna.destroy();
    });
  });

  it("anonymous_permissions defaults to elr: anonymous may read but not upload", async ({ expect }) => {
    await withConfig("[users]\nanonymous_folder = pub\n", FILES, async ({ server, root }) => {
      const ftp = await ftpLogin(server, "anonymous", "me@example.com");
      try {
        const { data, final } = await retrieve(ftp, "public.txt");
        expect(final.code).toBe(226);
        expect(data.toString()).toBe("for everyone\n");
        expect((await store(ftp, "nope.txt", Buffer.from("x"))).code, "elr: STOR refused").toBe(550);
        expect(fs.existsSync(root.path("pub/nope.txt"))).toBe(false);
      } finally {
        ftp.destroy();
      }
    });
  });

  it("anonymous = off refuses anonymous (and ftp) while users still log in", async ({ expect }) => {
    await withConfig(`[users]\nanonymous = off\nanonymous_folder = pub\nusers_file = etc/users.txt\n${FAST_530}`, FILES, async ({ server }) => {
      expect(await anonymousLogin(server.port), "anonymous = off").toBe(530);
      const ctl = await Ctl.connect(server.port);
      try {
        await ctl.expect("USER ftp", 331, "USER is answered with 331");
        await ctl.expect("PASS me@example.com", 530, '"ftp" is anonymous too, and anonymous is off');
      } finally {
        ctl.destroy();
      }
      (await ftpLogin(server, "bob", "b0b-pw")).destroy();
    });
  });
});
