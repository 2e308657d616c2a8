// Moved to the wire kit (tools/wire), which tools share; this path stays for the tests that import it.
export * from "../../tools/wire/server-process.ts";
