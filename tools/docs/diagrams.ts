// A recorded FTP session (test/harness/transcript.ts entries) drawn as a mermaid sequence
// diagram, the same on every run although real sessions differ in ports and timing:
//
// - Order. Each connection's own events are in the order they happened. Between connections
//   the order in which the client *noticed* them can vary (a "226" can be read before the
//   data connection's last bytes, an active-mode connection before the "150"), so events the
//   server sends on a data connection during a transfer are drawn where the server sent them:
//   after the transfer's 1xx reply and before its final reply (the server closes the data
//   connection before it says 226). Everything else keeps its recorded order, which the
//   scenario's script fixes by waiting for each reply.
// - Ports. Real ports are replaced by stable labels, in order of first appearance: the
//   control port is 2121; passive (server data) ports 60000, 60001... or, with a --range, the
//   lowest ports of the range shown (each 227/229 reply gets the next label, even when the
//   server happened to pick the same real port again); client data ports (PORT/EPRT) 50001,
//   50002... The numbers
//   are rewritten inside replies and commands too, 227/PORT tuples recomputed (p1*256+p2).
//   Ephemeral ports (the side of a connection that nobody chose) are not drawn at all.
// - Payloads. Data is drawn as one message per transfer and direction: "LIST output, 3 lines"
//   for listings (whose text holds dates), "12 bytes" otherwise. Timestamps never appear.

import type { TranscriptEntry } from "../wire/transcript.ts";
import type { NoteOver, PortRange } from "./scenario.ts";

export interface RecordedNote {
  /** The note comes before entries[at] (it was made when the transcript had `at` entries). */
  at: number;
  text: string;
  over: NoteOver;
}

/** One recorded session, all a diagram needs (synthetic ones are fine, e.g. in tests). */
export interface Recording {
  scenario: string;
  title: string;
  /** What was run, for the comment: "solutions/02-passive-ports" or "final". */
  target: string;
  /** The server's flags as the diagram shows them (temp folder as /srv/ftp, range as shown). */
  shownArgs: readonly string[];
  entries: readonly TranscriptEntry[];
  notes: readonly RecordedNote[];
  /** The real control port (drawn as 2121). */
  controlPort: number;
  /** The real passive range and the one the diagram shows. */
  range?: { real: PortRange; shown: PortRange };
  /** The real temp folder (drawn as /srv/ftp). */
  rootDir?: string;
}

export const SHOWN_CONTROL_PORT = 2121;
export const SHOWN_PASSIVE_BASE = 60000;
export const SHOWN_CLIENT_DATA_BASE = 50001;
export const SHOWN_ROOT = "/srv/ftp";

// ---------------------------------------------------------------------------------------------
// events in a stable order

type Dir = "C" | "S";

export type Item =
  | { kind: "line"; dir: Dir; text: string; raw: number }
  | { kind: "control-open"; raw: number }
  | { kind: "control-close"; dir: Dir; raw: number }
  | { kind: "data-open"; dir: Dir; conn: DataConn; raw: number }
  | { kind: "data-bytes"; dir: Dir; conn: DataConn; bytes: Buffer; raw: number }
  | { kind: "data-close"; dir: Dir; conn: DataConn; raw: number }
  | { kind: "note"; text: string; over: NoteOver; raw: number };

/** One data connection: ports as the test saw them (local = the client's side). */
export interface DataConn {
  localPort: number;
  remotePort: number;
  /** Who opened it, when that was recorded: C = passive mode, S = active mode. */
  opener: Dir | null;
}

const isControl = (item: Item) => item.kind === "line" || item.kind === "control-open" || item.kind === "control-close";

/**
 * The recording as a list of events in the order the diagram draws them (see the top of this
 * file). Control bytes are re-split into lines; only the first close of a data connection is
 * kept (the other side's close is Node's automatic answer to it).
 */
