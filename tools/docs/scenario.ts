// What a diagram scenario is: a short FTP session, scripted with the test harness's FtpSocket,
// that tools/docs/record.ts plays against a real server so that a README's sequence diagram
// shows what really happens on the wire. One scenario per file in tools/docs/scenarios/,
// named after the file (`login-and-list.ts` is `<!-- diagram: login-and-list -->`):
//
//   export default defineScenario({
//     title: "Anonymous login, then a listing over PASV",
//     server: { files: { "readme.txt": "Hello\n" } },
//     async run({ connect }) {
//       const ftp = await connect();
//       await ftp.sendExpect("USER anonymous", 331);
//       ...
//     },
//   });
//
// Keep scripts deterministic: wait for every reply before the next command, read a data
// connection to its end, and close data connections you opened but did not use (ds.end()),
// so the diagram is the same on every run. Ports are renumbered by the diagram (see
// diagrams.ts), so a script never needs to know real port numbers.

import type { FtpSocket, FtpSocketOptions } from "../wire/ftp-socket.ts";
import type { RunningServer } from "../wire/server-process.ts";
import type { TempRoot } from "../wire/temp-root.ts";
import type { Transcript } from "../wire/transcript.ts";

export interface PortRange {
  from: number;
  to: number;
}

/** Where a note is drawn: over the client, over the server, or across both (the default). */
export type NoteOver = "client" | "server" | "both";

export interface ScenarioServer {
  /** Files of the temp folder served as -d (relative paths; null = an empty folder). */
  files?: Record<string, string | Buffer | null>;
  /**
   * Extra command-line flags. A function gets the temp folder, to name users' homes in it
   * (the folder is shown as /srv/ftp in the diagram).
   */
  args?: readonly string[] | ((root: TempRoot) => readonly string[]);
  /**
   * A passive port range (--range), as the diagram shows it. The recording runs the server
   * with a free range of the same width and draws its ports as this one's.
   */
  range?: PortRange;
}

export interface ScenarioContext {
  /** Host and (real) port of the server's control connection. */
  readonly host: string;
  readonly port: number;
  /** The temp folder the server serves. */
  readonly root: TempRoot;
  readonly server: RunningServer;
  /** The real passive range the server runs with (when the scenario asks for one). */
  readonly range: PortRange | undefined;
  /** The transcript every connection of the scenario is recorded in (for connectData(..., transcript)). */
  readonly transcript: Transcript;
  /** A control connection, recorded in the scenario's transcript (closed when the scenario ends). */
  connect(options?: Omit<FtpSocketOptions, "transcript">): Promise<FtpSocket>;
  /**
   * A note in the diagram at this point of the session (real port numbers in it are renumbered
   * too; "\n" breaks the line). Make notes between commands, not during a transfer, where the
   * order of the data and the note would depend on timing.
   */
  note(text: string, over?: NoteOver): void;
  /** Waits for a line the server prints on stdout that matches `pattern` (e.g. lesson 7's router note). */
  serverLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export interface ScenarioDefinition {
  /** One line saying what the session shows (a comment in the diagram). */
  title: string;
  /** The first lesson whose solution can play it (a README of an earlier lesson is an error). */
  since?: number;
  server?: ScenarioServer;
  run(ctx: ScenarioContext): Promise<void>;
}

export interface Scenario extends ScenarioDefinition {
  /** The file name without .ts. */
  name: string;
}

/** Identity, for type-checking a scenario file's default export. */
export function defineScenario(definition: ScenarioDefinition): ScenarioDefinition {
  return definition;
}
