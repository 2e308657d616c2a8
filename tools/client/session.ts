// One logged-in FTP session, as the commands see it: the control connection, what the server
// can do, where we are, and how data connections are made. It reconnects by itself when
// the control connection was lost (an idle timeout, 421), and goes back to the same folder.
//
//   const session = new FtpSession(config, trace, notice);
//   await session.connect();                       // connect, TLS, login, FEAT, TYPE I, PWD
//   await session.expect("MKD docs", [257]);       // -> the 257 reply, or throws FtpReplyError
//   await session.size("a.txt")                    // -> 6 (SIZE), undefined if the server can't say
//   await session.entries("docs")                  // -> [{ name: "a.txt", type: "file", size: 6 }] (MLSD)
//   await session.transfer({ command: "RETR a.txt", direction: "download", move })

import { ControlConnection, type ControlTarget } from "./protocol/control-connection.ts";
import type { DataMemory, DataSettings } from "./protocol/data-channel.ts";
import { ConnectionError, FtpReplyError } from "./protocol/errors.ts";
import { Features } from "./protocol/features.ts";
import { parseList, parseMlsd, parseNlst, type Entry } from "./protocol/listing.ts";
import { printWorkingDirectory, startSession, type Login } from "./protocol/login.ts";
import type { Reply } from "./protocol/reply-parser.ts";
import { runTransfer, type TransferRequest } from "./protocol/transfer.ts";
import { silent, type Trace } from "./protocol/trace.ts";

export interface SessionConfig {
  target: ControlTarget;
  login: Login;
  mode: "passive" | "active";
  epsv: boolean;
  eprt: boolean;
  trustPasvAddress: boolean;
}

export class FtpSession {
  private control: ControlConnection | null = null;
  features = new Features();
  greeting: Reply | null = null;
  cwd = "/";
  protectedData = false;
  /** The HASH algorithm chosen with OPTS HASH in this connection (reset on reconnect). */
  hashAlgorithm: string | undefined;
  readonly memory: DataMemory = { noEpsv: false, noEprt: false };
  mode: "passive" | "active";
  /** Ask with EPSV first (else PASV only), and with EPRT first (else PORT only). */
  epsv: boolean;
  eprt: boolean;
  private connectedOnce = false;

  constructor(
    readonly config: SessionConfig,
    private traceTo: Trace,
    private readonly notice: (text: string) => void,
  ) {
    this.mode = config.mode;
    this.epsv = config.epsv;
    this.eprt = config.eprt;
  }

  get trace(): Trace {
    return this.traceTo;
  }
  set trace(trace: Trace) {
    this.traceTo = trace;
    if (this.control) this.control.trace = trace;
  }

  get tlsSocket() {
    return this.control?.secure ?? null;
  }

  get connected(): boolean {
    return this.control !== null && !this.control.closed;
  }

  async connect(): Promise<void> {
    this.control?.close();
    this.control = null;
    const control = await ControlConnection.open(this.config.target, this.traceTo);
    try {
      const start = await startSession(control, this.config.login);
      this.greeting = start.greeting;
      this.features = start.features;
      this.protectedData = start.protectedData;
      this.hashAlgorithm = undefined;
      this.memory.noEpsv = false;
      this.memory.noEprt = false;
      if (this.connectedOnce && this.cwd !== start.cwd) {
        const back = await control.command(`CWD ${this.cwd}`);
        if (back.code !== 250) this.cwd = start.cwd;
      } else this.cwd = start.cwd;
    } catch (err) {
      control.close();
      throw err;
    }
    this.control = control;
    this.connectedOnce = true;
  }

  /** The control connection, connecting again if it was lost. */
  async ensure(): Promise<ControlConnection> {
    if (this.control && !this.control.closed) return this.control;
    if (!this.connectedOnce) throw new ConnectionError("not connected");
    this.notice("the connection to the server was lost; connecting again");
    await this.connect();
    return this.control!;
  }

  async request(line: string): Promise<Reply> {
    return (await this.ensure()).command(line);
  }

  /** Send, and insist on one of `codes`. */
  async expect(line: string, codes: number[]): Promise<Reply> {
    const reply = await this.request(line);
    if (!codes.includes(reply.code)) throw new FtpReplyError(reply, line);
    return reply;
  }

  async cd(path: string): Promise<void> {
    await this.expect(`CWD ${path}`, [250, 200]);
    this.cwd = await printWorkingDirectory(await this.ensure());
  }

  async pwd(): Promise<string> {
    this.cwd = await printWorkingDirectory(await this.ensure());
    return this.cwd;
  }

  /** SIZE: bytes of a file on the server; undefined when it has no such file or cannot say. */
  async size(path: string): Promise<number | undefined> {
    const reply = await this.request(`SIZE ${path}`);
    if (reply.code !== 213) return undefined;
    const n = Number(reply.message.trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }

  dataSettings(): DataSettings {
    const target = this.config.target;
    return {
      mode: this.mode,
      extended: this.mode === "passive" ? this.epsv : this.eprt,
      trustPasvAddress: this.config.trustPasvAddress,
      protect: this.protectedData,
      tls: target.tls,
      timeoutMs: target.timeoutMs,
    };
  }

  async transfer(request: TransferRequest): Promise<Reply> {
    const control = await this.ensure();
    return runTransfer(control, this.dataSettings(), this.memory, request);
  }

  /** A listing's text: LIST (for people), NLST (names) or MLSD (for programs). */
  async listing(verb: "LIST" | "NLST" | "MLSD", path?: string): Promise<string> {
    const chunks: Buffer[] = [];
    await this.transfer({
      command: path ? `${verb} ${path}` : verb,
      direction: "download",
      move: async (socket) => {
        let bytes = 0;
        for await (const chunk of socket) {
          chunks.push(chunk as Buffer);
          bytes += (chunk as Buffer).length;
        }
        return bytes;
      },
    });
    return Buffer.concat(chunks).toString("utf8");
  }

  /** Names and types in a folder: MLSD when FEAT lists MLST, else LIST read as `ls -l`, else NLST. */
  async entries(path?: string): Promise<Entry[]> {
    if (this.features.has("MLST")) return parseMlsd(await this.listing("MLSD", path));
    const text = await this.listing("LIST", path);
    const parsed = parseList(text);
    return parsed.length > 0 || text.trim() === "" ? parsed : parseNlst(await this.listing("NLST", path));
  }

  /** Run `fn` without tracing (tab completion's listings must not scribble over the prompt). */
  async quietly<T>(fn: () => Promise<T>): Promise<T> {
    const saved = this.traceTo;
    this.trace = silent;
    try {
      return await fn();
    } finally {
      this.trace = saved;
    }
  }

  async quit(): Promise<void> {
    await this.control?.quit();
    this.control = null;
  }
}
