/**
 * Safe defaults against one address that hogs the server or guesses passwords, and bans
 * that reach the connections an address already holds.
 *
 * - With nothing configured, one address gets at most 32 sessions at once (the 33rd: 421),
 *   and 10 failed logins (across connections) ban it (421 before the greeting).
 * - A ban also ends the sessions the address opened before it: a guess sent on an
 *   already-open connection after the ban never logs in.
 *
 * Each test connects from its own loopback address (127.0.0.0/8 is all loopback on Linux),
 * so the limits of one test never touch another.
 */
import { afterAll, describe, it } from "vitest";
import { stopAll } from "../harness/index.ts";
import { Ctl, withConfig } from "./config-helpers.ts";

afterAll(stopAll);

const USERS = "anna s3cret elradfmwMT home\n";
const FILES = { "users.txt": USERS, home: null };
/** Nothing about connections or bans: the defaults apply. */
const DEFAULT_INI = "[users]\nusers_file = users.txt\n";

/** The documented defaults this file checks. */
const DEFAULT_PER_IP = 32;
const DEFAULT_BAN_AFTER = 10;

async function closeAll(open: Ctl[]): Promise<void> {
  for (const c of open) c.destroy();
}

describe.concurrent("security: default limits per address", () => {
  it(`by default one address gets ${DEFAULT_PER_IP} sessions at once; the next gets 421 and another address is still welcome`, async () => {
    await withConfig(DEFAULT_INI, FILES, async ({ server }) => {
      const open: Ctl[] = [];
      try {
        for (let i = 0; i < DEFAULT_PER_IP; i++) {
          const c = await Ctl.connect(server.port, { from: "127.0.0.21" });
          open.push(c);
          c.check(c.greeting, 220, `session ${i + 1} of ${DEFAULT_PER_IP} from 127.0.0.21 is within the default limit`);
        }
        const over = await Ctl.connect(server.port, { from: "127.0.0.21" });
        open.push(over);
        over.check(over.greeting, 421, `session ${DEFAULT_PER_IP + 1} from one address is over the default max_connections_per_ip`, "from your address");
        await over.expectClosed(3000, "a refused connection is closed after its 421");
        const other = await Ctl.connect(server.port, { from: "127.0.0.22" });
        open.push(other);
        other.check(other.greeting, 220, "another address has its own count");
        await other.login("anna", "s3cret");
      } finally {
        await closeAll(open);
      }
    });
  });

  it(`by default ${DEFAULT_BAN_AFTER} failed logins from one address (across connections) ban it; ${DEFAULT_BAN_AFTER - 1} do not`, async () => {
    // Only the delay is shortened (so the test is quick); ban_after and ban_seconds are the defaults.
    const ini = `${DEFAULT_INI}[limits]\nauth_failed_delay = 0\n`;
    await withConfig(ini, FILES, async ({ server }) => {
      const open: Ctl[] = [];
      const from = "127.0.0.23";
      let failures = 0;
      /** One connection, up to `n` wrong passwords (max_login_attempts is 3 by default). */
      const fail = async (n: number) => {
        const c = await Ctl.connect(server.port, { from });
        open.push(c);
        c.check(c.greeting, 220, `after ${failures} failures the address is not banned yet`);
        for (let i = 0; i < n; i++) {
          await c.expect("USER anna", 331, "USER is answered with 331");
          failures++;
          const r = await c.send(`PASS wrong-${failures}`);
          c.check(r, 530, `wrong password ${failures}`);
        }
        c.destroy();
      };
      try {
        await fail(3);
        await fail(3);
        await fail(3);
        // 9 failures: still welcome, and the right password works.
        const ok = await Ctl.connect(server.port, { from });
        open.push(ok);
        ok.check(ok.greeting, 220, `${DEFAULT_BAN_AFTER - 1} failures do not ban`);
        await ok.login("anna", "s3cret");
        ok.destroy();
        // The 10th.
        const last = await Ctl.connect(server.port, { from });
        open.push(last);
        await last.expect("USER anna", 331, "USER is answered with 331");
        last.check(await last.send("PASS wrong-10"), 530, `failure ${DEFAULT_BAN_AFTER} bans the address`, "Too many failed logins");
        await last.expectClosed(3000, "the banned connection is closed");
        const banned = await Ctl.connect(server.port, { from });
        open.push(banned);
        banned.check(banned.greeting, 421, `after ${DEFAULT_BAN_AFTER} failures the address gets 421 before any greeting`, "Too many failed logins");
        const other = await Ctl.connect(server.port, { from: "127.0.0.24" });
        open.push(other);
        other.check(other.greeting, 220, "the ban is per address");
      } finally {
        await closeAll(open);
      }
    });
  });
});

describe.concurrent("security: a ban reaches the connections opened before it", () => {
  it("after the ban, the right password on an already-open connection does not log in", async () => {
    const ini = `${DEFAULT_INI}[limits]\nauth_failed_delay = 0\nmax_login_attempts = 5\nban_after = 3\n`;
    await withConfig(ini, FILES, async ({ server }) => {
      const from = "127.0.0.25";
      const open: Ctl[] = [];
      try {
        // Five connections, opened (and USER sent) before any failure.
        for (let i = 0; i < 5; i++) {
          const c = await Ctl.connect(server.port, { from });
          open.push(c);
          c.check(c.greeting, 220, "no ban yet");
          await c.expect("USER anna", 331, "USER is answered with 331");
        }
        // A logged-in session from the same address, which may REIN and guess again.
        const loggedIn = await Ctl.connect(server.port, { from });
        open.push(loggedIn);
        await loggedIn.login("anna", "s3cret");

        const guesser = open[0]!;
        for (let i = 1; i <= 3; i++) {
          if (i > 1) await guesser.expect("USER anna", 331, "USER again");
          guesser.check(await guesser.send(`PASS wrong-${i}`), 530, `wrong password ${i} of ban_after = 3`);
        }
        // Banned now. Every other not-logged-in connection of this address must not log in.
        for (const c of open.slice(1, 5)) {
          let reply;
          try {
            reply = await c.send("PASS s3cret", 3000);
          } catch {
            continue; // closed without a reply: fine
          }
          if (reply.code === 230) c.check(reply, 421, "the address is banned: an already-open connection must not log in");
          c.check(reply, 421, "a banned address's open connection is refused with 421");
          await c.expectClosed(3000, "and closed");
        }
        // The logged-in session may not start a new login either.
        await loggedIn.expect("REIN", 220, "REIN resets the session");
        let r;
        try {
          r = await loggedIn.send("USER anna", 3000);
        } catch {
          r = null; // closed: fine
        }
        if (r) {
          if (r.code === 331) {
            const p = await loggedIn.send("PASS s3cret", 3000).catch(() => null);
            if (p) loggedIn.check(p, 421, "a banned address may not log in again after REIN");
          } else loggedIn.check(r, 421, "a banned address may not start a login after REIN");
        }
      } finally {
        await closeAll(open);
      }
    });
  });
});
