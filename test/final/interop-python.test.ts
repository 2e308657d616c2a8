/**
 * Python's ftplib (the standard library client) against the final server, logged in as
 * anonymous with write access (-w): MLSD facts vs. the real files, REST with RETR and STOR,
 * ABOR during a big download, NLST/SIZE/MDTM, rename/delete/mkd/rmd, and ASCII mode both ways.
 *
 * Each test runs one python3 script (host and port in argv, inputs as JSON in argv[3]) that
 * prints one JSON line of results; bytes go through files so they can be compared exactly.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { expectBytes, makeTempRoot, startServer, type RunningServer, type TempRoot } from "../harness/index.ts";
import { describeNeeding } from "../harness/tools-available.ts";
import { interopSeed, makeLocalDir, runPython, seededBytes } from "./interop-helpers.ts";

const SEED = interopSeed(0x9e7);
const BIG = 3 * 1024 * 1024 + 5;
/** Big enough that the server is still sending (blocked on a full socket) when ABOR arrives. */
const HUGE = 24 * 1024 * 1024;
const TEXT = "first line\nsecond: ünïcødé\n\nlast line after an empty one\n";
/** A fixed modification time for the MLSD/MDTM checks: 2021-03-04 05:06:07 UTC. */
const MTIME = new Date(Date.UTC(2021, 2, 4, 5, 6, 7));

const files: Record<string, Buffer | null> = {
  "facts/empty.bin": Buffer.alloc(0),
  "facts/one.bin": seededBytes(SEED, "one", 1),
  "facts/ünï çødé.bin": seededBytes(SEED, "unicode", 54_321),
  "facts/sub dir": null,
  "big.bin": seededBytes(SEED, "big", BIG),
  "huge.bin": seededBytes(SEED, "huge", HUGE),
  "text.txt": Buffer.from(TEXT, "utf8"),
  "misc/a.bin": seededBytes(SEED, "a", 10),
  "misc/b c.bin": seededBytes(SEED, "bc", 20_000),
  "misc/ñ.bin": seededBytes(SEED, "n", 0),
  "misc/rename me.bin": seededBytes(SEED, "rn", 99),
  "misc/delete me.bin": seededBytes(SEED, "del", 5),
  "meta/touch me.bin": seededBytes(SEED, "touch", 42),
};

let root: TempRoot;
let server: RunningServer;
let local: { dir: string; cleanup(): void };

beforeAll(async () => {
  root = makeTempRoot(files);
  for (const rel of ["facts/empty.bin", "facts/one.bin", "facts/ünï çødé.bin", "facts/sub dir", "misc/b c.bin"]) fs.utimesSync(root.path(rel), MTIME, MTIME);
  local = makeLocalDir();
  server = await startServer({ root: root.dir, args: ["-w", "--auth-failed-delay", "0"] });
});

afterAll(async () => {
  await server?.stop();
  root?.cleanup();
  local?.cleanup();
});

const PRELUDE = `
import ftplib, io, json, sys, time
host, port = sys.argv[1], int(sys.argv[2])
arg = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
def connect():
    f = ftplib.FTP(timeout=10, encoding="utf-8")
    f.connect(host, port)
    f.login()
    return f
def out(obj):
    print(json.dumps(obj))
`;

function py<T>(what: string, body: string, input: unknown = {}): Promise<T> {
  return runPython<T>(PRELUDE + body, [server.host, String(server.port), JSON.stringify(input)], what, server);
}

function ftpTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

