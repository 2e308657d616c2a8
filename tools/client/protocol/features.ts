// FEAT (RFC 2389): what the server says it can do beyond RFC 959.
//
//   in:  211-Features:
//         EPSV
//         HASH SHA-256*;SHA-512;SHA-1;MD5
//         REST STREAM
//        211 End
//   out: features.has("EPSV") -> true, features.get("REST") -> "STREAM",
//        hashAlgorithms(features) -> { names: ["SHA-256", "SHA-512", "SHA-1", "MD5"], current: "SHA-256" }
//
// A server without FEAT (500) has no features as far as a client can tell: it may still know
// SIZE or REST, so the client tries them and copes with a 500.

import type { Reply } from "./reply-parser.ts";

export class Features {
  private readonly map = new Map<string, string>();

  constructor(readonly lines: string[] = []) {
    for (const line of lines) {
      const trimmed = line.trim();
      if (!trimmed) continue;
      const space = trimmed.indexOf(" ");
      const name = (space === -1 ? trimmed : trimmed.slice(0, space)).toUpperCase();
      this.map.set(name, space === -1 ? "" : trimmed.slice(space + 1).trim());
    }
  }

  /** From the FEAT reply: the lines between the first and the last. A 5xx gives no features. */
  static fromReply(reply: Reply): Features {
    if (reply.code !== 211) return new Features();
    return new Features(reply.lines.slice(1, -1));
  }

  has(name: string): boolean {
    return this.map.has(name.toUpperCase());
  }

  get(name: string): string | undefined {
    return this.map.get(name.toUpperCase());
  }

  get size(): number {
    return this.map.size;
  }
}

/** HASH's parameter (draft-bryan-ftpext-hash): algorithms separated by ";", the current one starred. */
export function hashAlgorithms(features: Features): { names: string[]; current: string | undefined } | null {
  const value = features.get("HASH");
  if (value === undefined) return null;
  const parts = value.split(";").map((p) => p.trim()).filter(Boolean);
  const names = parts.map((p) => p.replace(/\*$/, "").toUpperCase());
  const starred = parts.find((p) => p.endsWith("*"));
  return { names, current: starred ? starred.slice(0, -1).toUpperCase() : names[0] };
}
