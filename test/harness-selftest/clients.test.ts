/**
 * withBasicFtp against a fake server that speaks just enough FTP for basic-ftp's login.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Client } from "basic-ftp";
import { withBasicFtp } from "../harness/index.ts";
import { closeAllFakes, scripted } from "./fake-ftp.ts";

afterEach(closeAllFakes);

function loginFake(passReply: string) {
  return scripted("220 fake\r\n", {
    USER: "331 Password?\r\n",
    PASS: passReply,
    FEAT: "211-Features:\r\n UTF8\r\n211 End\r\n",
    TYPE: "200 Type set\r\n",
    STRU: "200 ok\r\n",
    OPTS: "200 ok\r\n",
    PWD: '257 "/pub" is the current directory\r\n',
  });
}

describe("withBasicFtp", () => {
  it("logs in, runs the callback, returns its value and closes the client", async () => {
    const fake = await loginFake("230 Welcome\r\n");
    let seen: Client | undefined;
    const result = await withBasicFtp(fake, { user: "alice", password: "pw" }, async (client, log) => {
      seen = client;
      expect(log()).toContain("> USER alice");
      return client.pwd();
    });
    expect(result).toBe("/pub");
    expect(seen!.closed).toBe(true);
  });

  it("attaches basic-ftp's log to a login failure, keeping the FTP code", async () => {
    const fake = await loginFake("530 Login incorrect\r\n");
    const err = await withBasicFtp(fake, { user: "alice", password: "bad" }, async () => "unreachable").catch((e: Error & { code?: number }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { code?: number }).code).toBe(530);
    expect((err as Error).message).toContain("--- basic-ftp log");
    expect((err as Error).message).toContain("< 530 Login incorrect");
  });

  it("closes the client and attaches the log when the callback throws", async () => {
    const fake = await loginFake("230 Welcome\r\n");
    let seen: Client | undefined;
    const err = await withBasicFtp(fake, {}, async (client) => {
      seen = client;
      throw new Error("test failed inside");
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^test failed inside\n--- basic-ftp log/);
    expect((err as Error).message).toContain("> USER anonymous");
    expect(seen!.closed).toBe(true);
  });
});
