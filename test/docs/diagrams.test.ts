/**
 * tools/docs/diagrams.ts on synthetic transcripts: the exact mermaid text, ports renumbered
 * (227 tuples recomputed, PORT/EPRT, the range, ports named in text), and the stable order of
 * events that real sessions deliver in varying order.
 */
import { describe, expect, it } from "vitest";
import type { TranscriptEntry } from "../harness/transcript.ts";
import { mermaidText, orderEvents, PortLabels, portInLine, renderDiagram, type RecordedNote, type Recording } from "../../tools/docs/diagrams.ts";

// ---- a tiny transcript builder ----------------------------------------------------------------

const CONTROL = { localPort: 41000, remotePort: 39123 }; // test side, server side (2121 in the diagram)

function control(dir: "C" | "S", text: string): TranscriptEntry {
  const bytes = Buffer.from(`${text}\r\n`);
  return { t: 0, conn: "control", dir, text, bytes, ...CONTROL };
}
function controlEvent(dir: "C" | "S", event: "open" | "close"): TranscriptEntry {
  return { t: 0, conn: "control", dir, text: "", bytes: Buffer.alloc(0), event, ...CONTROL };
}
function data(dir: "C" | "S", ports: { localPort: number; remotePort: number }, what: string | "open" | "close"): TranscriptEntry {
  if (what === "open" || what === "close") return { t: 0, conn: "data", dir, text: "", bytes: Buffer.alloc(0), event: what, ...ports };
  return { t: 0, conn: "data", dir, text: what, bytes: Buffer.from(what), ...ports };
}

function recording(entries: TranscriptEntry[], extra: Partial<Recording> = {}): Recording {
  return { scenario: "test", title: "a synthetic session", target: "final", shownArgs: ["-d", "/srv/ftp"], entries, notes: [], controlPort: 39123, ...extra };
}

// Passive data connection: test side 45001 (ephemeral), server side 52011 = 203*256+43.
const PASSIVE = { localPort: 45001, remotePort: 52011 };
// Active: the test listens on 47000 = 183*256+152; the server connects from 33333.
const ACTIVE = { localPort: 47000, remotePort: 33333 };

const LISTING = "-rw-r--r-- 1 ftp ftp 12 Nov 21 11:00 notes.txt\r\ndrwxr-xr-x 2 ftp ftp 4096 Nov 21 11:00 pub\r\n";

/** A session in the order the server did things. */
function natural(): TranscriptEntry[] {
  return [
    controlEvent("C", "open"),
    control("S", "220 ftp-lab FTP server ready."),
    control("C", "USER anonymous"),
    control("S", "331 Anonymous login ok; send your e-mail address as password."),
    control("C", "PASS guest@example.com"),
    control("S", "230 Login successful."),
    control("C", "PASV"),
    control("S", "227 Entering Passive Mode (127,0,0,1,203,43)."),
    data("C", PASSIVE, "open"),
    control("C", "LIST"),
    control("S", "150 Opening data connection; listing /."),
    data("S", PASSIVE, LISTING.slice(0, 20)),
    data("S", PASSIVE, LISTING.slice(20)),
    data("S", PASSIVE, "close"),
    data("C", PASSIVE, "close"), // Node's automatic answer: not drawn
    control("S", "226 Transfer complete."),
    control("C", "PORT 127,0,0,1,183,152"),
    control("S", "200 PORT command successful."),
    control("C", "RETR notes.txt"),
    control("S", "150 Opening data connection; BINARY transfer of /notes.txt (12 bytes)."),
    data("S", ACTIVE, "open"),
    data("S", ACTIVE, "twelve bytes"),
    data("S", ACTIVE, "close"),
    control("S", "226 Transfer complete."),
    control("C", "QUIT"),
    control("S", "221 Goodbye."),
    controlEvent("S", "close"),
  ];
}

const EXPECTED = `sequenceDiagram
    %% test: a synthetic session
    %% Recorded by npm run gen from a real session with final (-d /srv/ftp).
    %% ports renumbered in order of appearance: control 2121, passive 60000.., client data 50001..
    participant A50001 as Client data :50001
    participant Client
    participant Server
    participant P60000 as Server data :60000
    Client->>Server: client connects to :2121
    Server-->>Client: 220 ftp-lab FTP server ready.
    Client->>Server: USER anonymous
    Server-->>Client: 331 Anonymous login ok#59; send your e-mail address as password.
    Client->>Server: PASS guest@example.com
    Server-->>Client: 230 Login successful.
    Client->>Server: PASV
    Server-->>Client: 227 Entering Passive Mode (127,0,0,1,234,96).
    Client->>P60000: client connects to :60000
    Client->>Server: LIST
    Server-->>Client: 150 Opening data connection#59; listing /.
    P60000-->>Client: LIST output, 2 lines
    P60000-->>Client: server closes the data connection
    Server-->>Client: 226 Transfer complete.
    Client->>Server: PORT 127,0,0,1,195,81
    Server-->>Client: 200 PORT command successful.
    Client->>Server: RETR notes.txt
    Server-->>Client: 150 Opening data connection#59; BINARY transfer of /notes.txt (12 bytes).
    Server-->>A50001: server connects to client :50001
    Server-->>A50001: 12 bytes
    Server-->>A50001: server closes the data connection
    Server-->>Client: 226 Transfer complete.
    Client->>Server: QUIT
    Server-->>Client: 221 Goodbye.
    Server-->>Client: server closes the control connection`;