describeNeeding(["python3"], "python3 ftplib", () => {
  it("logs in, and mlsd() facts (type, size, modify) match the real files", async () => {
    const res = await py<{ welcome: string; login: string; entries: Array<[string, Record<string, string>]> }>(
      "mlsd",
      `
f = ftplib.FTP(timeout=10, encoding="utf-8")
welcome = f.connect(host, port)
login = f.login()
out({"welcome": welcome, "login": login, "entries": list(f.mlsd("/facts"))})
f.quit()
`,
    );
    expect(res.welcome, "greeting").toMatch(/^220/);
    expect(res.login, "anonymous login").toMatch(/^230/);
    const got = res.entries
      .filter(([name]) => name !== "." && name !== "..")
      .map(([name, facts]) => ({ name, type: facts.type, size: facts.type === "file" ? facts.size : undefined, modify: facts.modify?.slice(0, 14) }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const want = fs
      .readdirSync(root.path("facts"))
      .map((name) => {
        const st = fs.statSync(root.path(`facts/${name}`));
        return { name, type: st.isDirectory() ? "dir" : "file", size: st.isDirectory() ? undefined : String(st.size), modify: ftpTime(st.mtime) };
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    expect(got, `mlsd("/facts") vs. the files on disk (raw: ${JSON.stringify(res.entries)})`).toEqual(want);
    expect(want.every((w) => w.modify === ftpTime(MTIME)), "fixture mtimes").toBe(true);
  });

  it("retrbinary with rest= returns exactly the bytes from that offset (middle, last byte, end of file)", async () => {
    const full = files["big.bin"]!;
    const offsets = [1_500_001, BIG - 1, BIG];
    const outs = offsets.map((o) => path.join(local.dir, `rest-${o}.bin`));
    const res = await py<{ replies: string[] }>(
      "retrbinary rest=",
      `
f = connect()
replies = []
for off, dst in zip(arg["offsets"], arg["outs"]):
    with open(dst, "wb") as fp:
        replies.append(f.retrbinary("RETR big.bin", fp.write, rest=off))
f.quit()
out({"replies": replies})
`,
      { offsets, outs },
    );
    expect(res.replies.every((r) => r.startsWith("226")), `replies to RETR after REST: ${JSON.stringify(res.replies)}`).toBe(true);
    offsets.forEach((o, i) => {
      expectBytes(fs.readFileSync(outs[i]!), full.subarray(o), { what: `retrbinary("RETR big.bin", rest=${o}) (seed ${SEED})` });
    });
  });

  it("storbinary with rest= resumes an upload: first half, then the rest at REST <half>", async () => {
    const bytes = seededBytes(SEED, "resume-upload", 2 * 1024 * 1024 + 3);
    const src = path.join(local.dir, "resume-upload.bin");
    fs.writeFileSync(src, bytes);
    const half = 1_048_577;
    const res = await py<{ first: string; second: string; size: number }>(
      "storbinary rest=",
      `
f = connect()
data = open(arg["src"], "rb").read()
half = arg["half"]
first = f.storbinary("STOR resumed upload ñ.bin", io.BytesIO(data[:half]))
second = f.storbinary("STOR resumed upload ñ.bin", io.BytesIO(data[half:]), rest=half)
size = f.size("resumed upload ñ.bin")
f.quit()
out({"first": first, "second": second, "size": size})
`,
      { src, half },
    );
    expect(res.first, "reply to the first STOR").toMatch(/^226/);
    expect(res.second, "reply to STOR after REST").toMatch(/^226/);
    expectBytes(root.read("resumed upload ñ.bin"), bytes, { what: `file uploaded in two parts (STOR, then REST ${half} + STOR) (seed ${SEED})` });
    expect(res.size, "SIZE after the resumed upload").toBe(bytes.length);
  });

  it("abort() during a big RETR: 426 then 226 (or 226 then 225/226 if it had finished), and the session goes on", async () => {
    const prefixFile = path.join(local.dir, "abort-prefix.bin");
    const afterFile = path.join(local.dir, "abort-after.bin");
    const res = await py<{ first: string; second: string; noop: string; received: number; after: string }>(
      "abort",
      `
f = connect()
f.voidcmd("TYPE I")
conn = f.transfercmd("RETR huge.bin")
got = b""
while len(got) < 65536:
    chunk = conn.recv(65536 - len(got))
    if not chunk:
        break
    got += chunk
open(arg["prefix"], "wb").write(got)
first = f.abort()          # sends ABOR as urgent data, reads one reply (426, 225 or 226)
conn.close()
second = f.getresp()       # the reply that closes the ABOR exchange
noop = f.voidcmd("NOOP")
with open(arg["after"], "wb") as fp:
    after = f.retrbinary("RETR misc/a.bin", fp.write)
f.quit()
out({"first": first, "second": second, "noop": noop, "received": len(got), "after": after})
`,
      { prefix: prefixFile, after: afterFile },
    );
    const pair = `${res.first.slice(0, 3)}/${res.second.slice(0, 3)}`;
    expect(
      ["426/226", "226/226", "226/225"],
      `replies after ABOR during RETR were ${JSON.stringify([res.first, res.second])}; RFC 959 wants 426 (transfer aborted) then 226 (ABOR ok), or, if the transfer had already finished, 226 then 225/226`,
    ).toContain(pair);
    // The 24 MB file cannot have been sent completely into a reader that stopped after 64 kB.
    expect(pair, "the transfer of a 24 MB file cannot have completed before ABOR (the client read only 64 kB)").toBe("426/226");
    expect(res.noop, "NOOP after ABOR").toMatch(/^200/);
    expectBytes(fs.readFileSync(prefixFile), files["huge.bin"]!.subarray(0, res.received), { what: "bytes received before ABOR" });
    expect(res.after, "RETR after ABOR").toMatch(/^226/);
    expectBytes(fs.readFileSync(afterFile), files["misc/a.bin"]!, { what: "RETR misc/a.bin after ABOR" });
  });

  it("nlst, size, MDTM, rename, delete, mkd and rmd", async () => {
    const res = await py<{
      nlst: string[];
      sizes: Record<string, number>;
      mdtm: string;
      rename: string;
      delete: string;
      mkd: string;
      madeExists: boolean;
      rmd: string;
      missingSize: string;
    }>(
      "nlst/size/mdtm/rename/delete/mkd/rmd",
      `
f = connect()
res = {}
res["nlst"] = sorted(f.nlst("misc"))
res["sizes"] = {n: f.size("misc/" + n) for n in ["a.bin", "b c.bin", "ñ.bin"]}
res["mdtm"] = f.sendcmd("MDTM misc/b c.bin")
res["rename"] = f.rename("misc/rename me.bin", "misc/renamed ü.bin")
res["delete"] = f.delete("misc/delete me.bin")
res["mkd"] = f.mkd("misc/new dir ñ")
res["madeExists"] = "new dir ñ" in [n.rsplit("/", 1)[-1] for n in f.nlst("misc")]
res["rmd"] = f.rmd("misc/new dir ñ")
try:
    f.size("misc/no such file")
    res["missingSize"] = "no error"
except ftplib.error_perm as e:
    res["missingSize"] = str(e)
f.quit()
out(res)
`,
    );
    const names = res.nlst.map((n) => n.replace(/^.*\//, "")).sort();
    expect(names, `nlst("misc") (raw: ${JSON.stringify(res.nlst)})`).toEqual(Object.keys(files).filter((k) => k.startsWith("misc/")).map((k) => k.slice(5)).sort());
    expect(res.sizes, "size() of misc files").toEqual({ "a.bin": 10, "b c.bin": 20_000, "ñ.bin": 0 });
    expect(res.mdtm, "MDTM of a file with a known mtime").toBe(`213 ${ftpTime(MTIME)}`);
    expect(res.rename, "rename() final reply").toMatch(/^250/);
    expect(fs.existsSync(root.path("misc/rename me.bin")), "old name after rename").toBe(false);
    expectBytes(root.read("misc/renamed ü.bin"), files["misc/rename me.bin"]!, { what: "renamed file" });
    expect(res.delete, "delete() reply").toMatch(/^250/);
    expect(fs.existsSync(root.path("misc/delete me.bin")), "deleted file still on disk").toBe(false);
    expect(res.mkd, "mkd() returns the new folder's path").toBe("/misc/new dir ñ");
    expect(res.madeExists, "nlst after mkd shows the folder").toBe(true);
    expect(res.rmd, "rmd() reply").toMatch(/^250/);
    expect(fs.existsSync(root.path("misc/new dir ñ")), "folder still on disk after rmd").toBe(false);
    expect(res.missingSize, "size() of a missing file").toMatch(/^550/);
  });

  it("retrlines in ASCII mode returns the lines of an LF text file, sent as CRLF on the wire", async () => {
    const rawFile = path.join(local.dir, "ascii-raw.bin");
    const res = await py<{ lines: string[]; reply: string }>(
      "retrlines",
      `
f = connect()
lines = []
reply = f.retrlines("RETR text.txt", lines.append)
f.voidcmd("TYPE A")
conn = f.transfercmd("RETR text.txt")
raw = b""
while True:
    chunk = conn.recv(65536)
    if not chunk:
        break
    raw += chunk
conn.close()
f.voidresp()
open(arg["raw"], "wb").write(raw)
f.quit()
out({"lines": lines, "reply": reply})
`,
      { raw: rawFile },
    );
    expect(res.reply).toMatch(/^226/);
    expect(res.lines, "retrlines of text.txt").toEqual(TEXT.replace(/\n$/, "").split("\n"));
    expectBytes(fs.readFileSync(rawFile), Buffer.from(TEXT.replace(/\n/g, "\r\n"), "utf8"), { what: "text.txt as sent in TYPE A (must be CRLF on the wire)" });
  });

  it("storlines (TYPE A) uploads CRLF text that is stored with LF", async () => {
    const crlf = "alpha\r\nbeta ünï\r\n\r\ngamma\r\n";
    const res = await py<{ reply: string }>(
      "storlines",
      `
f = connect()
reply = f.storlines("STOR stored lines.txt", io.BytesIO(arg["text"].encode("utf-8")))
f.quit()
out({"reply": reply})
`,
      { text: crlf },
    );
    expect(res.reply).toMatch(/^226/);
    expectBytes(root.read("stored lines.txt"), Buffer.from(crlf.replace(/\r\n/g, "\n"), "utf8"), { what: "file stored by storlines (TYPE A: CRLF must become LF)" });
  });

  it("active mode (set_pasv(False): EPRT/PORT) downloads and uploads byte-exact", async () => {
    const dst = path.join(local.dir, "active-down.bin");
    const src = path.join(local.dir, "active-up.bin");
    const up = seededBytes(SEED, "active-up", 1_500_007);
    fs.writeFileSync(src, up);
    const res = await py<{ down: string; up: string; log: string[] }>(
      "set_pasv(False)",
      `
f = connect()
f.set_pasv(False)
log = []
f.putcmd = (lambda orig: (lambda line: (log.append(line), orig(line))[1]))(f.putcmd)
with open(arg["dst"], "wb") as fp:
    down = f.retrbinary("RETR big.bin", fp.write)
with open(arg["src"], "rb") as fp:
    up = f.storbinary("STOR active upload.bin", fp)
f.quit()
out({"down": down, "up": up, "log": log})
`,
      { dst, src },
    );
    expect(res.log.some((l) => /^(PORT|EPRT) /.test(l)), `ftplib should have used PORT/EPRT; it sent ${JSON.stringify(res.log)}`).toBe(true);
    expect(res.log.some((l) => /^(PASV|EPSV)/.test(l)), `ftplib must not use passive mode after set_pasv(False); it sent ${JSON.stringify(res.log)}`).toBe(false);
    expect(res.down).toMatch(/^226/);
    expect(res.up).toMatch(/^226/);
    expectBytes(fs.readFileSync(dst), files["big.bin"]!, { what: `active-mode retrbinary of big.bin (seed ${SEED})` });
    expectBytes(root.read("active upload.bin"), up, { what: `active-mode storbinary (seed ${SEED})` });
  });

  it("MFMT sets the modification time and SITE CHMOD the mode on disk; abort() with no transfer answers 225/226", async () => {
    const res = await py<{ mfmt: string; mdtm: string; chmod: string; idleAbort: string }>(
      "MFMT/SITE CHMOD/idle abort",
      `
f = connect()
res = {}
res["mfmt"] = f.sendcmd("MFMT 20000102030405 meta/touch me.bin")
res["mdtm"] = f.sendcmd("MDTM meta/touch me.bin")
res["chmod"] = f.sendcmd("SITE CHMOD 600 meta/touch me.bin")
res["idleAbort"] = f.abort()
f.voidcmd("NOOP")
f.quit()
out(res)
`,
    );
    const st = fs.statSync(root.path("meta/touch me.bin"));
    expect(res.mfmt, "MFMT reply").toMatch(/^213/);
    expect(st.mtime.toISOString(), "mtime on disk after MFMT 20000102030405 (UTC)").toBe("2000-01-02T03:04:05.000Z");
    expect(res.mdtm, "MDTM after MFMT").toBe("213 20000102030405");
    expect(res.chmod, "SITE CHMOD reply").toMatch(/^200/);
    expect((st.mode & 0o777).toString(8), "mode on disk after SITE CHMOD 600").toBe("600");
    expect(res.idleAbort, "ABOR with no transfer running (RFC 959: 225 or 226)").toMatch(/^22[56]/);
  });
});
