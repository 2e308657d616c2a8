import { describe, expect, it } from "vitest";
import { Transcript } from "../harness/index.ts";

describe("Transcript.text", () => {
  it("joins split control lines, keeps directions and data connections apart, flags missing CRLF", () => {
    const t = new Transcript();
    const ctl = { conn: "control" as const, localPort: 5000, remotePort: 21 };
    const data = { conn: "data" as const, localPort: 5001, remotePort: 2020 };
    t.add({ ...ctl, dir: "S", bytes: Buffer.from("220 he") });
    t.add({ ...ctl, dir: "S", bytes: Buffer.from("llo\r\n") });
    t.add({ ...ctl, dir: "C", bytes: Buffer.from("STOR x\r\n") });
    t.add({ ...data, dir: "C", bytes: Buffer.alloc(10) });
    t.add({ ...data, dir: "C", bytes: Buffer.alloc(5) });
    t.add({ ...data, dir: "S", bytes: Buffer.alloc(2) });
    t.add({ ...data, localPort: 5002, dir: "S", bytes: Buffer.alloc(3) });
    t.add({ ...ctl, dir: "S", bytes: Buffer.from("226 done\n") });
    expect(t.text()).toBe(
      [
        "S: 220 hello",
        "C: STOR x",
        "D: 15 bytes (client port 5001 -> server port 2020)",
        "D: 2 bytes (server port 2020 -> client port 5001)",
        "D: 3 bytes (server port 2020 -> client port 5002)",
        "S: 226 done\\n [no CRLF]",
      ].join("\n"),
    );
    expect(t.entries()).toHaveLength(8);
    expect(t.entries()[0]!.text).toBe("220 he");
  });
});
