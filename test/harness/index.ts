/** The black-box FTP test harness: start a server, talk to it, explain what went wrong. */
export * from "./errors.ts";
export * from "./bytes.ts";
export * from "./reply.ts";
export * from "./transcript.ts";
export * from "./passive.ts";
export * from "./data-socket.ts";
export * from "./explain.ts";
export * from "./ftp-socket.ts";
export * from "./server-process.ts";
export * from "./temp-root.ts";
export * from "./clients.ts";
export * from "./cli-run.ts";
export * from "./wait.ts";
