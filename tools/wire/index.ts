/**
 * The FTP wire kit: what tools (docs recordings, soak, bench, lab) and the black-box tests share
 * to start a server and talk to it.
 *
 *   server-process  start a server as a user would, read its `LISTENING host:port` line
 *                   (parseListeningLine, lineSplitter for other launchers)
 *   ftp-socket      a strict control client: every byte in a transcript, FTP-aware errors,
 *                   PASV/EPSV data connections, active-mode listeners (record: false for load)
 *   reply, passive  RFC 959 reply parsing; 227 (PASV) and 229 (EPSV) addresses
 *   data-socket     recorded data connections; transcript: the record of both
 *   login, wait     USER/PASS(/TYPE); sleep and waitFor
 *   explain, bytes  failure messages that show the bytes and a `printf | nc` repro
 *   temp-root       a throwaway folder of known files to serve
 *
 * Nothing here imports from test/: test/harness re-exports this kit.
 */
export * from "./errors.ts";
export * from "./bytes.ts";
export * from "./reply.ts";
export * from "./transcript.ts";
export * from "./passive.ts";
export * from "./data-socket.ts";
export * from "./explain.ts";
export * from "./ftp-socket.ts";
export * from "./login.ts";
export * from "./server-process.ts";
export * from "./temp-root.ts";
export * from "./wait.ts";
