// Your FTP server. The kit's main.ts parses the command line, then:
//
//   const server = new FtpServer(options);          // options: what the kit parsed (cli.ts)
//   const { host, port } = await server.listen();   // then it prints LISTENING host:port
//   ...
//   await server.close();                           // on Ctrl-C or SIGTERM

import type { StartOptions } from "./cli.ts";
import { createServer, type Server, type Socket } from "node:net";
import { BanList } from "./ban-list.ts";
import { buildCommandTable } from "./commands/table.ts";
import type { CommandSpec } from "./commands/spec.ts";
import type { SettingValues } from "./config/settings.ts";
import { plainIp } from "./data/address.ts";
import type { ServerOptions } from "./options.ts";
import { buildServices } from "./services.ts";
import { Session, type SessionHost } from "./session.ts";

// The listening side accepts control connections and gives each its own Session, after the
// checks that come before the greeting: banned address, too many sessions in all, too many
// from one address (each answered with a 421 and a reason).

export class FtpServer implements SessionHost {
  readonly commands: ReadonlyMap<string, CommandSpec> = buildCommandTable();
  readonly sessions = new Set<Session>();
  private readonly perIp = new Map<string, number>();
  private readonly bans: BanList;
  private readonly server: Server;
  /**
   * The settings and the services in one object, as the session and the commands read them
   * (`s.options.quotas`); made once here (the final server adds its TLS certificate in listen()).
   */
  options: ServerOptions;
  /** Every setting's value, the config file's included. */
  readonly values: SettingValues;

  /** Builds the services from what the kit parsed (services.ts); throws UsageError or ConfigError. */
  constructor(startOptions: StartOptions) {
    const built = buildServices(startOptions);
    const { settings, services } = built;
    this.values = built.values;
    this.options = { ...settings, ...services };
    this.bans = new BanList(settings.banAfter, settings.banSeconds);
    this.server = createServer((socket) => this.accept(socket));
    // Errors on the listening socket after start (rare: EMFILE on accept) must not crash us.
    this.server.on("error", (err) => services.log.log("error", "listener error", { error: err.message }));
  }

  async listen(): Promise<{ host: string; port: number }> {
    const address = await listenOn(this.server, this.options.host, this.options.port);
    this.options.log.log("info", "listening", address);
    return address;
  }

  /** Why this connection may not start a session, or null. */
  private refusal(ip: string): string | null {
    const { maxConnections, maxConnectionsPerIp } = this.options;
    const open = this.sessions.size;
    const fromIp = this.perIp.get(ip) ?? 0;
    if (this.bans.isBanned(ip)) return BANNED;
    if (maxConnections && open >= maxConnections) {
      return `Too many connections (the server allows ${maxConnections}); try again later.`;
    }
    if (maxConnectionsPerIp && fromIp >= maxConnectionsPerIp) {
      return `Too many connections from your address (the limit is ${maxConnectionsPerIp}).`;
    }
    return null;
  }

  private accept(socket: Socket, implicitTls = false): void {
    const ip = plainIp(socket.remoteAddress);
    const refusal = this.refusal(ip);
    if (refusal) {
      this.options.log.log("warn", "connection refused", { remote: ip, reason: refusal });
      socket.on("error", () => socket.destroy());
      socket.end(`421 ${refusal}\r\n`);
      setTimeout(() => socket.destroy(), 2000).unref();
      return;
    }
    const session = new Session(this, socket);
    this.sessions.add(session);
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    session.start();
  }

  sessionClosed(session: Session): void {
    if (!this.sessions.delete(session)) return;
    const left = (this.perIp.get(session.remoteIp) ?? 1) - 1;
    if (left > 0) this.perIp.set(session.remoteIp, left);
    else this.perIp.delete(session.remoteIp);
  }

  loginFailed(ip: string, from?: Session): boolean {
    const banned = this.bans.failed(ip);
    if (banned) {
      this.options.log.log("warn", "address banned after failed logins", { remote: ip, seconds: this.options.banSeconds });
      // The ban reaches the connections the address already holds: those not logged in are
      // closed now (a guess sent on one would still be checked); logged-in ones stay, but may
      // not log in again (USER and PASS check isBanned). `from` answers its own failure.
      for (const session of this.sessions) {
        if (session !== from && session.remoteIp === ip && !session.account) session.close(421, BANNED);
      }
    }
    return banned;
  }

  isBanned(ip: string): boolean {
    return this.bans.isBanned(ip);
  }

  /** Stops accepting, says goodbye to every session, and resolves when all are gone. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.close(421, "Server shutting down.");
    await closed;
    this.options.log.flush();
  }
}

const BANNED = "Too many failed logins from your address; try again later.";

/**
 * Connections the system may hold before we accept them. Node's default (511) overflowed
 * when 1,000 clients connected at once: the rest waited a second for their SYN to be sent
 * again. Linux caps this at net.core.somaxconn (4096 on current kernels).
 */
const LISTEN_BACKLOG = 4096;

/** Listens, and says on which address and port (port 0: the one the system chose). */
function listenOn(server: Server, host: string, port: number): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, backlog: LISTEN_BACKLOG }, () => {
      server.off("error", reject);
      const address = server.address();
      if (!address || typeof address === "string") return reject(new Error("no address"));
      resolve({ host: address.address, port: address.port });
    });
  });
}