export function orderEvents(entries: readonly TranscriptEntry[], notes: readonly RecordedNote[] = []): Item[] {
  const items: Item[] = [];
  const conns = new Map<string, DataConn>();
  const closed = new Set<DataConn>();
  const carry: Record<Dir, Buffer> = { C: Buffer.alloc(0), S: Buffer.alloc(0) };
  let raw = 0;
  const flush = (dir: Dir) => {
    if (carry[dir].length > 0) items.push({ kind: "line", dir, text: carry[dir].toString("utf8"), raw: raw++ });
    carry[dir] = Buffer.alloc(0);
  };
  const connOf = (e: TranscriptEntry): DataConn => {
    const key = `${e.localPort}/${e.remotePort}`;
    let conn = conns.get(key);
    // An "open" starts a new connection even if both ports were used before.
    if (!conn || e.event === "open") {
      conn = { localPort: e.localPort, remotePort: e.remotePort, opener: null };
      conns.set(key, conn);
    }
    return conn;
  };

  const sortedNotes = [...notes].sort((a, b) => a.at - b.at);
  let n = 0;
  for (let i = 0; i <= entries.length; i++) {
    while (n < sortedNotes.length && sortedNotes[n]!.at <= i) {
      const note = sortedNotes[n++]!;
      items.push({ kind: "note", text: note.text, over: note.over, raw: raw++ });
    }
    const e = entries[i];
    if (!e) continue;
    if (e.conn === "control") {
      if (e.event === "open") items.push({ kind: "control-open", raw: raw++ });
      else if (e.event === "close") {
        flush(e.dir);
        items.push({ kind: "control-close", dir: e.dir, raw: raw++ });
      } else {
        let buf = carry[e.dir].length > 0 ? Buffer.concat([carry[e.dir], e.bytes]) : e.bytes;
        for (let end = buf.indexOf("\r\n"); end >= 0; end = buf.indexOf("\r\n")) {
          items.push({ kind: "line", dir: e.dir, text: buf.subarray(0, end).toString("utf8"), raw: raw++ });
          buf = buf.subarray(end + 2);
        }
        carry[e.dir] = buf;
      }
      continue;
    }
    const conn = connOf(e);
    if (e.event === "open") {
      conn.opener ??= e.dir;
      items.push({ kind: "data-open", dir: e.dir, conn, raw: raw++ });
    } else if (e.event === "close") {
      if (closed.has(conn)) continue;
      closed.add(conn);
      items.push({ kind: "data-close", dir: e.dir, conn, raw: raw++ });
    } else if (e.bytes.length > 0) {
      items.push({ kind: "data-bytes", dir: e.dir, conn, bytes: e.bytes, raw: raw++ });
    }
  }
  flush("C");
  flush("S");

  // Anchor every other event to the control events: "drawn just before control event a".
  const control = items.filter(isControl);
  const anchored: Array<{ item: Item; anchor: number }> = [];
  let seen = 0;
  for (const item of items) {
    if (isControl(item)) seen++;
    else anchored.push({ item, anchor: seen });
  }

  // Transfers: a 1xx reply, the client's command before it, the final reply after it.
  const windows: Array<{ start: number; end: number; after: number; before: number | null }> = [];
  control.forEach((item, p) => {
    if (item.kind !== "line" || item.dir !== "S" || !/^1\d\d /.test(item.text)) return;
    const command = lastIndexWhere(control, p, (c) => c.kind === "line" && c.dir === "C");
    const final = control.findIndex((c, i) => i > p && c.kind === "line" && c.dir === "S" && /^[2-6]\d\d /.test(c.text));
    const next = control.findIndex((c, i) => i > Math.max(p, final) && c.kind === "line" && c.dir === "C");
    windows.push({
      start: command + 1,
      end: next < 0 ? control.length : next,
      after: p + 1,
      before: final < 0 ? null : final,
    });
  });
  for (const a of anchored) {
    const item = a.item;
    const fromServer = (item.kind === "data-open" || item.kind === "data-bytes" || item.kind === "data-close") && item.dir === "S";
    if (!fromServer) continue;
    const w = windows.find((w) => a.anchor >= w.start && a.anchor <= w.end);
    if (!w) continue;
    a.anchor = Math.max(a.anchor, w.after);
    if (w.before !== null) a.anchor = Math.min(a.anchor, w.before);
  }
  anchored.sort((x, y) => x.anchor - y.anchor || x.item.raw - y.item.raw);

  const out: Item[] = [];
  let k = 0;
  for (let c = 0; c <= control.length; c++) {
    while (k < anchored.length && anchored[k]!.anchor <= c) out.push(anchored[k++]!.item);
    const item = control[c];
    if (item) out.push(item);
  }
  return out;
}

