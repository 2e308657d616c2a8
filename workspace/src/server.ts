// Your FTP server. The kit's main.ts parses the command line, then:
//
//   const server = new FtpServer(options);          // options: what the kit parsed (cli.ts)
//   const { host, port } = await server.listen();   // then it prints LISTENING host:port
//   ...
//   await server.close();                           // on Ctrl-C or SIGTERM

import type { StartOptions } from "./cli.ts";
// TODO(lesson 0): import what your server needs (node:net's createServer, your session ...).
import { NotWrittenYet } from "./config-error.ts";

export class FtpServer {
  constructor(readonly options: StartOptions) {}

  /**
   * Listens on options.server.host and options.server.port, and resolves with the address
   * and port it got (with port 0, the one the system chose).
   */
  async listen(): Promise<{ host: string; port: number }> {
    // TODO(lesson 0): listen, give every connection its own session, greet it with 220 ...
    throw new NotWrittenYet("lesson 0 starts here: FtpServer.listen() in src/server.ts is empty; see lessons/00-protocol-core/README.md");
  }

  /** Stops listening and ends every session (main.ts calls it on Ctrl-C). */
  async close(): Promise<void> {}
}
