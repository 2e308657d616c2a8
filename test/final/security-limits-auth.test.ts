/**
 * docs/security.md promises that a wrong password costs the same whoever the name belongs to:
 * a known user (plain or hashed password), an unknown name. Timing on a shared machine is too
 * noisy to assert, so this checks the work instead: node:crypto's scrypt is wrapped to count
 * its calls and their parameters, and every PASS check of an authorizer that holds at least
 * one scrypt hash must make exactly the same scrypt computations (same count, same N, r, p).
 * An authorizer with no hash at all makes none (plain passwords: a SHA-256 digest each).
 */
import { describe, expect, it, vi } from "vitest";

const calls = vi.hoisted(() => ({ list: [] as string[] }));

vi.mock("node:crypto", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:crypto")>();
  const scrypt = ((password: unknown, salt: unknown, keylen: number, options: unknown, callback: unknown) => {
    const o = (typeof options === "function" ? {} : options) as { N?: number; r?: number; p?: number };
    calls.list.push(`N=${o.N ?? 16384} r=${o.r ?? 8} p=${o.p ?? 1}`);
    return (real.scrypt as (...args: unknown[]) => void)(password, salt, keylen, options, callback);
  }) as typeof real.scrypt;
  return { ...real, default: { ...real, scrypt }, scrypt };
});

const { VirtualUsers } = await import("../../final/src/auth/authorizer.ts");
const { hashPassword } = await import("../../final/src/auth/password-hash.ts");

/** The scrypt computations one authenticate() makes. */
async function work(users: InstanceType<typeof VirtualUsers>, name: string, password: string): Promise<string[]> {
  calls.list.length = 0;
  await users.authenticate(name, password);
  return [...calls.list].sort();
}

describe("security: every wrong password costs the same scrypt work", () => {
  it("mixed plain, scrypt and md5 users: known (each kind), unknown, right and wrong passwords make identical scrypt calls", async () => {
    const users = new VirtualUsers();
    users.addUser("plain", "s3cret", "/tmp", "elr");
    users.addUser("hashed", await hashPassword("s3cret"), "/tmp", "elr");
    users.addUser("old", "md5:5f4dcc3b5aa765d61d8327deb882cf99", "/tmp", "elr");
    // Let any work the authorizer does once, at load time, finish before counting.
    await users.authenticate("warm-up", "x");
    const cases: Array<[string, string]> = [
      ["unknown", "wrong"],
      ["plain", "wrong"],
      ["plain", "s3cret"],
      ["hashed", "wrong"],
      ["hashed", "s3cret"],
      ["old", "wrong"],
      ["old", "password"],
    ];
    const seen = new Map<string, string[]>();
    for (const [name, password] of cases) seen.set(`${name}/${password}`, await work(users, name, password));
    const reference = seen.get("unknown/wrong")!;
    expect(reference.length, "an unknown name costs one scrypt computation").toBe(1);
    for (const [key, list] of seen) expect(list, `${key}: the same scrypt work as an unknown name`).toEqual(reference);
    expect(await users.authenticate("plain", "s3cret")).not.toBeNull();
    expect(await users.authenticate("hashed", "s3cret")).not.toBeNull();
    expect(await users.authenticate("old", "password")).not.toBeNull();
    expect(await users.authenticate("plain", "wrong")).toBeNull();
    expect(await users.authenticate("hashed", "wrong")).toBeNull();
  });

  it("hashes with other scrypt parameters: every name pays for every parameter set present", async () => {
    const users = new VirtualUsers();
    users.addUser("plain", "s3cret", "/tmp", "elr");
    users.addUser("hashed", await hashPassword("s3cret"), "/tmp", "elr");
    // The same password hashed with N=2^12, r=4 (a file from another tool).
    const { scryptSync, randomBytes } = await import("node:crypto");
    const salt = randomBytes(16);
    const key = scryptSync("s3cret", salt, 32, { N: 4096, r: 4, p: 1 });
    users.addUser("light", `scrypt$4096$4$1$${salt.toString("base64")}$${key.toString("base64")}`, "/tmp", "elr");
    await users.authenticate("warm-up", "x");
    const reference = await work(users, "unknown", "x");
    for (const [name, password] of [["plain", "x"], ["hashed", "x"], ["light", "x"], ["light", "s3cret"]] as const) {
      expect(await work(users, name, password), `${name}/${password}`).toEqual(reference);
    }
    expect(await users.authenticate("light", "s3cret")).not.toBeNull();
  });

  it("plain passwords only: no scrypt at all (a SHA-256 digest each), for known and unknown names", async () => {
    const users = new VirtualUsers();
    users.addUser("plain", "s3cret", "/tmp", "elr");
    expect(await work(users, "plain", "wrong")).toEqual([]);
    expect(await work(users, "unknown", "wrong")).toEqual([]);
    expect(await users.authenticate("plain", "s3cret")).not.toBeNull();
  });
});