function lastIndexWhere<T>(list: readonly T[], before: number, test: (t: T) => boolean): number {
  for (let i = before - 1; i >= 0; i--) if (test(list[i]!)) return i;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// ports

export type PortRole = "control" | "passive" | "client-data";

/** Real port -> the number the diagram shows, assigned in order of first appearance. */
export class PortLabels {
  readonly labels = new Map<number, { shown: number; role: PortRole }>();
  private passive = 0;
  private clientData = 0;

  constructor(
    controlPort: number,
    private readonly range?: { real: PortRange; shown: PortRange },
  ) {
    this.labels.set(controlPort, { shown: SHOWN_CONTROL_PORT, role: "control" });
  }

  /**
   * The label of a passive (server data) port, giving it the next one if it is new, or when
   * `announced`: every 227/229 reply opens a new passive port, so it gets the next label even
   * when the server happened to pick the same real port again (it picks at random within a
   * range). With a range, labels go round within the range shown.
   */
  passivePort(port: number, announced = false): number {
    const known = this.labels.get(port);
    if (known && !announced) return known.shown;
    const k = this.passive++;
    const shown = this.range
      ? this.range.shown.from + (k % (this.range.shown.to - this.range.shown.from + 1))
      : SHOWN_PASSIVE_BASE + k;
    this.labels.set(port, { shown, role: "passive" });
    return shown;
  }

  /** The label of a port the client listens on for active mode (PORT/EPRT). */
  clientDataPort(port: number): number {
    const known = this.labels.get(port);
    if (known) return known.shown;
    const shown = SHOWN_CLIENT_DATA_BASE + this.clientData++;
    this.labels.set(port, { shown, role: "client-data" });
    return shown;
  }

  shown(port: number): number | undefined {
    return this.labels.get(port)?.shown;
  }

  /**
   * Rewrites the real ports in a line of text: six-number host-port tuples (227 replies, PORT)
   * get p1,p2 of the label; the real range "FROM-TO" becomes the shown one; any other number
   * that is a labelled port (1024 and up) becomes its label. One pass, so a label is never
   * rewritten again.
   */
  rewrite(text: string): string {
    return text.replace(/\d+(?:,\d+){5}|\d+-\d+|\d+/g, (token) => {
      if (token.includes(",")) {
        const parts = token.split(",").map(Number);
        const real = parts[4]! * 256 + parts[5]!;
        const shown = parts.every((p) => p <= 255) ? this.shown(real) : undefined;
        if (shown === undefined) return token;
        return [...parts.slice(0, 4), shown >> 8, shown & 255].join(",");
      }
      if (token.includes("-")) {
        const [a, b] = token.split("-").map(Number) as [number, number];
        if (this.range && a === this.range.real.from && b === this.range.real.to) return `${this.range.shown.from}-${this.range.shown.to}`;
        return `${this.one(a)}-${this.one(b)}`;
      }
      return String(this.one(Number(token)));
    });
  }

  private one(n: number): number {
    return n >= 1024 ? (this.shown(n) ?? n) : n;
  }
}

/** The port a 227 reply, 229 reply, PORT or EPRT line names, if it is one. */
export function portInLine(dir: Dir, text: string): { role: "passive" | "client-data"; port: number } | null {
  if (dir === "S" && text.startsWith("227")) {
    const m = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(text);
    if (m) return { role: "passive", port: Number(m[5]) * 256 + Number(m[6]) };
  }
  if (dir === "S" && text.startsWith("229")) {
    const m = /\(([\x21-\x7e])\1\1(\d{1,5})\1\)/.exec(text);
    if (m) return { role: "passive", port: Number(m[2]) };
  }
  if (dir === "C") {
    const port = /^PORT\s+\d{1,3},\d{1,3},\d{1,3},\d{1,3},(\d{1,3}),(\d{1,3})\s*$/i.exec(text);
    if (port) return { role: "client-data", port: Number(port[1]) * 256 + Number(port[2]) };
    const eprt = /^EPRT\s+([\x21-\x7e])\d\1[^\s]+?\1(\d{1,5})\1\s*$/i.exec(text);
    if (eprt) return { role: "client-data", port: Number(eprt[2]) };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// mermaid

/** Mermaid cuts message text at "#" and ";" (and reads "<...>" as HTML): write them as entities. */
export function mermaidText(text: string): string {
  return text
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
    .replace(/[#;<>]/g, (c) => `#${c.charCodeAt(0)};`)
    .trim();
}

const LISTINGS = new Set(["LIST", "NLST", "MLSD"]);

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function countLines(bytes: Buffer): number {
  const text = bytes.toString("utf8");
  if (text === "") return 0;
  return text.replace(/\r?\n$/, "").split(/\r?\n/).length;
}

/** The mermaid source (without the ``` fence) for a recording. */
export function renderDiagram(recording: Recording): string {
  const items = orderEvents(recording.entries, recording.notes);
  const labels = new PortLabels(recording.controlPort, recording.range);

  // One pass, in order: a port gets its label where it first appears (a 227/229 reply, a
  // PORT/EPRT command, a connection), and each data connection keeps the lane of its chosen
  // (listening) port: the server's for passive mode, the client's for active mode.
  const laneOfConn = new Map<DataConn, { id: string; side: "server" | "client"; port: number }>();
  const laneOf = (conn: DataConn) => {
    let lane = laneOfConn.get(conn);
    if (!lane) {
      const passive = conn.opener === "C" || (conn.opener === null && labels.labels.get(conn.remotePort)?.role === "passive");
      const port = passive ? labels.passivePort(conn.remotePort) : labels.clientDataPort(conn.localPort);
      lane = passive ? { id: `P${port}`, side: "server", port } : { id: `A${port}`, side: "client", port };
      laneOfConn.set(conn, lane);
    }
    return lane;
  };
  const rewrite = (text: string) => labels.rewrite(recording.rootDir ? text.split(recording.rootDir).join(SHOWN_ROOT) : text);
  const lanes = new Map<string, string>();
  const body: string[] = [];
  const say = (from: string, to: string, dir: Dir, text: string) => body.push(`${from}${dir === "C" ? "->>" : "-->>"}${to}: ${mermaidText(text)}`);
  let command = "";
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    switch (item.kind) {
      case "line": {
        const named = portInLine(item.dir, item.text);
        if (named?.role === "passive") labels.passivePort(named.port, true);
        if (named?.role === "client-data") labels.clientDataPort(named.port);
        if (item.dir === "C") command = item.text.trim().split(/\s+/)[0]!.toUpperCase();
        say(item.dir === "C" ? "Client" : "Server", item.dir === "C" ? "Server" : "Client", item.dir, rewrite(item.text));
        break;
      }
      case "control-open":
        say("Client", "Server", "C", `client connects to :${SHOWN_CONTROL_PORT}`);
        break;
      case "control-close":
        if (item.dir === "C") say("Client", "Server", "C", "client closes the control connection");
        else say("Server", "Client", "S", "server closes the control connection");
        break;
      case "note": {
        const over = item.over === "client" ? "Client" : item.over === "server" ? "Server" : "Client,Server";
        body.push(`Note over ${over}: ${item.text.split("\n").map((l) => mermaidText(rewrite(l))).join("<br/>")}`);
        break;
      }
      case "data-open":
      case "data-bytes":
      case "data-close": {
        const lane = laneOf(item.conn);
        const port = lane.port;
        lanes.set(lane.id, lane.side === "server" ? `Server data :${port}` : `Client data :${port}`);
        // The end of the connection that is not the lane is drawn on Client or Server.
        const clientEnd = lane.side === "client" ? lane.id : "Client";
        const serverEnd = lane.side === "server" ? lane.id : "Server";
        const [from, to] = item.dir === "C" ? [clientEnd, serverEnd] : [serverEnd, clientEnd];
        let text: string;
        if (item.kind === "data-open") {
          text = item.dir === "C" ? `client connects to :${port}` : `server connects to client :${port}`;
        } else if (item.kind === "data-close") {
          text = `${item.dir === "C" ? "client" : "server"} closes the data connection`;
        } else {
          // One message for consecutive chunks of the same connection and direction.
          const chunks = [item.bytes];
          while (true) {
            const next = items[i + 1];
            if (next?.kind !== "data-bytes" || next.conn !== item.conn || next.dir !== item.dir) break;
            chunks.push(next.bytes);
            i++;
          }
          const bytes = Buffer.concat(chunks);
          text = LISTINGS.has(command) && item.dir === "S" ? `${command} output, ${plural(countLines(bytes), "line", "lines")}` : plural(bytes.length, "byte", "bytes");
        }
        say(from, to, item.dir, text);
        break;
      }
    }
  }

  const participants = [
    ...[...lanes].filter(([id]) => id.startsWith("A")).map(([id, name]) => `participant ${id} as ${name}`),
    "participant Client",
    "participant Server",
    ...[...lanes].filter(([id]) => id.startsWith("P")).map(([id, name]) => `participant ${id} as ${name}`),
  ];
  const header = [
    `%% ${recording.scenario}: ${recording.title}`,
    `%% Recorded by npm run gen from a real session with ${recording.target}${recording.shownArgs.length ? ` (${recording.shownArgs.join(" ")})` : ""}.`,
    `%% ports renumbered in order of appearance: control ${SHOWN_CONTROL_PORT}, passive ${recording.range ? recording.range.shown.from : SHOWN_PASSIVE_BASE}.., client data ${SHOWN_CLIENT_DATA_BASE}..`,
  ];
  return ["sequenceDiagram", ...[...header.map(noBreaks), ...participants, ...body].map((l) => `    ${l}`)].join("\n");
}

function noBreaks(line: string): string {
  return line.replace(/[\r\n]+/g, " ");
}
