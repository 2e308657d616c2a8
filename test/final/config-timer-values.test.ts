/**
 * Timeouts at the edges of what the config accepts. A value the server accepts must mean what
 * it says; a value it cannot honour must be refused at startup like any other bad config
 * (exit 2, one line FILE:LINE: ...). Either is fine here; what is not fine is starting and
 * then behaving as if the value were tiny:
 *
 *   idle_timeout = 0        ->  every session is cut right after its greeting
 *   idle_timeout = 9999999  ->  Node's timers hold at most 2^31-1 ms (24.8 days): the timer
 *                               fires after 1 ms instead, and every session is cut at once
 *   passive_timeout = 9999999, auth_failed_delay = 9999999  ->  the same overflow
 */
import { afterAll, describe, it } from "vitest";
import { HarnessError, connectData, stopAll } from "../harness/index.ts";
import { Ctl, ftpLogin, lineOf, sleep, startWithConfig, type ConfiguredServer } from "./config-helpers.ts";

afterAll(stopAll);

const BASE = "[users]\nusers_file = users.txt\nanonymous = true\nanonymous_folder = pub\n[limits]\n";
const FILES = { "users.txt": "anna s3cret elr pub\n", "pub/hello.txt": "hello\n" };

/**
 * Start with `setting` in [limits]. If the server refuses it, the refusal must be a proper
 * config error naming the line; if it starts, `works` must pass.
 */
async function refusedOrHonoured(setting: string, works: (s: ConfiguredServer) => Promise<void>): Promise<"refused" | "honoured"> {
  const ini = BASE + setting + "\n";
  let s: ConfiguredServer;
  try {
    s = await startWithConfig(ini, FILES);
  } catch (err) {
    const msg = (err as Error).message;
    const line = lineOf(ini, setting);
    if (/exit code 2/.test(msg) && new RegExp(`ftpd\\.ini:${line}: .*\\(fix: `).test(msg)) return "refused";
    throw err;
  }
  try {
    await works(s);
    return "honoured";
  } catch (err) {
    if (err instanceof Error) {
      err.message =
        `The server accepted "${setting}" but does not honour it (refusing it at startup with FILE:LINE would be fine too):\n` +
        `${err.message}\n${s.describe()}`;
    }
    throw err;
  } finally {
    await s.server.stop();
    s.root.cleanup();
  }
}

/** A logged-in session that stays idle for 1.5 s must still be there. */
async function notCutWhenIdle(s: ConfiguredServer): Promise<void> {
  const ctl = await Ctl.connect(s.server.port);
  try {
    if (ctl.greeting.code !== 220) throw new HarnessError(`greeting ${ctl.greeting.code} ${ctl.greeting.text}`);
    await ctl.login("anonymous", "me@example.com");
    await sleep(1500);
    await ctl.expect("NOOP", 200, "after 1.5 s of idleness the session is still open");
  } finally {
    ctl.destroy();
  }
}

describe.concurrent("config: timeout values at the edges", () => {
  it("idle_timeout = 0 is refused at startup or means no idle timeout (not: cut every session at once)", async () => {
    await refusedOrHonoured("idle_timeout = 0", notCutWhenIdle);
  });

  it("idle_timeout = 9999999 (beyond a 32-bit timer) is refused at startup or honoured (not: cut every session at once)", async () => {
    await refusedOrHonoured("idle_timeout = 9999999", notCutWhenIdle);
  });

  it("passive_timeout = 9999999 is refused at startup or honoured: a PASV download still works", async () => {
    await refusedOrHonoured("passive_timeout = 9999999", async (s) => {
      const ftp = await ftpLogin(s.server, "anonymous", "me@example.com");
      try {
        // A client may take a moment to connect after 227; 200 ms is nothing next to 9999999 s.
        await ftp.sendExpect("TYPE I", 200, "binary mode");
        const hp = await ftp.pasv();
        await sleep(200);
        const ds = await connectData("127.0.0.1", hp.port, 5000);
        await ftp.sendExpect("RETR hello.txt", [125, 150], "RETR starts the download");
        const data = await ds.readAll(5000);
        const final = await ftp.readReply();
        if (final.code !== 226 || data.toString() !== "hello\n") {
          throw new HarnessError(`RETR hello.txt ended with ${final.code} ${final.text} after ${data.length} bytes`);
        }
      } finally {
        ftp.destroy();
      }
    });
  });

  it("auth_failed_delay = 9999999 is refused at startup or honoured: a wrong password is not answered at once", async () => {
    await refusedOrHonoured("auth_failed_delay = 9999999", async (s) => {
      const ctl = await Ctl.connect(s.server.port);
      try {
        await ctl.expect("USER anna", 331, "USER is answered with 331");
        const early = await ctl.send("PASS wrong", 1500).catch(() => null);
        if (early) throw new HarnessError(`a wrong password was answered within 1.5 s: ${early.code} ${early.text}\n${ctl.transcript()}`);
      } finally {
        ctl.destroy();
      }
    });
  });
});