describe("renderDiagram", () => {
  it("draws a fixed transcript exactly so: lanes for the chosen data ports, renumbered ports, one message per payload", () => {
    expect(renderDiagram(recording(natural()))).toBe(EXPECTED);
  });

  it("draws the same diagram when the client noticed events of two connections in another order", () => {
    const racy = natural();
    const move = (from: number, to: number) => racy.splice(to, 0, ...racy.splice(from, 1));
    // Passive: the 226 read before the listing's second chunk and the EOF; active: the
    // server's connection accepted before the 150 was read.
    const i226 = racy.findIndex((e, i) => i > 10 && e.text === "226 Transfer complete.");
    move(i226, 12);
    const iOpen = racy.findIndex((e) => e.conn === "data" && e.event === "open" && e.dir === "S");
    const i150 = racy.findIndex((e) => e.text.startsWith("150 Opening data connection; BINARY"));
    move(iOpen, i150);
    expect(racy.map((e) => e.text || e.event)).not.toEqual(natural().map((e) => e.text || e.event));
    expect(renderDiagram(recording(racy))).toBe(EXPECTED);
  });

  it("keeps time out of the picture: the same diagram whatever the timestamps", () => {
    const slow = natural().map((e, i) => ({ ...e, t: i * 1234.5 }));
    expect(renderDiagram(recording(slow))).toBe(EXPECTED);
  });

  it("draws notes where the script made them, with line breaks, over the side asked for", () => {
    const entries = natural().slice(0, 6);
    const notes: RecordedNote[] = [
      { at: 2, text: "first the user name", over: "client" },
      { at: 6, text: "logged in;\nnow on port 39123", over: "server" },
    ];
    const text = renderDiagram(recording(entries, { notes }));
    expect(text).toContain("    Server-->>Client: 220 ftp-lab FTP server ready.\n    Note over Client: first the user name\n    Client->>Server: USER anonymous");
    expect(text.endsWith("Server-->>Client: 230 Login successful.\n    Note over Server: logged in#59;<br/>now on port 2121")).toBe(true);
  });

  it("with a range, numbers passive ports from the range shown, and rewrites the range and EPSV ports in text", () => {
    const second = { localPort: 45002, remotePort: 52005 };
    const entries = [
      controlEvent("C", "open"),
      control("S", "220 ready"),
      control("C", "PASV"),
      control("S", "227 Entering Passive Mode (127,0,0,1,203,43)."),
      data("C", PASSIVE, "open"),
      control("C", "EPSV"),
      control("S", "229 Entering Extended Passive Mode (|||52005|)"),
      data("C", second, "open"),
    ];
    const notes: RecordedNote[] = [{ at: 0, text: "forward ports 52000-52019 and 39123", over: "server" }];
    const range = { real: { from: 52000, to: 52019 }, shown: { from: 60000, to: 60019 } };
    const text = renderDiagram(recording(entries, { notes, range, shownArgs: ["--range", "60000-60019"] }));
    expect(text).toContain("Note over Server: forward ports 60000-60019 and 2121");
    expect(text).toContain("Server-->>Client: 227 Entering Passive Mode (127,0,0,1,234,96).");
    expect(text).toContain("Client->>P60000: client connects to :60000");
    expect(text).toContain("Server-->>Client: 229 Entering Extended Passive Mode (|||60001|)");
    expect(text).toContain("Client->>P60001: client connects to :60001");
    expect(text).toContain("participant P60000 as Server data :60000\n    participant P60001 as Server data :60001");
    expect(text).toContain("%% ports renumbered in order of appearance: control 2121, passive 60000..");
  });

  it("gives every 227/229 reply the next label, even when the server picked the same real port again", () => {
    const again = { localPort: 45002, remotePort: PASSIVE.remotePort };
    const entries = [
      control("C", "PASV"),
      control("S", "227 Entering Passive Mode (127,0,0,1,203,43)."),
      data("C", PASSIVE, "open"),
      control("C", "EPSV"),
      control("S", "229 Entering Extended Passive Mode (|||52011|)"),
      data("C", again, "open"),
      control("C", "EPSV"),
      control("S", "229 Entering Extended Passive Mode (|||52011|)"),
    ];
    const text = renderDiagram(recording(entries));
    expect(text).toContain("Client->>P60000: client connects to :60000");
    expect(text).toContain("(|||60001|)");
    expect(text).toContain("Client->>P60001: client connects to :60001");
    expect(text).toContain("(|||60002|)");
    // A one-port range has one label.
    const one = renderDiagram(recording(entries, { range: { real: { from: 52011, to: 52011 }, shown: { from: 60000, to: 60000 } } }));
    expect(one).not.toContain("60001");
    expect(one.match(/\(\|\|\|60000\|\)/g)).toHaveLength(2);
  });

  it("draws an upload: the client sends the bytes and closes the data connection", () => {
    const entries = [
      control("C", "STOR up.txt"),
      control("S", "150 Ok to send data."),
      data("C", PASSIVE, "hello"),
      data("C", PASSIVE, "close"),
      data("S", PASSIVE, "close"),
      control("S", "226 Transfer complete."),
    ];
    const text = renderDiagram(recording([control("S", "227 Entering Passive Mode (127,0,0,1,203,43)."), data("C", PASSIVE, "open"), ...entries]));
    expect(text).toContain("Client->>P60000: 5 bytes\n    Client->>P60000: client closes the data connection\n    Server-->>Client: 226 Transfer complete.");
    expect(text).not.toContain("server closes the data connection");
  });

  it("replaces the temp folder by /srv/ftp", () => {
    const text = renderDiagram(recording([control("S", "550 /tmp/ftp-lab-x1/a: no")], { rootDir: "/tmp/ftp-lab-x1" }));
    expect(text).toContain("Server-->>Client: 550 /srv/ftp/a: no");
  });
});

