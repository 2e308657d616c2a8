// What the soak's sessions do: each worker logs in, runs a random mix of operations (listings,
// downloads, resumed downloads, uploads, resumed uploads, appends, aborts), quits, and starts
// over until the time is up. A share of the workers is abusive: overlong and binary lines,
// pipelined floods, wrong passwords, PORT and passive connections from a foreign address,
// vanishing in the middle of a transfer.
//
// Everything that must hold is checked as it happens (codes, checksums of downloads) or
// recorded for the end (what each uploaded file must contain; which transfers the clients
// disturbed, so that the server's warnings about them are expected).

import { randomBytes } from "node:crypto";
import net from "node:net";
import { login } from "../wire/login.ts";
import { sleep } from "../wire/wait.ts";
import { Control, drain, sendAll, sha256, Violation, type Reply } from "./client.ts";

export interface CorpusFile {
  /** Virtual path, e.g. /corpus/f3.bin */
  vpath: string;
  data: Buffer;
  sha256: string;
}

export type Expectation = { kind: "exact"; sha256: string; size: number } | { kind: "prefix"; data: Buffer };

export interface Counters {
  sessions: number;
  operations: Record<string, number>;
  transfers: number;
  bytesDown: number;
  bytesUp: number;
  provoked: Record<string, number>;
}

export interface SoakContext {
  host: string;
  port: number;
  user: string;
  password: string;
  corpus: CorpusFile[];
  /** A big (sparse) file for aborted and abandoned downloads. */
  big: string;
  deadline: number;
  counters: Counters;
  /** Uploaded files (virtual path) -> what they must contain at the end. */
  expectations: Map<string, Expectation>;
  /** "RETR /corpus/big.bin" -> how many transfers of it the clients disturbed (ABOR, vanishing). */
  disturbed: Map<string, number>;
  violations: string[];
  /** Foreign source address for the abusive PASV/PORT tests (loopback). */
  foreign: string;
}

/** mulberry32: a small seeded generator, so a run can be replayed with --seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function count(record: Record<string, number>, key: string, n = 1): void {
  record[key] = (record[key] ?? 0) + n;
}

function disturb(ctx: SoakContext, command: string, vpath: string): void {
  ctx.disturbed.set(`${command} ${vpath}`, (ctx.disturbed.get(`${command} ${vpath}`) ?? 0) + 1);
}

/** The session ended on purpose (vanished) or by the server: start a new one. */
class SessionOver extends Error {}

type Op = (w: Worker) => Promise<void>;

class Worker {
  c!: Control;
  private n = 0;
  /** This worker's growing APPE target and its expected content. */
  private log: Buffer = Buffer.alloc(0);

  constructor(
    readonly id: number,
    readonly ctx: SoakContext,
    readonly random: () => number,
    readonly abusive: boolean,
  ) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  int(max: number): number {
    return Math.floor(this.random() * (max + 1));
  }

  name(kind: string): string {
    return `/up/w${this.id}/${kind}-${++this.n}.bin`;
  }

  async login(): Promise<void> {
    this.c = await Control.connect(this.ctx.host, this.ctx.port);
    if (this.c.greeting.code !== 220) throw new Violation(`greeting ${this.c.greeting.lines[0]}`);
    this.ctx.counters.sessions++;
    await login(this.c.ftp, this.ctx.user, this.ctx.password, { type: "I" });
    await this.c.expect(`CWD /up/w${this.id}`, 250);
  }

  /** PASV, connect, send the command, expect 1xx. */
  async open(command: string): Promise<net.Socket> {
    const p = await this.c.pasv();
    const s = await p.open();
    await this.c.expect(command, [125, 150]);
    return s;
  }

  async download(vpath: string, offset = 0): Promise<{ bytes: number; sha256: string }> {
    if (offset) await this.c.expect(`REST ${offset}`, 350);
    const s = await this.open(`RETR ${vpath}`);
    const got = await drain(s);
    await this.c.expectNext([226], `RETR ${vpath}`);
    this.ctx.counters.transfers++;
    this.ctx.counters.bytesDown += got.bytes;
    return got;
  }

  async upload(command: string, data: Buffer): Promise<void> {
    const s = await this.open(command);
    await sendAll(s, data);
    await this.c.expectNext([226], command);
    this.ctx.counters.transfers++;
    this.ctx.counters.bytesUp += data.length;
  }

  // ---- ordinary operations ---------------------------------------------------------------

