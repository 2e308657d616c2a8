/**
 * The real course, not a fixture: final/src's markers against lessons/manifest.json.
 * - the last solution is the final server minus markers (no code is final-only yet; when some
 *   is, it must be listed here, so the difference is a decision, not an accident);
 * - every lesson has at least one TODO in its starter, in a file the manifest says it edits,
 *   and every file the manifest lists exists in that starter;
 * - no TODO of another lesson leaks into a starter.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles } from "../../tools/curriculum/file-tree.ts";
import { projectCourse } from "../../tools/curriculum/generate.ts";
import { loadManifest, REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { parseMarkers } from "../../tools/curriculum/markers.ts";
import { render } from "../../tools/curriculum/project.ts";

const lessons = loadManifest();
const last = lessons[lessons.length - 1]!;
const source = path.join(REPO_ROOT, "final", "src");

/** Blocks that are in the final server but in no lesson's solution, as "file#name". */
const FINAL_ONLY: string[] = [
  // TLS on data connections decrypts through its own stream, not into an upload's buffers (part 3)
  "session.ts#tls-data-reader",
  // HASH and the X-hash commands (part 3: integrity checks)
  "commands/hash.ts#hash",
  "commands/info.ts#hash-option-import",
  "commands/info.ts#opts-hash",
  "commands/table.ts#hash-import",
  "commands/table.ts#hash-table",
  // stored password hashes: lesson 1 checks scrypt digests; xxftp's MD5, the equal-cost decoy
  // checks and npm run hash-password are the final server's (part 3)
  "auth/authorizer.ts#add-cost",
  "auth/authorizer.ts#add-hashed", // 1-final: lesson 1's scrypt-only store, replaced by add-cost
  "auth/authorizer.ts#decoy-import",
  "auth/authorizer.ts#dummy-check",
  "auth/authorizer.ts#hashed-check",
  "auth/authorizer.ts#stored-cost",
  "auth/password-hash.ts#decoys",
  "auth/password-hash.ts#hash-defaults",
  "auth/password-hash.ts#md5-check",
  "auth/password-hash.ts#md5-import",
  "auth/password-hash.ts#md5-pattern",
  "auth/password-hash.ts#md5-too",
  "auth/password-hash.ts#scrypt-only", // 1-final: lesson 1 knows scrypt only, final md5 too
  "auth/password-hash.ts#weak-hash",
  "auth/users-file.ts#users-file-hash",
  "auth/users-file.ts#users-file-hash-import",
  "hash-password.ts#hash-password",
  // welcome, login and goodbye messages from files (part 3)
  "cli.ts#message-files",
  "cli.ts#message-files-import",
  "cli.ts#message-files-used",
  "config/settings.ts#message-file-settings",
  // address rules: allow, deny, user_allow (part 3)
  "address-rules.ts#address-rules",
  "cli.ts#address-rules-import",
  "cli.ts#address-rules-options",
  "commands/login.ts#user-address-check",
  "config/settings.ts#address-rule-settings",
  "config/values.ts#address-list-import",
  "config/values.ts#address-list-values",
  "options.ts#address-rule-import",
  "options.ts#address-rule-options",
  "server.ts#address-rule-check",
  // disk quotas: quota, user_quota, folder_quota, usage file, SITE QUOTA (part 3)
  "cli.ts#path-from-setting",
  "cli.ts#quota-import",
  "cli.ts#quota-options",
  "commands/files.ts#quota-dele",
  "commands/site.ts#site-quota",
  "commands/site.ts#site-quota-import",
  "commands/transfer.ts#quota-count",
  "commands/transfer.ts#quota-guard",
  "commands/transfer.ts#quota-import",
  "commands/transfer.ts#quota-room",
  "config/settings.ts#quota-settings",
  "config/values.ts#quota-values",
  "main.ts#close-and-exit",
  "main.ts#quota-load",
  "main.ts#quota-save",
  "options.ts#quota-import",
  "options.ts#quota-option",
  "quota.ts#quota",
  // file-name encodings: --encoding gbk, OPTS UTF8 per session (part 3)
  "cli.ts#encoding-import",
  "cli.ts#encoding-option",
  "commands/info.ts#opts-utf8-codec",
  "commands/info.ts#opts-utf8-import",
  "config/settings.ts#encoding-setting",
  "protocol/codec.ts#legacy-codecs",
  "protocol/codec.ts#legacy-codecs-import",
  // FTPS: AUTH TLS, PBSZ, PROT, CCC refused, policy flags (part 3)
  "cli.ts#tls-cli-import",
  "cli.ts#tls-identity",
  "commands/login.ts#tls-control-required",
  "commands/table.ts#tls-import",
  "commands/table.ts#tls-table",
  "commands/tls.ts#tls-commands",
  "config/settings.ts#tls-settings",
  "main.ts#tls-load",
  "main.ts#tls-main-import",
  "options.ts#tls-options",
  "options.ts#tls-options-import",
  "session.ts#tls-data",
  "session.ts#tls-data-required",
  "session.ts#tls-import",
  "session.ts#tls-state",
  "session.ts#tls-upgrade",
  "tls/context.ts#tls-context",
  "tls/secure-socket.ts#tls-secure-socket",
  // virtual folders and per-folder permissions (part 3)
  "auth/authorizer.ts#account-mounts",
  "auth/authorizer.ts#accounts-named",
  "auth/permissions.ts#folder-permissions",
  "auth/permissions.ts#folder-permissions-check",
  "auth/permissions.ts#folder-permissions-import",
  "cli.ts#folder-rules",
  "cli.ts#folder-rules-apply",
  "cli.ts#folder-rules-import",
  "commands/login.ts#login-mounts",
  "config/settings.ts#folder-rule-settings",
  "fs/jail.ts#jail-mounts",
  "fs/jail.ts#jail-mounts-contains",
  "fs/jail.ts#jail-mounts-import",
  "fs/jail.ts#jail-mounts-resolve",
  "fs/virtual-folders.ts#virtual-folders",
  // implicit FTPS (part 3)
  "main.ts#implicit-tls-listen",
  "server.ts#implicit-tls",
  "server.ts#implicit-tls-close",
  "server.ts#implicit-tls-import",
  "server.ts#implicit-tls-session",
  // atomic uploads (issue 7)
  "commands/transfer.ts#atomic-completed",
  "commands/transfer.ts#atomic-finish",
  "commands/transfer.ts#atomic-import",
  "commands/transfer.ts#atomic-open",
  "config/settings.ts#atomic-setting",
  "options.ts#atomic-option",
  // typed configuration (issue 18): the final-only list flags a repeat error merges into one value;
  // ServerOptions split into plain settings (typed by the table) and services built once:
  // the final-only settings and services each have a block where they are typed, and built
  "cli.ts#list-flags",
  "cli.ts#address-rules-services",
  "cli.ts#quota-service",
  "cli.ts#tls-off-check",
  "options.ts#atomic-value",
  "options.ts#hard-links-value",
  "options.ts#tls-service",
  "options.ts#tls-values",
  // Round 2, security (docs/security.md): hard links refused on request
  "commands/transfer.ts#hard-links-store",
  "commands/transfer.ts#hard-links-transfer-import",
  "config/settings.ts#hard-links-setting",
  "fs/hard-links.ts#hard-links",
  "options.ts#hard-links-option",
  // quotas: renames charged across limits, folders with rules not renamed, refused uploads undone
  "commands/files.ts#plain-rename",
  "commands/files.ts#quota-rename",
  "commands/files.ts#rename-checks",
  "commands/files.ts#rename-checks-import",
  "commands/files.ts#rename-rules-from",
  "commands/files.ts#rename-rules-to",
  "commands/transfer.ts#quota-refused",
  "commands/transfer.ts#quota-release",
  // virtual folders in the race-free jail
  "fs/jail.ts#jail-mounts-handle",
  "fs/jail.ts#jail-mounts-roots",
  // equal cost for every wrong password; STARTTLS injection; implicit FTPS before the handshake; TLS errors are 426
  "auth/authorizer.ts#check-equally",
  "protocol/line-reader.ts#discard-pending",
  "server.ts#implicit-handshake-time",
  "server.ts#implicit-tls-pending",
  "server.ts#session-counts",
  "transfer/transfer.ts#tls-broken",
  // the storage seam (issue 18): the commands act through it in every stage, so storage.ts,
  // errors.ts, streams.ts and local.ts are skeleton; the in-memory backend (tests) and the
  // listing of virtual folders stay final-only
  "storage/local.ts#storage-local-mounts",
  "storage/memory.ts#storage-memory",
  // S3-compatible object storage as a second Storage (issue 23), not wired into the server yet
  "storage/s3.ts#storage-s3",
  // the commands on the storage seam: refuse_hard_links is the local disk's choice, checked on
  // the file it opened (MFMT, SITE CHMOD, uploads); quotas still count real folders (stopgap)
  "commands/files.ts#quota-dele-count",
  "commands/login.ts#hard-links-storage",
  "commands/login.ts#plain-storage",
  "storage/local.ts#storage-hard-links-chmod",
  "storage/local.ts#storage-hard-links-import",
  "storage/local.ts#storage-hard-links-option",
  "storage/local.ts#storage-hard-links-times",
  "storage/local.ts#storage-hard-links-write",
  "storage/real-path.ts#storage-real-path",
];

