/**
 * Shared pieces of the security suite (test/final/security-*.test.ts): connecting and logging
 * in with FtpSocket, "no further reply" checks, foreign-address data connections, and a
 * fingerprint of a folder tree (content hash, mode, mtime, atime) to prove that a server did
 * not touch anything outside its root.
 *
 * Everything here only ever talks to loopback addresses and has a timeout.
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { createHash } from "node:crypto";
import {
  FtpSocket,
  HarnessError,
  escapeBytes,
  expectCode,
  isLoopback,
  login,
  receivedSoFar,
  reproLine,
  type DataSocket,
  type LoginOptions,
  type Reply,
  type RunningServer,
} from "../harness/index.ts";

/** Time allowed for each reply. Everything in this suite is local, so 5 s is generous. */
export const REPLY_TIMEOUT_MS = 5_000;

/** Connections opened by a test file, so afterEach can drop whatever a failed test left open. */
export class Connections {
  private readonly open = new Set<FtpSocket>();
  private readonly raw = new Set<net.Socket>();

  async connect(server: RunningServer, timeoutMs = REPLY_TIMEOUT_MS): Promise<FtpSocket> {
    const ftp = await FtpSocket.connect(server.host, server.port, { timeoutMs });
    this.open.add(ftp);
    expectCode(ftp.greeting, 220, { sent: "", host: server.host, port: server.port, why: "a new control connection is greeted with 220" });
    return ftp;
  }

  /** Connect and log in (USER, 331, PASS, 230). */
  async login(server: RunningServer, user = "anonymous", password = "guest@example.com", opts: LoginOptions = {}): Promise<FtpSocket> {
    return login(await this.connect(server), user, password, opts);
  }

  /** Remember a raw socket (e.g. a foreign data connection) for cleanup. */
  track(socket: net.Socket): net.Socket {
    this.raw.add(socket);
    socket.once("close", () => this.raw.delete(socket));
    return socket;
  }

  closeAll(): void {
    for (const ftp of this.open) ftp.destroy();
    this.open.clear();
    for (const s of this.raw) s.destroy();
    this.raw.clear();
  }
}

/** Bytes the server sent on this control connection so far (partial lines included). */
function controlBytesFromServer(ftp: FtpSocket): number {
  return ftp
    .transcript()
    .filter((e) => e.conn === "control" && e.dir === "S")
    .reduce((n, e) => n + e.bytes.length, 0);
}

/**
 * Wait `ms` and require that the server sent nothing more on the control connection (no
 * complete reply and no partial line) and did not close it.
 */
export async function expectSilence(ftp: FtpSocket, ms: number, why: string): Promise<void> {
  const before = controlBytesFromServer(ftp);
  let reply: Reply | null = null;
  try {
    reply = await ftp.readReply(ms);
  } catch (err) {
    if (ftp.isClosed) {
      throw new HarnessError(`The server closed the control connection, but it should have stayed open (${why}).\n${(err as Error).message}`);
    }
  }
  const extra = controlBytesFromServer(ftp) - before;
  if (reply || extra > 0) {
    throw new HarnessError(
      [
        `Expected no further reply (${why}), but within ${ms} ms the server sent more:`,
        `  received:  ${reply ? escapeBytes(reply.raw) : `${extra} bytes of an unfinished line`}`,
        `  reproduce: ${reproLine(ftp.context())}`,
        "  transcript:",
        ...ftp
          .transcriptText()
          .split("\n")
          .slice(-12)
          .map((l) => "    " + l),
      ].join("\n"),
    );
  }
}

/** Read the next reply (e.g. the 226 after a transfer) and check its code. */
export async function expectNext(ftp: FtpSocket, expected: number | readonly number[], why?: string, timeoutMs?: number): Promise<Reply> {
  return expectCode(await ftp.readReply(timeoutMs), expected, ftp.context(why));
}

/** Reply text must not contain `secret` (an outside path, a file's content, ...). */
export function expectNotRevealed(reply: Reply, secret: string, what: string, ftp: FtpSocket): void {
  if (secret && reply.raw.includes(Buffer.from(secret))) {
    throw new HarnessError(
      [`The reply reveals ${what} (${JSON.stringify(secret)}):`, `  received:  ${escapeBytes(reply.raw)}`, `  reproduce: ${reproLine(ftp.context())}`].join("\n"),
    );
  }
}

export { sleep } from "../harness/index.ts";

/** Resolve with `p`, or reject with `message` after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new HarnessError(message)), ms);
    }),
  ]);
}

/**
 * Wait until the server closes a data connection we opened, and return what it sent. A reset
 * counts as closed; a connection still open after `ms` is an error.
 */
export async function dataUntilClosed(ds: DataSocket, ms: number, what: string): Promise<Buffer> {
  await withTimeout(ds.closed(), ms, `The server did not close the data connection ${what} within ${ms} ms.`);
  return receivedSoFar(ds.socket);
}

export interface ForeignConnection {
  socket: net.Socket;
  /** Everything received. */
  data(): Buffer;
  /** Resolves when closed (by EOF or reset), with how it ended. */
  closed: Promise<"eof" | "reset" | "closed">;
  connected: Promise<void>;
}

/**
 * A TCP connection to a data port from another local address than the control connection's
 * (e.g. 127.0.0.2: on Linux all of 127.0.0.0/8 is loopback), as an attacker on another host
 * would make. Only loopback targets are allowed.
 */
