// The data connection for one transfer: who listens, who dials, and TLS on top (PROT P).
//
//   passive:  C: EPSV               S: 229 Entering Extended Passive Mode (|||40123|)
//             D: connected to 127.0.0.1:40123 from 127.0.0.1:51514
//   (no EPSV: C: PASV  S: 227 Entering Passive Mode (127,0,0,1,156,187), same port)
//   active:   D: listening on 127.0.0.1:43001 for the server
//             C: EPRT |1|127.0.0.1|43001|   S: 200 EPRT command successful.
//             (after RETR/STOR/LIST) D: the server connected from 127.0.0.1:20
//
// prepare() does the first half, before the transfer command; channel.open() the second,
// after the server's 150: waits for the server's connection (active) and does the TLS
// handshake (the client is the TLS client, whichever side dialled).
//
// A server that answers EPSV or EPRT with 5xx (older ones, lesson 1's starter) is asked
// with PASV or PORT instead, and not asked the extended command again in this session.

import net from "node:net";
import type { TLSSocket } from "node:tls";
import type { ControlConnection } from "./control-connection.ts";
import { dial } from "./dial.ts";
import { CommandError, FtpReplyError } from "./errors.ts";
import { parseEpsv, parsePasv, type PassiveEndpoint } from "./pasv-reply.ts";
import { eprtArgument, plainAddress, portArgument } from "./port-command.ts";
import { describeTls, secureSocket, type TlsSettings } from "./tls-upgrade.ts";

export interface DataSettings {
  mode: "passive" | "active";
  /** Try EPSV/EPRT first (true), or only ever PASV/PORT. */
  extended: boolean;
  /** Connect to the address in a 227 reply, not the control connection's (curl: --no-ftp-skip-pasv-ip). */
  trustPasvAddress: boolean;
  /** PROT P: TLS on every data connection. */
  protect: boolean;
  tls: TlsSettings;
  timeoutMs: number;
}

/** What this session learned: the server refused EPSV/EPRT once, so don't ask again. */
export interface DataMemory {
  noEpsv: boolean;
  noEprt: boolean;
}

export interface DataChannel {
  /** After the 1xx reply: the connection, ready for bytes. */
  open(): Promise<net.Socket | TLSSocket>;
  /** Give up on it (the command was refused, or the transfer is over). */
  close(): void;
}

export async function prepareDataChannel(control: ControlConnection, settings: DataSettings, memory: DataMemory): Promise<DataChannel> {
  return settings.mode === "passive" ? preparePassive(control, settings, memory) : prepareActive(control, settings, memory);
}

/** A refusal that means "I don't know that command" rather than "not now". */
const unknownCommand = (code: number) => code === 500 || code === 501 || code === 502 || code === 504 || code === 522;

async function passiveEndpoint(control: ControlConnection, settings: DataSettings, memory: DataMemory): Promise<PassiveEndpoint> {
  if (settings.extended && !memory.noEpsv) {
    const reply = await control.command("EPSV");
    if (reply.code === 229) {
      const endpoint = parseEpsv(reply.message);
      if (endpoint) return endpoint;
      throw new CommandError(`cannot read the port in the EPSV reply: ${reply.lines[0]}`);
    }
    if (!unknownCommand(reply.code)) throw new FtpReplyError(reply, "EPSV");
    memory.noEpsv = true;
    control.trace("D", `EPSV refused (${reply.code}): asking with PASV from now on`);
  }
  const reply = await control.command("PASV");
  if (reply.code !== 227) throw new FtpReplyError(reply, "PASV");
  const endpoint = parsePasv(reply.message);
  if (!endpoint) throw new CommandError(`cannot read the address in the PASV reply: ${reply.lines[0]}`);
  return endpoint;
}