  list: Op = async () => {
    const cmd = this.pick(["LIST /corpus", "NLST /corpus", "MLSD /corpus", "LIST -la", "STAT /corpus"]);
    if (cmd.startsWith("STAT")) {
      const r = await this.c.expect(cmd, 213);
      if (r.lines.length < this.ctx.corpus.length) throw new Violation(`STAT /corpus listed ${r.lines.length - 2} entries`);
      return;
    }
    const s = await this.open(cmd);
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve) => s.once("close", () => resolve()));
    await this.c.expectNext([226], cmd);
    const text = Buffer.concat(chunks).toString("utf8");
    if (text && !text.endsWith("\r\n")) throw new Violation(`${cmd}: listing does not end with CRLF`);
    if (cmd.includes("/corpus")) {
      for (const f of this.ctx.corpus) {
        const base = f.vpath.slice(f.vpath.lastIndexOf("/") + 1);
        if (!text.includes(base)) throw new Violation(`${cmd}: ${base} missing from the listing`);
      }
    }
    this.ctx.counters.transfers++;
  };

  retr: Op = async () => {
    const f = this.pick(this.ctx.corpus);
    const got = await this.download(f.vpath);
    if (got.sha256 !== f.sha256) throw new Violation(`RETR ${f.vpath}: checksum mismatch (${got.bytes} of ${f.data.length} bytes)`);
  };

  restRetr: Op = async () => {
    const f = this.pick(this.ctx.corpus.filter((x) => x.data.length > 0));
    const offset = this.int(f.data.length);
    const got = await this.download(f.vpath, offset);
    if (got.sha256 !== sha256(f.data.subarray(offset))) throw new Violation(`REST ${offset} + RETR ${f.vpath}: checksum mismatch`);
  };

  stor: Op = async () => {
    const size = this.pick([0, 1, 100, 4096, 65_536, 300_000, 1_200_000]);
    const data = randomBytes(size);
    const vpath = this.name("stor");
    await this.upload(`STOR ${vpath}`, data);
    this.ctx.expectations.set(vpath, { kind: "exact", sha256: sha256(data), size });
    if (this.random() < 0.3) {
      const back = await this.download(vpath);
      if (back.sha256 !== sha256(data)) throw new Violation(`RETR ${vpath} right after STOR: checksum mismatch`);
    }
  };

  storResume: Op = async () => {
    const data = randomBytes(this.pick([10_000, 500_000, 1_000_000]));
    const cut = this.int(data.length);
    const vpath = this.name("resume");
    await this.upload(`STOR ${vpath}`, data.subarray(0, cut));
    await this.c.expect(`REST ${cut}`, 350);
    await this.upload(`STOR ${vpath}`, data.subarray(cut));
    this.ctx.expectations.set(vpath, { kind: "exact", sha256: sha256(data), size: data.length });
  };

  appe: Op = async () => {
    const vpath = `/up/w${this.id}/appe.bin`;
    if (this.log.length > 512 * 1024) {
      await this.c.expect(`DELE ${vpath}`, 250);
      this.log = Buffer.alloc(0);
    }
    const more = randomBytes(this.int(64 * 1024));
    await this.upload(`APPE ${vpath}`, more);
    this.log = Buffer.concat([this.log, more]);
    this.ctx.expectations.set(vpath, { kind: "exact", sha256: sha256(this.log), size: this.log.length });
  };

  abor: Op = async () => {
    const s = await this.open(`RETR ${this.ctx.big}`);
    await drain(s, 64 * 1024);
    disturb(this.ctx, "RETR", this.ctx.big);
    const first = await this.c.send("ABOR");
    // 426 (transfer aborted) then 226 (ABOR done); if the transfer had ended: 226 then 225.
    if (first.code === 426) await this.c.expectNext([226], "ABOR after 426");
    else if (first.code === 226) await this.c.expectNext([225, 226], "ABOR after a finished transfer");
    else throw new Violation(`ABOR got ${first.lines[0]}`);
    s.destroy();
    count(this.ctx.counters.provoked, "ABOR");
  };

  // ---- abuse -------------------------------------------------------------------------------

  overlong: Op = async () => {
    this.c.write(`NOOP ${"x".repeat(5000 + this.int(20_000))}\r\n`);
    await this.c.expectNext([500], "an overlong line");
    count(this.ctx.counters.provoked, "overlong line");
  };

  junk: Op = async () => {
    const bytes = randomBytes(1 + this.int(200)).map((b) => (b === 0x0a || b === 0x0d ? 0x20 : b));
    this.c.write(Buffer.concat([bytes, Buffer.from("\r\n")]));
    const r = await this.c.next();
    if (r.code < 200) throw new Violation(`a binary line got a preliminary ${r.code}`);
    await this.c.expect("NOOP", 200); // still in step
    count(this.ctx.counters.provoked, "binary line");
  };

  flood: Op = async () => {
    const n = 20 + this.int(200);
    this.c.write("NOOP\r\n".repeat(n));
    for (let i = 0; i < n; i++) await this.c.expectNext([200], `pipelined NOOP ${i + 1}/${n}`);
    count(this.ctx.counters.provoked, "pipelined NOOPs", n);
  };

  wrongPassword: Op = async () => {
    await this.c.expect("REIN", 220);
    await this.c.expect(`USER ${this.ctx.user}`, 331);
    await this.c.expect("PASS not-the-password", 530);
    count(this.ctx.counters.provoked, "wrong password");
    await login(this.c.ftp, this.ctx.user, this.ctx.password, { type: "I" });
    await this.c.expect(`CWD /up/w${this.id}`, 250);
  };

  foreignPort: Op = async () => {
    await this.c.expect(`PORT ${this.ctx.foreign.split(".").join(",")},${100 + this.int(100)},${this.int(255)}`, 501);
    count(this.ctx.counters.provoked, "foreign PORT");
  };

  foreignPasv: Op = async () => {
    const p = await this.c.pasv();
    const intruder = net.connect({ host: this.ctx.host, port: p.port, localAddress: this.ctx.foreign });
    intruder.on("error", () => {});
    const got: Buffer[] = [];
    intruder.on("data", (d: Buffer) => got.push(d));
    await Promise.race([new Promise((r) => intruder.once("close", r)), sleep(3000)]);
    if (!intruder.destroyed) throw new Violation("a data connection from a foreign address was kept open");
    if (got.length) throw new Violation("a data connection from a foreign address received data");
    count(this.ctx.counters.provoked, "foreign PASV connection");
    // The session's own connection still works.
    const s = await p.open();
    const f = this.pick(this.ctx.corpus);
    await this.c.expect(`RETR ${f.vpath}`, [125, 150]);
    const d = await drain(s);
    await this.c.expectNext([226], "RETR after a foreign PASV connection");
    if (d.sha256 !== f.sha256) throw new Violation(`RETR ${f.vpath} after a foreign PASV connection: checksum mismatch`);
  };

  vanishRetr: Op = async () => {
    const s = await this.open(`RETR ${this.ctx.big}`);
    await drain(s, 32 * 1024);
    disturb(this.ctx, "RETR", this.ctx.big);
    s.resetAndDestroy();
    this.c.reset();
    count(this.ctx.counters.provoked, "vanished mid-RETR");
    throw new SessionOver();
  };

  vanishStor: Op = async () => {
    const data = randomBytes(256 * 1024);
    const vpath = this.name("vanish");
    const s = await this.open(`STOR ${vpath}`);
    await new Promise<void>((resolve) => s.write(data.subarray(0, 128 * 1024), () => resolve()));
    await sleep(20);
    disturb(this.ctx, "STOR", vpath);
    s.resetAndDestroy();
    this.c.reset();
    this.ctx.expectations.set(vpath, { kind: "prefix", data });
    count(this.ctx.counters.provoked, "vanished mid-STOR");
    throw new SessionOver();
  };

  private readonly ordinary: Array<[Op, number, string]> = [
    [this.list, 15, "list"],
    [this.retr, 25, "RETR"],
    [this.restRetr, 10, "REST+RETR"],
    [this.stor, 20, "STOR"],
    [this.storResume, 8, "REST+STOR"],
    [this.appe, 7, "APPE"],
    [this.abor, 4, "ABOR"],
  ];
  private readonly abuse: Array<[Op, number, string]> = [
    [this.overlong, 3, "overlong"],
    [this.junk, 3, "binary line"],
    [this.flood, 2, "flood"],
    [this.wrongPassword, 2, "wrong password"],
    [this.foreignPort, 2, "foreign PORT"],
    [this.foreignPasv, 2, "foreign PASV"],
    [this.vanishRetr, 1, "vanish RETR"],
    [this.vanishStor, 1, "vanish STOR"],
  ];

  chooseOp(): [Op, string] {
    const table = this.abusive ? [...this.ordinary, ...this.abuse.map(([op, w, n]) => [op, w * 4, n] as [Op, number, string])] : this.ordinary;
    const total = table.reduce((s, [, w]) => s + w, 0);
    let x = this.random() * total;
    for (const [op, w, name] of table) {
      if ((x -= w) < 0) return [op, name];
    }
    return [table[0]![0], table[0]![2]];
  }

  async run(): Promise<void> {
    while (Date.now() < this.ctx.deadline) {
      try {
        await this.login();
      } catch (err) {
        this.violation("login", err);
        await sleep(200);
        continue;
      }
      const ops = 3 + this.int(25);
      let over = false;
      for (let i = 0; i < ops && Date.now() < this.ctx.deadline; i++) {
        const [op, name] = this.chooseOp();
        count(this.ctx.counters.operations, name);
        try {
          await op(this);
        } catch (err) {
          if (!(err instanceof SessionOver)) this.violation(name, err);
          over = true;
          break;
        }
      }
      if (!over) await this.c.quit().catch((err: unknown) => this.violation("QUIT", err));
      this.c.destroy();
    }
  }

  private violation(what: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.ctx.violations.push(`worker ${this.id}${this.abusive ? " (abusive)" : ""}, ${what}: ${message}`);
    this.c?.destroy();
  }
}

export async function runWorkers(ctx: SoakContext, sessions: number, seed: number, abusiveShare: number): Promise<void> {
  const workers: Worker[] = [];
  for (let i = 0; i < sessions; i++) workers.push(new Worker(i, ctx, rng(seed + i * 7919), i < Math.round(sessions * abusiveShare)));
  // Stagger the start a little, as real clients arrive.
  await Promise.all(workers.map(async (w, i) => {
    await sleep((i % 50) * 10);
    await w.run();
  }));
}

export type { Reply };
