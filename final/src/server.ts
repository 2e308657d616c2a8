// The listening side: accepts control connections and gives each its own Session.
//
//   const server = new FtpServer(withDefaults({ authorizer, port: 0 }));
//   const { host, port } = await server.listen();   // e.g. 127.0.0.1, 40123
//   ...
//   await server.close();

import { createServer, type Server, type Socket } from "node:net";
import { buildCommandTable } from "./commands/table.ts";
import type { CommandSpec } from "./commands/spec.ts";
import type { ServerOptions } from "./options.ts";
import { Session, type SessionHost } from "./session.ts";

export class FtpServer implements SessionHost {
  readonly commands: ReadonlyMap<string, CommandSpec> = buildCommandTable();
  readonly sessions = new Set<Session>();
  private readonly server: Server;

  constructor(readonly options: ServerOptions) {
    this.server = createServer((socket) => this.accept(socket));
    // Errors on the listening socket after start (rare: EMFILE on accept) must not crash us.
    this.server.on("error", (err) => options.log.log("error", "listener error", { error: err.message }));
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host: this.options.host, port: this.options.port }, () => {
        this.server.off("error", reject);
        const address = this.server.address();
        if (!address || typeof address === "string") return reject(new Error("no address"));
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  private accept(socket: Socket): void {
    const session = new Session(this, socket);
    this.sessions.add(session);
    session.start();
  }

  sessionClosed(session: Session): void {
    this.sessions.delete(session);
  }

  /** Stops accepting, says goodbye to every session, and resolves when all are gone. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.close(421, "Server shutting down.");
    await closed;
  }
}