describe("the real course", () => {
  it(`solution ${last.id} is final/src minus markers, apart from the final-only blocks listed here`, async () => {
    const finalOnly: string[] = [];
    for (const relative of await listFiles(source)) {
      if (!relative.endsWith(".ts")) continue;
      const marked = parseMarkers(await readFile(path.join(source, relative), "utf8"), { file: relative });
      // Final-only code, and lesson code the final server replaces ("N-final").
      for (const block of marked.blocks.values()) {
        if (block.from === "final" || block.until === Number.POSITIVE_INFINITY) finalOnly.push(`${relative}#${block.name}`);
      }
      if (finalOnly.some((b) => b.startsWith(`${relative}#`))) continue;
      expect(render(marked, { stage: last.id, kind: "solution" }), relative).toBe(render(marked, { stage: "final", kind: "solution" }));
    }
    expect(finalOnly.sort()).toEqual([...FINAL_ONLY].sort());
  });

  it("each starter has TODOs for its own lesson only, in the files its manifest entry lists", async () => {
    const targets = await projectCourse(source, lessons);
    for (const lesson of lessons) {
      const starter = targets.find((t) => t.dir === `${lesson.dir}/src`)!;
      const todoFiles = new Set<string>();
      for (const [file, bytes] of starter.files) {
        const text = bytes.toString("utf8");
        for (const m of text.matchAll(/TODO\(lesson (\d+)\)/g)) {
          expect(Number(m[1]), `${lesson.dir}/src/${file} has a TODO of lesson ${m[1]}`).toBe(lesson.id);
          todoFiles.add(`src/${file}`);
        }
      }
      expect(todoFiles.size, `${lesson.dir}: no TODO(lesson ${lesson.id}) in the starter`).toBeGreaterThan(0);
      for (const file of lesson.files) expect(starter.files.has(file.replace(/^src\//, "")), `${lesson.dir}: manifest lists ${file}, which the starter lacks`).toBe(true);
      const unlisted = [...todoFiles].filter((f) => !lesson.files.includes(f));
      expect(unlisted, `${lesson.dir}: TODOs in files the manifest does not list`).toEqual([]);
    }
  });
});
