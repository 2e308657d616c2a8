// Opening a TCP connection, with a time limit (a firewall that drops packets never says no).
//
//   await dial("127.0.0.1", 2121, 10_000)  -> a connected net.Socket
//   await dial("127.0.0.1", 1, 10_000)     -> throws "connect ECONNREFUSED 127.0.0.1:1"
//   (nothing answering)                    -> throws "no answer within 10 s"

import net from "node:net";

export function dial(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once("error", fail);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", fail);
      resolve(socket);
    });
  });
}
