// Where a transfer starts: from zero, or from where the last attempt stopped.
//
//   download: planDownload(400_000 bytes in big.bin.part, SIZE says 1_000_000)
//             -> { action: "resume", offset: 400_000 }     C: REST 400000  C: RETR big.bin
//   upload:   planUpload(local 1_000_000, SIZE on the server says 400_000, FEAT has "REST STREAM")
//             -> { action: "resume", offset: 400_000, command: "STOR" }   C: REST 400000  C: STOR big.bin
//             (without REST STREAM)
//             -> { action: "resume", offset: 400_000, command: "APPE" }   C: APPE big.bin
//
// The file on the receiving side is the record of how far it got: a download's part file,
// the upload's file on the server (SIZE). Sizes only say "how much", not "the same bytes",
// which is why every transfer is checked afterwards (verify.ts).

export type Action = "fresh" | "resume" | "complete" | "restart";

export interface DownloadPlan {
  action: Action;
  offset: number;
  why: string;
}

/** `have`: bytes already on disk; `remote`: SIZE, if the server said. */
export function planDownload(have: number, remote: number | undefined): DownloadPlan {
  if (have === 0) return { action: "fresh", offset: 0, why: "nothing downloaded yet" };
  if (remote === undefined) return { action: "resume", offset: have, why: `${have} bytes here; the server does not say the size` };
  if (have < remote) return { action: "resume", offset: have, why: `${have} of ${remote} bytes here` };
  if (have === remote) return { action: "complete", offset: have, why: `all ${remote} bytes are here already` };
  return { action: "restart", offset: 0, why: `${have} bytes here but the server's file has ${remote}: it changed` };
}

export interface UploadPlan {
  action: Action;
  offset: number;
  /** STOR after REST <offset>, or APPE (appends at the server's end of the file). */
  command: "STOR" | "APPE";
  why: string;
}

/** `local`: the file's size; `remote`: SIZE on the server (undefined: no such file); `restStream`: FEAT says "REST STREAM". */
export function planUpload(local: number, remote: number | undefined, restStream: boolean): UploadPlan {
  if (!remote) return { action: "fresh", offset: 0, command: "STOR", why: remote === 0 ? "the server's file is empty" : "not on the server yet" };
  if (remote < local) {
    return restStream
      ? { action: "resume", offset: remote, command: "STOR", why: `the server has ${remote} of ${local} bytes (REST + STOR)` }
      : { action: "resume", offset: remote, command: "APPE", why: `the server has ${remote} of ${local} bytes (no REST STREAM in FEAT: APPE)` };
  }
  if (remote === local) return { action: "complete", offset: remote, command: "STOR", why: `the server has all ${local} bytes already` };
  return { action: "restart", offset: 0, command: "STOR", why: `the server's file has ${remote} bytes, more than the ${local} here` };
}
