/**
 * Shared helpers for the conformance-* tests: one server per describe block, tracked
 * control connections (closed after each test), login, and whole transfers with the
 * preliminary and final replies checked.
 */
import net from "node:net";
import { afterAll, afterEach, beforeAll } from "vitest";
import {
  FtpSocket,
  HarnessError,
  expectCode,
  makeTempRoot,
  login,
  reproLine,
  sleep,
  startServer,
  type DataSocket,
  type LoginOptions,
  type Reply,
  type RunningServer,
  type TempRoot,
} from "../harness/index.ts";

export interface ServerContext {
  readonly root: TempRoot;
  readonly server: RunningServer;
  /** A raw control connection, closed automatically after the test. */
  connect(timeoutMs?: number): Promise<FtpSocket>;
  /** connect() + USER/PASS (anonymous by default), expecting 230. */
  login(user?: string, password?: string, opts?: LoginOptions): Promise<FtpSocket>;
}

export interface ServerSetup {
  files?: Record<string, string | Buffer | null>;
  args?: string[];
  /** Runs after the root is filled, before the server starts (e.g. to write a users file). */
  prepare?(root: TempRoot): string[] | void;
  /** Serve with -d <root> (default true). */
  serveRoot?: boolean;
}

/**
 * Call inside a describe(): starts one server for the block (beforeAll) and stops it at the
 * end (afterAll). Connections made through the context are destroyed after each test.
 */
export function useServer(setup: ServerSetup = {}): ServerContext {
  let root: TempRoot | undefined;
  let server: RunningServer | undefined;
  const open: FtpSocket[] = [];

  beforeAll(async () => {
    root = makeTempRoot(setup.files ?? {});
    const extra = setup.prepare?.(root) ?? [];
    server = await startServer({
      // For checking that these tests catch faults: point them at a modified copy of the server.
      ...(process.env.FTP_CONFORMANCE_ENTRY ? { entry: process.env.FTP_CONFORMANCE_ENTRY } : {}),
      ...(setup.serveRoot === false ? {} : { root: root.dir }),
      args: ["--auth-failed-delay", "0", ...(setup.args ?? []), ...extra],
    });
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.destroy();
  });
  afterAll(async () => {
    for (const s of open.splice(0)) s.destroy();
    await server?.stop();
    root?.cleanup();
  });

  const ctx: ServerContext = {
    get root() {
      if (!root) throw new Error("useServer: root not ready (used outside a test?)");
      return root;
    },
    get server() {
      if (!server) throw new Error("useServer: server not started (used outside a test?)");
      return server;
    },
    async connect(timeoutMs = 10_000) {
      const ftp = await FtpSocket.connect(ctx.server.host, ctx.server.port, { timeoutMs });
      open.push(ftp);
      return ftp;
    },
    async login(user = "anonymous", password = "guest@example.com", opts: LoginOptions = {}) {
      const ftp = await ctx.connect();
      expectCode(ftp.greeting, 220, ftp.context("the greeting must be 220"));
      return login(ftp, user, password, opts);
    },
  };
  return ctx;
}

/** Replies and data of one transfer. */
export interface TransferResult {
  preliminary: Reply;
  final: Reply;
  data: Buffer;
}

/** Wait for the 1xx, then the final reply; checks both codes. */
async function transferReplies(ftp: FtpSocket, command: string, body: () => Promise<Buffer>, finalCode: number): Promise<TransferResult> {
  const preliminary = await ftp.sendExpect(command, [125, 150], `${command} must first say 150 (or 125) before using the data connection`);
  const data = await body();
  const final = expectCode(await ftp.readReply(), finalCode, ftp.context(`${command} must end with ${finalCode} once the data connection is closed`));
  return { preliminary, final, data };
}

/** PASV (or EPSV) + a download-like command (RETR, LIST, NLST, MLSD): all bytes until close. */
export async function download(ftp: FtpSocket, command: string, mode: "PASV" | "EPSV" = "PASV"): Promise<TransferResult> {
  const ds = await ftp.openPassiveData(mode);
  return transferReplies(ftp, command, () => ds.readAll(), 226);
}

/** PASV (or EPSV) + an upload command (STOR, APPE, STOU): sends `data`, then FIN. */
export async function upload(ftp: FtpSocket, command: string, data: Buffer | string, mode: "PASV" | "EPSV" = "PASV"): Promise<TransferResult> {
  const ds = await ftp.openPassiveData(mode);
  return transferReplies(
    ftp,
    command,
    async () => {
      // FIN marks the end of the upload; the 226 (read with its own timeout) says it is stored.
      await ds.end(typeof data === "string" ? Buffer.from(data, "latin1") : data);
      return Buffer.alloc(0);
    },
    226,
  );
}

/** The lines of a listing (CRLF-terminated), checking that every line ends with CRLF. */
export function listingLines(data: Buffer, what = "listing"): string[] {
  const text = data.toString("utf8");
  if (text === "") return [];
  if (!text.endsWith("\r\n")) throw new HarnessError(`${what}: the data does not end with CRLF: ${JSON.stringify(text.slice(-80))}`);
  const lines = text.slice(0, -2).split("\r\n");
  const bare = lines.find((l) => l.includes("\n") || l.includes("\r"));
  if (bare !== undefined) throw new HarnessError(`${what}: a line contains a bare CR or LF: ${JSON.stringify(bare)}`);
  return lines;
}

/** Send several lines in ONE write, then read exactly that many final replies (1xx are kept too). */
export async function pipelined(ftp: FtpSocket, lines: string[], expectFinal = lines.length): Promise<Reply[]> {
  ftp.sendRaw(Buffer.from(lines.map((l) => l + "\r\n").join(""), "utf8"));
  const replies: Reply[] = [];
  let finals = 0;
  while (finals < expectFinal) {
    const r = await ftp.readReply();
    replies.push(r);
    if (r.code >= 200) finals++;
  }
  return replies;
}

/** Try to connect to a loopback port: "connected", an errno code such as "ECONNREFUSED", or "no answer". */
export function connectOutcome(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise<string>((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve("no answer");
    }, timeoutMs);
    s.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      resolve(e.code ?? "error");
    });
    s.once("connect", () => {
      clearTimeout(t);
      s.destroy();
      resolve("connected");
    });
  });
}

/** The server closes the control connection within `ms` (e.g. after 221). */
export async function expectClosed(ftp: FtpSocket, ms: number, why: string): Promise<void> {
  const closed = await Promise.race([ftp.closed().then(() => true), sleep(ms).then(() => false)]);
  if (!closed) throw new HarnessError(`The server did not close the control connection within ${ms} ms (${why}).\n  reproduce:  ${reproLine(ftp.context())}`);
}

/** Resolves after `ms` milliseconds. */
export { sleep };

/** Nothing more arrives on the control connection within `ms` (to catch extra replies). */
export async function expectSilence(ftp: FtpSocket, ms: number, why: string): Promise<void> {
  const extra = await ftp.readReply(ms).then(
    (r) => r,
    () => null,
  );
  if (extra) {
    throw new HarnessError(
      `Unexpected extra reply (${why}): ${JSON.stringify(extra.raw.toString("utf8"))}\n` +
        `  transcript (last lines):\n${ftp.transcriptText().split("\n").filter(Boolean).slice(-8).map((l) => "    " + l).join("\n")}\n` +
        `  reproduce:  ${reproLine(ftp.context())}`,
    );
  }
}

export type { DataSocket };
