/**
 * [server] and [limits] settings that shape a control connection, each read from a config file
 * and observed over FTP: banner, login_message, quit_message, max_connections,
 * max_connections_per_ip (per address: 127.0.0.1 and 127.0.0.2 are both loopback on Linux),
 * auth_failed_delay, max_login_attempts, ban_after/ban_seconds, idle_timeout.
 */
import { afterAll, describe, it } from "vitest";
import { stopAll } from "../harness/index.ts";
import { Ctl, sleep, withConfig } from "./config-helpers.ts";

afterAll(stopAll);

const USERS = "anna s3cret elradfmwMT home\n";
const FILES = { "users.txt": USERS, home: null };

describe.concurrent("config: connection settings", () => {
  it("banner, login_message and quit_message are the texts of 220, 230 and 221", async ({ expect }) => {
    const ini = [
      "[server]",
      "banner = Hello from the config test, 220 edition.",
      "login_message = You are in (config test).",
      "quit_message = See you (config test).",
      "[users]",
      "users_file = users.txt",
    ].join("\n");
    await withConfig(ini, FILES, async ({ server }) => {
      const ctl = await Ctl.connect(server.port);
      try {
        expect(ctl.greeting.code).toBe(220);
        expect(ctl.greeting.text, "banner").toBe("Hello from the config test, 220 edition.");
        const ok = await ctl.login("anna", "s3cret");
        expect(ok.text, "login_message").toBe("You are in (config test).");
        const bye = await ctl.expect("QUIT", 221, "QUIT is answered with 221");
        expect(bye.text, "quit_message").toBe("See you (config test).");
      } finally {
        ctl.destroy();
      }
    });
  });

  it("max_connections = 2: the third connection gets 421 and is closed; a slot frees when a session QUITs", async ({ expect }) => {
    const ini = "[server]\nmax_connections = 2\nmax_connections_per_ip = 0\n[users]\nusers_file = users.txt\n";
    await withConfig(ini, FILES, async ({ server }) => {
      const open: Ctl[] = [];
      try {
        open.push(await Ctl.connect(server.port), await Ctl.connect(server.port, { from: "127.0.0.2" }));
        for (const c of open) c.check(c.greeting, 220, "within max_connections = 2");
        const third = await Ctl.connect(server.port);
        open.push(third);
        third.check(third.greeting, 421, "the third session is over max_connections = 2", "Too many connections");
        await third.expectClosed(3000, "a refused connection is closed after its 421");
        await open[0]!.expect("QUIT", 221, "QUIT ends the first session");
        const again = await Ctl.connect(server.port);
        open.push(again);
        again.check(again.greeting, 220, "after a QUIT the slot is free again");
        expect(await again.login("anna", "s3cret")).toBeTruthy();
      } finally {
        for (const c of open) c.destroy();
      }
    });
  });

  it("max_connections_per_ip = 1 applies per address: 127.0.0.1 is limited, 127.0.0.2 is not", async () => {
    const ini = "[server]\nmax_connections = 10\nmax_connections_per_ip = 1\n[users]\nusers_file = users.txt\n";
    await withConfig(ini, FILES, async ({ server }) => {
      const open: Ctl[] = [];
      try {
        const a1 = await Ctl.connect(server.port, { from: "127.0.0.1" });
        open.push(a1);
        a1.check(a1.greeting, 220, "the first session from 127.0.0.1");
        const a2 = await Ctl.connect(server.port, { from: "127.0.0.1" });
        open.push(a2);
        a2.check(a2.greeting, 421, "a second session from 127.0.0.1 is over max_connections_per_ip = 1", "from your address");
        await a2.expectClosed(3000, "a refused connection is closed after its 421");
        const b1 = await Ctl.connect(server.port, { from: "127.0.0.2" });
        open.push(b1);
        b1.check(b1.greeting, 220, "127.0.0.2 has its own count: its first session is allowed");
        await b1.login("anna", "s3cret");
        const b2 = await Ctl.connect(server.port, { from: "127.0.0.2" });
        open.push(b2);
        b2.check(b2.greeting, 421, "a second session from 127.0.0.2 is over the limit too", "from your address");
        await a1.expect("QUIT", 221, "QUIT ends 127.0.0.1's session");
        const a3 = await Ctl.connect(server.port, { from: "127.0.0.1" });
        open.push(a3);
        a3.check(a3.greeting, 220, "after its QUIT, 127.0.0.1 may connect again");
      } finally {
        for (const c of open) c.destroy();
      }
    });
  });

  it("auth_failed_delay = 0.6 delays each 530; max_login_attempts = 2 closes the connection after the second", async ({ expect }) => {
    const ini = "[users]\nusers_file = users.txt\n[limits]\nauth_failed_delay = 0.6\nmax_login_attempts = 2\n";
    await withConfig(ini, FILES, async ({ server }) => {
      const ctl = await Ctl.connect(server.port);
      try {
        await ctl.expect("USER anna", 331, "USER is answered with 331");
        let t0 = performance.now();
        ctl.check(await ctl.send("PASS wrong-1"), 530, "a wrong password is refused", "Login incorrect");
        const first = performance.now() - t0;
        expect(first, "the first 530 comes after auth_failed_delay = 0.6 s").toBeGreaterThanOrEqual(550);
        expect(first, "... and not after the default 2 s").toBeLessThan(1900);
        expect(ctl.isClosed, "one wrong password (of max_login_attempts = 2) keeps the connection").toBe(false);
        await ctl.expect("USER anna", 331, "USER again after a wrong password");
        t0 = performance.now();
        ctl.check(await ctl.send("PASS wrong-2"), 530, "the second wrong password is refused", "Too many failed attempts");
        expect(performance.now() - t0, "the second 530 is delayed too").toBeGreaterThanOrEqual(550);
        await ctl.expectClosed(3000, "max_login_attempts = 2: the connection is closed after the second failure");
      } finally {
        ctl.destroy();
      }
      // Not a ban (2 failures, under ban_after = 10 by default): the next connection is welcome and may log in.
      const next = await Ctl.connect(server.port);
      try {
        next.check(next.greeting, 220, "2 failed logins (below ban_after, 10 by default) do not ban the address");
        await next.login("anna", "s3cret");
      } finally {
        next.destroy();
      }
    });
  });

  it("ban_after = 2 bans an address after two failed logins across connections (421 before the greeting) for ban_seconds = 3; 127.0.0.2 is unaffected", async ({
    expect,
  }) => {
    const ini = [
      "[users]",
      "users_file = users.txt",
      "[limits]",
      "auth_failed_delay = 0",
      "max_login_attempts = 5",
      "ban_after = 2",
      "ban_seconds = 3",
    ].join("\n");
    await withConfig(ini, FILES, async ({ server }) => {
      const open: Ctl[] = [];
      try {
        const c1 = await Ctl.connect(server.port, { from: "127.0.0.1" });
        open.push(c1);
        await c1.expect("USER anna", 331, "USER is answered with 331");
        const t0 = performance.now();
        c1.check(await c1.send("PASS wrong-1"), 530, "first failure from 127.0.0.1", "Login incorrect");
        expect(performance.now() - t0, "auth_failed_delay = 0: the 530 comes at once").toBeLessThan(1500);
        await c1.expect("QUIT", 221, "the first connection leaves after one failure");

        const c2 = await Ctl.connect(server.port, { from: "127.0.0.1" });
        open.push(c2);
        c2.check(c2.greeting, 220, "one failure (of ban_after = 2) does not ban yet");
        await c2.expect("USER anna", 331, "USER is answered with 331");
        c2.check(await c2.send("PASS wrong-2"), 530, "the second failure from 127.0.0.1 (on a new connection) bans it", "Too many failed logins");
        const bannedAt = performance.now();
        await c2.expectClosed(3000, "the banned connection is closed");

        const c3 = await Ctl.connect(server.port, { from: "127.0.0.1" });
        open.push(c3);
        c3.check(c3.greeting, 421, "a banned address gets 421 before any greeting", "Too many failed logins");
        await c3.expectClosed(3000, "the banned address's connection is closed after the 421");

        const other = await Ctl.connect(server.port, { from: "127.0.0.2" });
        open.push(other);
        other.check(other.greeting, 220, "the ban is per address: 127.0.0.2 is welcome");
        await other.login("anna", "s3cret");

        // ban_seconds = 3: afterwards 127.0.0.1 is welcome again.
        await sleep(Math.max(0, bannedAt + 3300 - performance.now()));
        const later = await Ctl.connect(server.port, { from: "127.0.0.1" });
        open.push(later);
        later.check(later.greeting, 220, "the ban ends after ban_seconds = 3");
        await later.login("anna", "s3cret");
      } finally {
        for (const c of open) c.destroy();
      }
    });
  });

  it("idle_timeout = 1: an idle session gets 421 and is closed", async ({ expect }) => {
    const ini = "[users]\nusers_file = users.txt\n[limits]\nidle_timeout = 1\n";
    await withConfig(ini, FILES, async ({ server }) => {
      const ctl = await Ctl.connect(server.port);
      try {
        await ctl.login("anna", "s3cret");
        const t0 = performance.now();
        const r = await ctl.next(6000, "the idle-timeout 421");
        const waited = performance.now() - t0;
        ctl.check(r, 421, "idle_timeout = 1 s: after a second without a command, 421", "Idle timeout");
        expect(waited, "the 421 comes after about 1 s of idleness, not at once").toBeGreaterThanOrEqual(800);
        await ctl.expectClosed(3000, "the connection is closed after the idle 421");
      } finally {
        ctl.destroy();
      }
    });
  });

  it("idle_timeout = 1: a command every 0.6 s keeps the session for 2.4 s; the 421 comes about 1 s after the last one", async ({ expect }) => {
    const ini = "[users]\nusers_file = users.txt\n[limits]\nidle_timeout = 1\n";
    await withConfig(ini, FILES, async ({ server }) => {
      const ctl = await Ctl.connect(server.port);
      try {
        await ctl.login("anna", "s3cret");
        for (let i = 1; i <= 4; i++) {
          await sleep(600);
          await ctl.expect("NOOP", 200, `NOOP ${i}, 0.6 s after the one before: the idle clock starts again at each command`);
        }
        const t0 = performance.now();
        const r = await ctl.next(6000, "the idle-timeout 421");
        const waited = performance.now() - t0;
        ctl.check(r, 421, "a second after the last NOOP, 421", "Idle timeout");
        expect(waited, "the 421 counts from the last command, not from the login").toBeGreaterThanOrEqual(800);
      } finally {
        ctl.destroy();
      }
    });
  });
});
