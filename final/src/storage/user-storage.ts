//> final storage-user
// The storage a session acts through, made at login (commands/login.ts): the user's jail on
// the local disk, with the layers the server's settings ask for around it.
//
//   local disk (LocalStorage: the jail, refuse_hard_links)
//     <- atomic uploads (AtomicStorage, --atomic-uploads)
//     <- quotas (QuotaStorage, quota / user_quota / folder_quota): outermost, so it charges
//        every write, delete and rename the commands make, and knows whether a refused STOR
//        had an old file to keep

import type { Account } from "../auth/authorizer.ts";
import type { Jail } from "../fs/jail.ts";
import type { ServerOptions } from "../options.ts";
import { AtomicStorage } from "./atomic.ts";
import { LocalStorage } from "./local.ts";
import { QuotaStorage } from "./quota-layer.ts";
import type { Storage } from "./storage.ts";

export function userStorage(jail: Jail, options: ServerOptions, account: Account): Storage {
  const local = new LocalStorage(jail, { refuseHardLinks: options.refuseHardLinks });
  let storage: Storage = local;
  if (options.atomicUploads) storage = new AtomicStorage(storage);
  if (options.quotas) {
    const user = { name: account.name, home: jail.realHome, mounts: account.mounts ?? [] };
    storage = new QuotaStorage(storage, options.quotas, user, (vpath, target) => local.realPathOf(vpath, target), options.atomicUploads);
  }
  return storage;
}
//<
