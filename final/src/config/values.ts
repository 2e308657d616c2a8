// Schemas for the kinds of values a setting can hold. Each one takes the text an operator
// wrote (in ftpd.ini or on the command line) and returns the value, or fails with a message
// that says what a good value looks like:
//
//   "300K"          -> 307200 (bytes per second)
//   "60000-60100"   -> { from: 60000, to: 60100 }
//   "192.168.0.0/16=192.168.1.10" -> [{ network: "192.168.0.0/16", address: "192.168.1.10" }]

import { isIP } from "node:net";
import { z } from "zod";
//> final address-list-import
import { isNetwork } from "../address-rules.ts";
//<
//> 3 masquerade-values-import
import { masqueradeAddress, parseMasqueradeMap } from "../data/masquerade.ts";
//<

/** The permission letters, as pyftpdlib spells them (lesson 1 gives them their meaning). */
export const PERM_LETTERS = "elradfmwMT";

/** The letters of `perms` that are not permission letters: "elrx" -> ["x"]. */
export function unknownLetters(perms: string): string[] {
  return [...new Set([...perms].filter((c) => !PERM_LETTERS.includes(c)))];
}

/** Parses "60000-60100" as given to -r/--range. */
export function parsePortRange(text: string): { from: number; to: number } {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  const from = Number(m?.[1]);
  const to = Number(m?.[2]);
  if (!m || from < 1 || to > 65535 || from > to) {
    throw new Error(`invalid port range ${JSON.stringify(text)}: write FROM-TO, e.g. 60000-60100, with 1 <= FROM <= TO <= 65535`);
  }
  return { from, to };
}

const text = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v).trim());

export const stringValue = text;

export const boolValue = text.pipe(
  z
    .string()
    .toLowerCase()
    .refine((v) => ["true", "false", "yes", "no", "on", "off", "1", "0"].includes(v), "expected true or false")
    .transform((v) => ["true", "yes", "on", "1"].includes(v)),
);

export function intValue(min: number, max: number) {
  return text.pipe(
    z
      .string()
      .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
      .transform(Number)
      .refine((n) => n >= min && n <= max, `expected a whole number from ${min} to ${max}`),
  );
}

/** Node's timers hold at most 2^31-1 ms (24.8 days); longer ones would fire at once. */
const MAX_SECONDS = 2_000_000;

export const secondsValue = text.pipe(
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, "expected a number of seconds, e.g. 30 or 0.5")
    .transform(Number)
    .refine((n) => n <= MAX_SECONDS, `expected at most ${MAX_SECONDS} seconds (about 23 days)`),
);

const UNITS = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 } as const;

/** A number of bytes with a binary unit: "300K" -> 307200, "2M" -> 2097152, "0" -> 0. */
function bytesValue(message: string) {
  return text.pipe(
    z
      .string()
      .toUpperCase()
      .regex(/^\d+(\.\d+)?\s*[KMGT]?B?$/, message)
      .transform((v) => {
        const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)/.exec(v)!;
        return Math.round(Number(m[1]) * UNITS[m[2] as keyof typeof UNITS]);
      }),
  );
}

/** Bytes per second: 0 (no limit), 1024, 300K, 2M (K and M are binary: 1024, 1048576). */
export const rateValue = bytesValue("expected bytes per second like 300K, 2M or 0 for no limit");

export const ipValue = text.refine((v) => isIP(v) !== 0, "expected an IP address, e.g. 127.0.0.1, 0.0.0.0 or ::");

export const portRangeValue = text.transform((v, ctx) => {
  try {
    return parsePortRange(v);
  } catch (err) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
    return z.NEVER;
  }
});

export const permsValue = text.refine((v) => v.length > 0 && unknownLetters(v).length === 0, {
  message: `expected permission letters from ${PERM_LETTERS}`,
});

export const levelValue = text.pipe(z.enum(["error", "warn", "info", "verbose", "debug"], { message: "expected one of error, warn, info, verbose, debug" }));

//> final quota-values
/** Bytes: 0, 1024, 500K, 10M, 2G, 1T (binary units). */
export const sizeValue = bytesValue("expected a size like 500K, 10M, 2G or 0 for none");

/** "anna=10G; guest=100M" (users) or "pub/drop=500M" (folders) -> Map name -> bytes. */
export const sizeMapValue = text.transform((v, ctx) => {
  const sizes = new Map<string, number>();
  for (const part of v.split(";").map((p) => p.trim()).filter(Boolean)) {
    const at = part.lastIndexOf("=");
    const size = sizeValue.safeParse(part.slice(at + 1).trim());
    if (at <= 0 || !size.success) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${part}" should be NAME=SIZE, e.g. anna=10G; guest=100M` });
      return z.NEVER;
    }
    sizes.set(part.slice(0, at).trim(), size.data);
  }
  return sizes;
});

//<
//> final address-list-values
/** "127.0.0.1, 192.168.1.0/24": addresses and networks, comma- or space-separated. */
export const addressListValue = text.transform((v, ctx) => {
  const items = v.split(/[\s,]+/).filter(Boolean);
  const bad = items.find((item) => !isNetwork(item));
  if (bad !== undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${bad}" is not an address or NETWORK/BITS, e.g. 192.168.1.0/24` });
    return z.NEVER;
  }
  return items;
});

/** "anna=192.168.1.0/24 10.0.0.0/8; bob=127.0.0.1": where each user may log in from. */
export const userAllowValue = text.transform((v, ctx) => {
  const rules = new Map<string, string[]>();
  for (const part of v.split(";").map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf("=");
    const name = part.slice(0, at).trim();
    const items = part.slice(at + 1).split(/[\s,]+/).filter(Boolean);
    if (at <= 0 || items.length === 0 || !items.every(isNetwork)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${part}" should be NAME=ADDRESS-OR-NETWORK ..., e.g. anna=192.168.1.0/24 10.0.0.0/8` });
      return z.NEVER;
    }
    rules.set(name, items);
  }
  return rules;
});

//<
//> 3 masquerade-values
/** A transform that runs one of the server's parsers: the Error it throws is the setting's message. */
function parsedBy<T>(parse: (text: string) => T) {
  return (v: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(v);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
      return z.NEVER;
    }
  };
}

//<
/** --nat-address: the text as typed (lesson 3 checks it: an IPv4 address, data/masquerade.ts). */
export const ipv4Value = text
//> 3 nat-address-check
  .transform(parsedBy(masqueradeAddress));
//<

/**
 * --masquerade-map: the text as typed (lesson 3 parses it, data/masquerade.ts):
 * "192.168.0.0/16=192.168.1.10, 10.0.0.0/8=10.0.0.2" -> [{ network, address }, ...]
 */
export const masqueradeMapValue = text
//> 3 masquerade-map-parse
  .transform(parsedBy(parseMasqueradeMap));
//<
