// Setting up the data connection for the next transfer.
//
//   C: PASV                       S: 227 Entering Passive Mode (127,0,0,1,234,96).
//   C: EPSV                       S: 229 Entering Extended Passive Mode (|||60000|)
//   C: EPSV ALL                   S: 200 EPSV ALL ok; only EPSV from now on.

import { isIP } from "node:net";
import { formatPasv } from "../data/address.ts";
import { PassiveChannel } from "../data/passive.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./spec.ts";
import { formatEpsv } from "../data/address.ts";
import { passiveAddress } from "../data/masquerade.ts";

/** A new listener for the next transfer, in place of any earlier data connection. */
async function openPassive(s: Session): Promise<PassiveChannel> {
  s.setDataChannel(null);
  const channel = await PassiveChannel.open({
    bindHost: s.localIp,
    range: s.options.passiveRange,
  });
  s.setDataChannel(channel);
  return channel;
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
      const address = passiveAddress(s.remoteIp, s.localIp, s.options.masqueradeMap ?? [], s.options.masqueradeAddress);
      if (isIP(address) !== 4) throw new FtpError(425, "PASV works over IPv4 only; use EPSV.");
      const channel = await openPassive(s);
      s.reply(227, formatPasv(address, channel.port));
    },
  },
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
];