async function preparePassive(control: ControlConnection, settings: DataSettings, memory: DataMemory): Promise<DataChannel> {
  const endpoint = await passiveEndpoint(control, settings, memory);
  const controlHost = plainAddress(control.remoteAddress);
  let host = controlHost;
  if (endpoint.host && endpoint.host !== controlHost) {
    if (settings.trustPasvAddress) host = endpoint.host;
    else control.trace("D", `the 227 reply names ${endpoint.host}; connecting to ${controlHost} instead, the control connection's address (--trust-pasv-ip to use the reply's)`);
  }
  control.trace("D", `connecting to ${host}:${endpoint.port} (passive)`);
  const socket = await dial(host, endpoint.port, settings.timeoutMs).catch((err: Error) => {
    throw new CommandError(`cannot open the data connection to ${host}:${endpoint.port}: ${err.message}`);
  });
  control.trace("D", `connected to ${host}:${endpoint.port} from ${socket.localAddress}:${socket.localPort}`);
  keepErrorsQuiet(socket);
  return {
    open: () => protect(control, socket, settings),
    close: () => socket.destroy(),
  };
}

async function prepareActive(control: ControlConnection, settings: DataSettings, memory: DataMemory): Promise<DataChannel> {
  const localHost = plainAddress(control.localAddress);
  const server = net.createServer();
  const early: net.Socket[] = [];
  let waiting: ((s: net.Socket) => void) | null = null;
  const serverHost = plainAddress(control.remoteAddress);
  server.on("connection", (socket) => {
    const from = plainAddress(socket.remoteAddress ?? "");
    // Only the server may connect: anyone else on the network could inject a file.
    if (from !== serverHost) {
      control.trace("D", `refused a data connection from ${from}:${socket.remotePort} (not the server)`);
      socket.destroy();
      return;
    }
    control.trace("D", `the server connected from ${from}:${socket.remotePort}`);
    keepErrorsQuiet(socket);
    server.close();
    if (waiting) waiting(socket);
    else early.push(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, localHost, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  control.trace("D", `listening on ${localHost}:${port} for the server (active)`);
  const close = () => {
    server.close();
    for (const s of early) s.destroy();
  };
  try {
    await announce(control, settings, memory, localHost, port);
  } catch (err) {
    close();
    throw err;
  }
  return {
    close,
    open: async () => {
      const socket =
        early.shift() ??
        (await new Promise<net.Socket>((resolve, reject) => {
          const timer = setTimeout(() => {
            waiting = null;
            close();
            reject(new CommandError(`the server did not connect to ${localHost}:${port} within ${settings.timeoutMs / 1000} s (a firewall? try passive)`));
          }, settings.timeoutMs);
          waiting = (s) => {
            clearTimeout(timer);
            resolve(s);
          };
        }));
      early.push(socket); // closed by close() from now on
      return protect(control, socket, settings);
    },
  };
}

async function announce(control: ControlConnection, settings: DataSettings, memory: DataMemory, host: string, port: number): Promise<void> {
  if (settings.extended && !memory.noEprt) {
    const reply = await control.command(`EPRT ${eprtArgument(host, port)}`);
    if (reply.code === 200) return;
    if (!unknownCommand(reply.code)) throw new FtpReplyError(reply, "EPRT");
    memory.noEprt = true;
    control.trace("D", `EPRT refused (${reply.code}): asking with PORT from now on`);
  }
  const arg = portArgument(host, port);
  if (!arg) throw new CommandError(`PORT cannot name the IPv6 address ${host}, and the server refused EPRT`);
  const reply = await control.command(`PORT ${arg}`);
  if (reply.code !== 200) throw new FtpReplyError(reply, "PORT");
}

async function protect(control: ControlConnection, socket: net.Socket, settings: DataSettings): Promise<net.Socket | TLSSocket> {
  if (!settings.protect) return socket;
  const session = control.secure?.getSession();
  const secure = await secureSocket(socket, settings.tls, "data connection", session).catch((err: Error) => {
    throw new CommandError(`TLS on the data connection failed: ${err.message}`);
  });
  control.trace("T", `${describeTls(secure, settings.tls)} on the data connection${secure.isSessionReused() ? ", session reused" : ""}`);
  keepErrorsQuiet(secure);
  return secure;
}

/**
 * A data connection can fail while nobody reads it (between PASV and the 150, or as the
 * server resets it after the last byte). The transfer learns of it from the stream it reads
 * or writes, and from the final reply; without a listener Node would end the program.
 */
function keepErrorsQuiet(socket: net.Socket): void {
  socket.on("error", () => {});
}
