//> 0 data-setup
// Setting up the data connection for the next transfer.
//
//   C: PASV                       S: 227 Entering Passive Mode (127,0,0,1,234,96).
//> 2 epsv-comment
//   C: EPSV                       S: 229 Entering Extended Passive Mode (|||60000|)
//   C: EPSV ALL                   S: 200 EPSV ALL ok; only EPSV from now on.
//<
//> 6 port-eprt-comment
//   C: PORT 127,0,0,1,195,80      S: 200 PORT command successful.
//   C: EPRT |2|::1|50000|         S: 200 EPRT command successful.
//<

//> 2 family-import
import { isIP } from "node:net";
//<
import { formatPasv } from "../data/address.ts";
import { PassiveChannel } from "../data/passive.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./spec.ts";
//> 2 epsv-import
import { formatEpsv } from "../data/address.ts";
//<
//> 3 masquerade-import
import { passiveAddress } from "../data/masquerade.ts";
//<
//> 6 active-import
import { ActiveChannel } from "../data/active.ts";
import { parseEprtArg, parsePortArg, type HostPort } from "../data/address.ts";
//<

/** A new listener for the next transfer, in place of any earlier data connection. */
async function openPassive(s: Session): Promise<PassiveChannel> {
  s.setDataChannel(null);
  const channel = await PassiveChannel.open({
    bindHost: s.localIp,
//> 2 passive-range-use
    range: s.options.passiveRange,
//<
//> final passive-guard-use
    clientIp: s.remoteIp,
    permitForeignAddresses: s.options.permitForeignAddresses,
    acceptTimeoutMs: s.options.passiveAcceptTimeoutSec * 1000,
    onForeignConnection: (address) =>
      s.log("warn", "refused data connection from a foreign address", { from: address, expected: s.remoteIp }),
//<
  });
  s.setDataChannel(channel);
  return channel;
}

//> 6 active-setup
/** RFC 2577 section 3: no bounce attacks, no privileged ports. */
function checkActiveTarget(s: Session, target: HostPort): void {
//> 6 bounce-check
  if (!s.options.permitForeignAddresses && target.host !== s.remoteIp) {
    s.log("warn", "refused PORT to a foreign address", { target: target.host, client: s.remoteIp });
    throw new FtpError(501, "Rejected: the data connection must go to your own address.");
  }
  if (!s.options.permitPrivilegedPorts && target.port < 1024) {
    throw new FtpError(501, "Rejected: data port must be 1024 or above.");
  }
//<
}

function useActive(s: Session, target: HostPort, command: string): void {
  if (s.epsvAll) throw new FtpError(503, `${command} not allowed after EPSV ALL.`);
  checkActiveTarget(s, target);
  s.setDataChannel(new ActiveChannel(target, s.localIp));
  s.reply(200, `${command} command successful.`);
}

//<
export const dataSetupCommands: CommandSpec[] = [
  {
    name: "PASV",
    arg: "none",
    auth: true,
    help: "Syntax: PASV (the server listens for the data connection).",
    async handler(s) {
//> 2 epsv-all-pasv
      if (s.epsvAll) throw new FtpError(503, "PASV not allowed after EPSV ALL.");
//<
//> 3 masquerade-pasv
      // Behind NAT the client must be told the public address, not ours (masquerade).
      const address = passiveAddress(s.remoteIp, s.localIp, s.options.masqueradeMap ?? [], s.options.masqueradeAddress);
//<
//> 0-3 local-pasv
      //- // The address the client reached us at.
      //- const address = s.localIp;
//<
//> 2 pasv-ipv4-only
      if (isIP(address) !== 4) throw new FtpError(425, "PASV works over IPv4 only; use EPSV.");
//<
      const channel = await openPassive(s);
      s.reply(227, formatPasv(address, channel.port));
    },
  },
//> 2 epsv
  {
    name: "EPSV",
    arg: "optional",
    auth: true,
    help: "Syntax: EPSV [1|2|ALL] (extended passive mode, also for IPv6).",
    feat: "EPSV",
    async handler(s, arg) {
      const param = arg.trim().toUpperCase();
      if (param === "ALL") {
        s.epsvAll = true;
        return s.reply(200, "EPSV ALL ok; only EPSV from now on.");
      }
      const family = isIP(s.localIp) === 6 ? "2" : "1";
      if (param !== "" && param !== family) throw new FtpError(522, `Network protocol not supported, use (${family})`);
      const channel = await openPassive(s);
      s.reply(229, formatEpsv(channel.port));
    },
  },
//<
//> 6 port-eprt
  {
    name: "PORT",
    arg: "required",
    auth: true,
    help: "Syntax: PORT h1,h2,h3,h4,p1,p2 (the client listens for the data connection).",
    handler: (s, arg) => useActive(s, parsePortArg(arg), "PORT"),
  },
  {
    name: "EPRT",
    arg: "required",
    auth: true,
    help: "Syntax: EPRT |proto|address|port| (extended active mode, also for IPv6).",
    feat: "EPRT",
    handler: (s, arg) => useActive(s, parseEprtArg(arg.trim()), "EPRT"),
  },
//<
];
//<
