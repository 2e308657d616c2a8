/**
 * Welcome, login and goodbye texts read from files ([server] banner_file, login_message_file,
 * quit_message_file), as xxftp's xxftp.welcome and xxftp.goodbye: several lines become one
 * well-formed multi-line reply, and a bad file stops the server at startup with file:line.
 */
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { describeRun, makeTempRoot, runCli } from "../harness/index.ts";
import { useServer } from "./conformance-helpers.ts";

describe("message files", () => {
  const ctx = useServer({
    files: {
      "etc/welcome.txt": "Welcome to the lab.\r\n220 this line looks like the end of a reply\r\nBe nice.\r\n\r\n",
      "etc/motd.txt": "Logged in.\nQuota: plenty.\n",
      "etc/bye.txt": "Bye!\n",
      "pub/a.txt": "a",
    },
    prepare(root) {
      fs.writeFileSync(root.path("etc/ftpd.ini"), "[server]\nbanner_file = welcome.txt\nlogin_message_file = motd.txt\nquit_message_file = bye.txt\n");
      return ["-c", root.path("etc/ftpd.ini")];
    },
  });

  it("the 220 greeting is the file's lines as one multi-line reply; a middle line that looks like a final reply is indented", async () => {
    const ftp = await ctx.connect();
    expect(ftp.greeting.code).toBe(220);
    expect(ftp.greeting.lines).toEqual(["220-Welcome to the lab.", " 220 this line looks like the end of a reply", "220 Be nice."]);
  });

  it("the 230 reply after login and the 221 reply to QUIT come from their files", async () => {
    const ftp = await ctx.connect();
    await ftp.sendExpect("USER anonymous", 331);
    const login = await ftp.sendExpect("PASS x", 230);
    expect(login.lines).toEqual(["230-Logged in.", "230 Quota: plenty."]);
    const bye = await ftp.sendExpect("QUIT", 221);
    expect(bye.lines).toEqual(["221 Bye!"]);
  });
});

describe("bad message files stop the server", () => {
  it.each([
    ["a missing file", null, /ftpd\.ini:2: cannot read .*nothere\.txt \(ENOENT\)/],
    ["an empty file", "\n\n", /ftpd\.ini:2: .*empty\.txt is empty/],
  ])("%s: exit 2 with the config line", async (_what, content, message) => {
    const root = makeTempRoot({});
    try {
      const name = content === null ? "nothere.txt" : "empty.txt";
      if (content !== null) fs.writeFileSync(root.path(name), content);
      fs.writeFileSync(root.path("ftpd.ini"), `[server]\nbanner_file = ${name}\n`);
      const run = await runCli(["-p", "0", "-d", root.dir, "-c", root.path("ftpd.ini")]);
      expect(run.code, describeRun(run)).toBe(2);
      expect(run.stderr).toMatch(message);
    } finally {
      root.cleanup();
    }
  });
});