describe("PortLabels", () => {
  it("labels in order of first appearance and recomputes 227 and PORT tuples", () => {
    const labels = new PortLabels(39123);
    expect(labels.passivePort(52011)).toBe(60000);
    expect(labels.passivePort(41000)).toBe(60001);
    expect(labels.passivePort(52011)).toBe(60000);
    expect(labels.clientDataPort(47000)).toBe(50001);
    expect(labels.rewrite("227 Entering Passive Mode (127,0,0,1,203,43).")).toBe("227 Entering Passive Mode (127,0,0,1,234,96).");
    expect(labels.rewrite("227 =10,0,0,7,160,40")).toBe("227 =10,0,0,7,234,97"); // 41000 -> 60001, no parentheses
    expect(labels.rewrite("PORT 127,0,0,1,183,152")).toBe("PORT 127,0,0,1,195,81");
    expect(labels.rewrite("EPRT |1|127.0.0.1|47000|")).toBe("EPRT |1|127.0.0.1|50001|");
    expect(labels.rewrite("425 Can't open data connection to 127.0.0.1 port 47000.")).toBe("425 Can't open data connection to 127.0.0.1 port 50001.");
    expect(labels.rewrite("listening on 127.0.0.1:39123")).toBe("listening on 127.0.0.1:2121");
  });

  it("leaves alone numbers that are not labelled ports, small numbers and tuples of unknown ports", () => {
    const labels = new PortLabels(39123);
    labels.passivePort(52011);
    expect(labels.rewrite("150 sending /a.txt (52011 bytes, 1000 lines)")).toBe("150 sending /a.txt (60000 bytes, 1000 lines)");
    expect(labels.rewrite("213 20261121110000")).toBe("213 20261121110000");
    expect(labels.rewrite("227 (127,0,0,1,1,1)")).toBe("227 (127,0,0,1,1,1)");
    expect(labels.rewrite("ports 52011-52012")).toBe("ports 60000-52012");
  });

  it("never rewrites a label again (one pass)", () => {
    // Real port 60000 is the second passive port: label 60001; real 52011 gets label 60000.
    const labels = new PortLabels(39123);
    labels.passivePort(52011);
    labels.passivePort(60000);
    expect(labels.rewrite("52011 then 60000")).toBe("60000 then 60001");
  });

  it("finds the port a 227, 229, PORT or EPRT line names", () => {
    expect(portInLine("S", "227 Entering Passive Mode (127,0,0,1,203,43).")).toEqual({ role: "passive", port: 52011 });
    expect(portInLine("S", "229 Entering Extended Passive Mode (|||52005|)")).toEqual({ role: "passive", port: 52005 });
    expect(portInLine("C", "PORT 127,0,0,1,183,152")).toEqual({ role: "client-data", port: 47000 });
    expect(portInLine("C", "EPRT |2|::1|47001|")).toEqual({ role: "client-data", port: 47001 });
    expect(portInLine("C", "LIST")).toBeNull();
  });
});

describe("mermaid text", () => {
  it("writes characters mermaid would cut the message at as entity codes", () => {
    expect(mermaidText("150 Opening; #1 <b>")).toBe("150 Opening#59; #35;1 #60;b#62;");
  });

  it("orders events per connection as they came, and drops the answering close", () => {
    const items = orderEvents(natural());
    expect(items.filter((i) => i.kind === "data-close")).toHaveLength(2);
    expect(items.filter((i) => i.kind === "line")).toHaveLength(natural().filter((e) => e.conn === "control" && !e.event).length);
  });
});
