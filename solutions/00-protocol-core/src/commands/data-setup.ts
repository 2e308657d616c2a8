// Setting up the data connection for the next transfer.
//
//   C: PASV                       S: 227 Entering Passive Mode (127,0,0,1,234,96).

import { formatPasv } from "../data/address.ts";
import { PassiveChannel } from "../data/passive.ts";
import { FtpError } from "../protocol/reply.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./spec.ts";

/** A new listener for the next transfer, in place of any earlier data connection. */
async function openPassive(s: Session): Promise<PassiveChannel> {
  s.setDataChannel(null);
  const channel = await PassiveChannel.open({
    bindHost: s.localIp,
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
      // The address the client reached us at.
      const address = s.localIp;
      const channel = await openPassive(s);
      s.reply(227, formatPasv(address, channel.port));
    },
  },
];
