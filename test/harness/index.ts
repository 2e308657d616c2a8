/** The black-box FTP test harness: start a server, talk to it, explain what went wrong. */
// The protocol side (server launcher, control client, transcripts, replies, explanations,
// login, sleep/waitFor) is the wire kit in tools/wire, shared with the tools.
export * from "../../tools/wire/index.ts";
export * from "./clients.ts";
export * from "./cli-run.ts";
