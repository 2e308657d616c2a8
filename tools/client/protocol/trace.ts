// What `debug` shows: every line on the control connection and what happens on the data
// connections, tagged by where it comes from, in the order it happened.
//
//   C: RETR notes.txt                                     (client -> server, control)
//   S: 150 Opening BINARY mode data connection.           (server -> client, control)
//   D: connected to 127.0.0.1:40123 from 127.0.0.1:51514  (a data connection event)
//   T: TLS 1.3 on the control connection (TLS_AES_256_GCM_SHA384)  (TLS)
//   D: 1234 bytes received; the server closed the data connection (end of file)
//   S: 226 Transfer complete.
//
// The protocol modules call `trace(kind, text)`; the UI decides whether and where to print.

export type TraceKind = "C" | "S" | "D" | "T";
export type Trace = (kind: TraceKind, text: string) => void;

export const silent: Trace = () => {};

/** "PASS s3cret" is shown as "PASS ******": debug output gets pasted into bug reports. */
export function maskSecrets(line: string): string {
  return /^PASS\s/i.test(line) ? `${line.slice(0, 5)}******` : line;
}