export function connectFrom(localAddress: string, host: string, port: number, conns: Connections): ForeignConnection {
  if (!isLoopback(host) || !isLoopback(localAddress)) throw new Error(`connectFrom: ${localAddress} -> ${host} is not loopback`);
  const socket = conns.track(net.connect({ host, port, localAddress }));
  const chunks: Buffer[] = [];
  let how: "eof" | "reset" | "closed" = "closed";
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("end", () => {
    how = "eof";
  });
  socket.on("error", () => {
    if (how === "closed") how = "reset";
  });
  const closed = new Promise<"eof" | "reset" | "closed">((resolve) => socket.once("close", () => resolve(how)));
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", (err) => reject(err));
  });
  connected.catch(() => {});
  return { socket, data: () => Buffer.concat(chunks), closed, connected };
}

// ---- fingerprints of a folder tree -------------------------------------------------------

export interface EntryPrint {
  type: "file" | "dir" | "link" | "other";
  mode: number;
  size: number;
  mtimeMs: number;
  atimeMs: number;
  sha256?: string;
  linkTarget?: string;
}

export type TreePrint = Map<string, EntryPrint>;

const O_NOATIME = fs.constants.O_NOATIME ?? 0;

/** Read a file without updating its access time (we own the file, so O_NOATIME is allowed). */
function hashFile(p: string): string {
  const fd = fs.openSync(p, fs.constants.O_RDONLY | O_NOATIME);
  try {
    const hash = createHash("sha256");
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
    return hash.digest("hex");
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Fingerprint every entry under `dir` (the folder itself included, as "."). Each entry is
 * lstat-ed before it is read (files with O_NOATIME), so recorded access times are not
 * disturbed by this walk itself; links are not followed.
 */
export function fingerprintTree(dir: string): TreePrint {
  const out: TreePrint = new Map();
  const walk = (abs: string, rel: string) => {
    const st = fs.lstatSync(abs);
    const e: EntryPrint = {
      type: st.isSymbolicLink() ? "link" : st.isDirectory() ? "dir" : st.isFile() ? "file" : "other",
      mode: st.mode & 0o7777,
      size: st.size,
      mtimeMs: st.mtimeMs,
      atimeMs: st.atimeMs,
    };
    if (e.type === "file") e.sha256 = hashFile(abs);
    if (e.type === "link") e.linkTarget = fs.readlinkSync(abs);
    out.set(rel, e);
    if (e.type === "dir") {
      for (const name of fs.readdirSync(abs).sort()) walk(path.join(abs, name), rel === "." ? name : `${rel}/${name}`);
    }
  };
  walk(dir, ".");
  return out;
}

/** Set every entry's access and modification times to fixed past values (links themselves too). */
export function freezeTimes(dir: string, atime: Date, mtime: Date): void {
  const walk = (abs: string) => {
    const st = fs.lstatSync(abs);
    if (st.isDirectory()) for (const name of fs.readdirSync(abs)) walk(path.join(abs, name));
    fs.lutimesSync(abs, atime, mtime);
  };
  walk(dir);
}

/**
 * Does reading a file update its access time here (relatime with an old atime does; noatime
 * mounts don't)? Only then can "nothing was read" be checked through atimes.
 */
export function readsUpdateAtime(scratchDir: string): boolean {
  const probe = path.join(scratchDir, `.atime-probe-${process.pid}`);
  try {
    fs.writeFileSync(probe, "probe");
    const old = new Date(Date.now() - 3 * 24 * 3600 * 1000);
    fs.utimesSync(probe, old, new Date(Date.now() - 2 * 24 * 3600 * 1000));
    const before = fs.statSync(probe).atimeMs;
    fs.readFileSync(probe);
    return fs.statSync(probe).atimeMs !== before;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

/** Describe every difference between two fingerprints, one line each ([] when identical). */
export function diffTrees(before: TreePrint, after: TreePrint, opts: { atime: boolean }): string[] {
  const lines: string[] = [];
  for (const [rel, b] of before) {
    const a = after.get(rel);
    if (!a) {
      lines.push(`${rel}: deleted (was a ${b.type})`);
      continue;
    }
    if (a.type !== b.type) lines.push(`${rel}: type changed ${b.type} -> ${a.type}`);
    if (a.mode !== b.mode) lines.push(`${rel}: mode changed 0${b.mode.toString(8)} -> 0${a.mode.toString(8)} (chmod)`);
    if (a.sha256 !== b.sha256) lines.push(`${rel}: content changed (sha256 ${b.sha256?.slice(0, 12)} -> ${a.sha256?.slice(0, 12)})`);
    if (a.size !== b.size && a.type !== "dir") lines.push(`${rel}: size changed ${b.size} -> ${a.size}`);
    if (a.mtimeMs !== b.mtimeMs) lines.push(`${rel}: mtime changed ${new Date(b.mtimeMs).toISOString()} -> ${new Date(a.mtimeMs).toISOString()}`);
    if (opts.atime && a.atimeMs !== b.atimeMs) {
      lines.push(`${rel}: atime changed ${new Date(b.atimeMs).toISOString()} -> ${new Date(a.atimeMs).toISOString()} (it was read)`);
    }
    if (a.linkTarget !== b.linkTarget) lines.push(`${rel}: link target changed ${b.linkTarget} -> ${a.linkTarget}`);
  }
  for (const [rel, a] of after) if (!before.has(rel)) lines.push(`${rel}: created (a ${a.type})`);
  return lines;
}
