/**
 * The real course, not a fixture: final/src's markers against lessons/manifest.json.
 * - the last solution is the final server minus markers (no code is final-only yet; when some
 *   is, it must be listed here, so the difference is a decision, not an accident);
 * - the kit (workspace/src, the first lesson's starter) holds no TODO of a later lesson, and its
 *   TODOs are in files the first lesson's manifest entry lists;
 * - every file a lesson's manifest entry lists exists in that lesson's solution.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles } from "../../tools/curriculum/file-tree.ts";
import { projectCourse, WORKSPACE_SRC } from "../../tools/curriculum/generate.ts";
import { loadManifest, REPO_ROOT } from "../../tools/curriculum/manifest.ts";
import { parseMarkers } from "../../tools/curriculum/markers.ts";
import { render } from "../../tools/curriculum/project.ts";

const lessons = loadManifest();
const last = lessons[lessons.length - 1]!;
const source = path.join(REPO_ROOT, "final", "src");

/** Blocks that are in the final server but in no lesson's solution, as "file#name". */
const FINAL_ONLY: string[] = [
  // --print-config: the effective settings with their sources (an operator's tool, no lesson's)
  "cli.ts#print-config-flag",
  "cli.ts#print-config-option",
  "cli.ts#print-config-value",
  "config/effective.ts#print-config",
  "main.ts#print-config",
  "main.ts#print-config-import",
  // SITE commands (CHMOD, QUOTA ...): server-specific extras no lesson asks for
  "commands/site.ts#site-commands",
  "commands/table.ts#site-import",
  "commands/table.ts#site-table",
  // TLS on data connections decrypts through its own stream, not into an upload's buffers (part 3)
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
  "cli.ts#user-flag-hash",
  "cli.ts#user-flag-hash-import",
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
  // welcome, login and goodbye messages from files (part 3)
  "services.ts#message-files",
  "services.ts#message-files-import",
  "services.ts#message-files-used",
  "config/settings.ts#message-file-settings",
  // address rules: allow, deny, user_allow (part 3)
  "address-rules.ts#address-rules",
  "services.ts#address-rules-import",
  "services.ts#address-rules-options",
  "commands/login.ts#user-address-check",
  "config/settings.ts#address-rule-settings",
  "config/values.ts#address-list-import",
  "config/values.ts#address-list-values",
  "options.ts#address-rule-import",
  "options.ts#address-rule-options",
  "server.ts#address-rule-check",
  // disk quotas: quota, user_quota, folder_quota, usage file, SITE QUOTA (part 3)
  "services.ts#path-from-setting",
  "services.ts#quota-import",
  "services.ts#quota-options",
  "commands/site.ts#site-quota",
  "commands/site.ts#site-quota-import",
  "config/settings.ts#quota-settings",
  "config/values.ts#quota-values",
  "server.ts#quota-load",
  "server.ts#quota-save",
  "options.ts#quota-import",
  "options.ts#quota-option",
  "quota.ts#quota",
  // file-name encodings: --encoding gbk, OPTS UTF8 per session (part 3)
  "services.ts#encoding-import",
  "services.ts#encoding-option",
  "commands/info.ts#opts-utf8-codec",
  "commands/info.ts#opts-utf8-import",
  "config/settings.ts#encoding-setting",
  // FTPS: AUTH TLS, PBSZ, PROT, CCC refused, policy flags (part 3)
  "services.ts#tls-cli-import",
  "services.ts#tls-identity",
  "commands/login.ts#tls-control-required",
  "commands/table.ts#tls-import",
  "commands/table.ts#tls-table",
  "commands/tls.ts#tls-commands",
  "config/settings.ts#tls-settings",
  "server.ts#tls-load",
  "server.ts#tls-load-import",
  "server.ts#effective-field",
  "server.ts#effective-keep",
  "options.ts#tls-options",
  "options.ts#tls-options-import",
  "tls/context.ts#tls-context",
  "tls/secure-socket.ts#tls-secure-socket",
  // virtual folders and per-folder permissions (part 3)
  "auth/authorizer.ts#account-mounts",
  "auth/authorizer.ts#accounts-named",
  "auth/permissions.ts#folder-permissions",
  "auth/permissions.ts#folder-permissions-check",
  "auth/permissions.ts#folder-permissions-import",
  "services.ts#folder-rules",
  "services.ts#folder-rules-apply",
  "services.ts#folder-rules-import",
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
  // atomic uploads (issue 7), a layer of the storage since issue 18
  "storage/atomic.ts#storage-atomic",
  "config/settings.ts#atomic-setting",
  "options.ts#atomic-option",
  // typed configuration (issue 18): the final-only list flags a repeat error merges into one value;
  // ServerOptions split into plain settings (typed by the table) and services built once:
  // the final-only settings and services each have a block where they are typed, and built
  "cli.ts#list-flags",
  "services.ts#address-rules-services",
  "services.ts#quota-service",
  "services.ts#tls-off-check",
  "options.ts#atomic-value",
  "options.ts#hard-links-value",
  "options.ts#tls-service",
  "options.ts#tls-values",
  // Round 2, security (docs/security.md): hard links refused on request (uploads: by the
  // storage, storage/local.ts, since STOR/APPE/STOU open through s.storage.openWrite)
  "config/settings.ts#hard-links-setting",
  "fs/hard-links.ts#hard-links",
  "options.ts#hard-links-option",
  // virtual folders in the race-free jail
  "fs/jail.ts#jail-mounts-handle",
  "fs/jail.ts#jail-mounts-roots",
  // equal cost for every wrong password; STARTTLS injection; implicit FTPS before the handshake; TLS errors are 426
  "auth/authorizer.ts#check-equally",
  "server.ts#implicit-handshake-time",
  "server.ts#implicit-tls-pending",
  "server.ts#session-counts",
  // the storage seam (issue 18): the commands act through it in every stage, so storage.ts,
  // errors.ts, streams.ts and local.ts are skeleton; the in-memory backend (tests) and the
  // listing of virtual folders stay final-only
  "storage/local.ts#storage-local-mounts",
  "storage/memory.ts#storage-memory",
  // S3-compatible object storage as a second Storage (issue 23), not wired into the server yet
  "storage/s3.ts#storage-s3",
  // the commands on the storage seam: refuse_hard_links is the local disk's choice, checked on
  // the file it opened (MFMT, SITE CHMOD, uploads)
  "commands/login.ts#plain-storage",
  "storage/local.ts#storage-hard-links-chmod",
  "storage/local.ts#storage-hard-links-import",
  "storage/local.ts#storage-hard-links-option",
  "storage/local.ts#storage-hard-links-times",
  "storage/local.ts#storage-hard-links-write",
  // the session's storage is a stack of layers made at login (issue 18): atomic uploads and
  // quotas are layers around the local disk; the commands no longer know either
  "commands/login.ts#user-storage",
  "commands/login.ts#user-storage-import",
  "storage/layer.ts#storage-layer",
  "storage/quota-layer.ts#storage-quota",
  "storage/user-storage.ts#storage-user",
  // Round 2, session 2 (issue 18 point 5, lesson 0): the session core and the protocol core are
  // lesson 0; the hardening around them is final-only: the session's joins to session/guard.ts
  // (input caps, ABOR/STAT beside a transfer, line deadline, idle clock) and session/start-tls.ts,
  // RNFR/OPTS/TLS state, long (STAT) replies; TLS and stall timeouts of data connections
  // (session/data-connections.ts); Telnet stripping and a chunk's final CR as a line end (urgent
  // ABOR); PASV's foreign-address refusal, accept timeout and own read buffers; MLSD/MLST, STAT
  // listings, wildcards and CR/LF escaping of names; legacy codecs; TLS errors as broken
  // connections. OPTS MLST and STAT with a path (commands/info.ts) are final-only too; the
  // stages' OPTS UTF8 keeps no state (opts-utf8-always, 0-final), their STAT PATH is a 502.
  "session.ts#session-final-imports",
  "session.ts#session-final-state",
  "session.ts#session-guard-new",
  "session.ts#session-guard-read",
  "session.ts#session-guard-take",
  "session.ts#session-guard-done",
  "session.ts#session-guard-idle",
  "session.ts#rename-reset",
  "session.ts#session-guard-resumed",
  "session.ts#session-final-methods",
  "session.ts#command-state-reset",
  "session.ts#session-guard-stop",
  "session/guard.ts#session-guard",
  "session/start-tls.ts#session-start-tls",
  "session/data-connections.ts#tls-data-import",
  "session/data-connections.ts#tls-data-required",
  "session/data-connections.ts#tls-data-reader",
  "session/data-connections.ts#tls-data",
  "session/data-connections.ts#data-timeout",
  "session/data-connections.ts#data-timeout-reply",
  "session/data-connections.ts#session-guard-transfer-ended",
  "protocol/codec.ts#legacy-codecs-import",
  "protocol/codec.ts#legacy-codecs",
  "protocol/line-reader.ts#telnet-and-urgent",
  "protocol/line-reader.ts#urgent-cr-state",
  "protocol/line-reader.ts#discard-pending",
  "protocol/line-reader.ts#urgent-cr-skip",
  "protocol/line-reader.ts#urgent-cr-end",
  "protocol/line-reader.ts#telnet-strip",
  "protocol/line-reader.ts#telnet",
  "data/passive.ts#passive-foreign-comment",
  "data/passive.ts#passive-foreign-import",
  "data/passive.ts#passive-guard-options",
  "data/passive.ts#passive-timer",
  "data/passive.ts#passive-accept-timeout",
  "data/passive.ts#passive-foreign",
  "data/passive.ts#own-buffers-handover",
  "data/passive.ts#passive-timer-clear",
  "data/passive.ts#own-buffers",
  "commands/data-setup.ts#passive-guard-use",
  "commands/listing.ts#mlst-comment",
  "commands/listing.ts#mlst-import",
  "commands/listing.ts#wildcard-import",
  "commands/listing.ts#wire-name",
  "commands/listing.ts#wire-name-use",
  "commands/listing.ts#mlsd-entry",
  "commands/listing.ts#listing-extras-doc",
  "commands/listing.ts#listing-extras",
  "commands/listing.ts#listing-prefix",
  "commands/listing.ts#listing-wildcard-match",
  "commands/listing.ts#listing-wildcard",
  "commands/listing.ts#mlsd-folder",
  "commands/listing.ts#listing-final",
  "commands/info.ts#opts-mlst-import",
  "commands/info.ts#opts-mlst",
  "commands/info.ts#opts-utf8-state",
  "commands/info.ts#opts-utf8-always",
  "commands/info.ts#stat-path-import",
  "commands/info.ts#stat-path",
  "commands/info.ts#no-stat-path",
  "commands/listing.ts#mlsd-mlst",
  "listing/format.ts#mlsx-comment",
  "listing/format.ts#mlsx-import",
  "listing/format.ts#mlsx-facts",
  "listing/format.ts#mlsx-facts-line",
  "listing/wildcard.ts#wildcard",
  "transfer/transfer.ts#tls-broken",
  // the file commands beyond lesson 0 (DELE, MKD, RMD, RNFR/RNTO, SIZE, MDTM, MFMT; no lesson
  // asks for them, lesson 1 accepts 500/502) and, in the transfer commands, APPE, STOU, ABOR,
  // REST and ALLO (lesson 0 asks for RETR and STOR only)
  "commands/files.ts#file-commands",
  "commands/table.ts#files-import",
  "commands/table.ts#files-table",
  "commands/params.ts#allo-rest",
  "commands/params.ts#rest-comment",
  "commands/transfer.ts#appe-stou-abor",
  "commands/transfer.ts#open-at",
  "commands/transfer.ts#parent-of",
  "commands/transfer.ts#resume-imports",
  "commands/transfer.ts#resume-kind",
  "commands/transfer.ts#resume-open",
  "commands/transfer.ts#rest-abor-comment",
  "commands/transfer.ts#rest-cut",
  "commands/transfer.ts#rest-retr",
  "commands/transfer.ts#rest-retr-check",
  "commands/transfer.ts#stou",
  // re-exports of moved modules, kept for the tests that import them from their old place
  // data/address.ts keeps a copy of -r's parser (config/values.ts) for the final server's unit tests
];

describe("the real course", () => {
  it(`solution ${last.id} is final/src minus markers, apart from the final-only blocks listed here`, async () => {
    const finalOnly: string[] = [];
    for (const relative of await listFiles(source)) {
      if (!relative.endsWith(".ts")) continue;
      const marked = parseMarkers(await readFile(path.join(source, relative), "utf8"), { file: relative, lessonIds: lessons.map((l) => l.id) });
      // Final-only code, and lesson code the final server replaces ("N-final").
      for (const block of marked.blocks.values()) {
        if (block.from === "final" || block.until === Number.POSITIVE_INFINITY) finalOnly.push(`${relative}#${block.name}`);
      }
      if (finalOnly.some((b) => b.startsWith(`${relative}#`))) continue;
      expect(render(marked, { stage: last.id, kind: "solution" }), relative).toBe(render(marked, { stage: "final", kind: "solution" }));
    }
    expect(finalOnly.sort()).toEqual([...FINAL_ONLY].sort());
  });

  it("the kit (workspace/src) holds TODOs of the first lesson only, in files it lists; each solution has the files its lesson lists", async () => {
    const targets = await projectCourse(source, lessons);
    const first = lessons[0]!;
    const kit = targets.find((t) => t.dir === WORKSPACE_SRC)!;
    for (const [file, bytes] of kit.files) {
      for (const m of bytes.toString("utf8").matchAll(/TODO\(lesson (\d+)\)/g)) {
        expect(Number(m[1]), `${WORKSPACE_SRC}/${file} has a TODO of lesson ${m[1]}`).toBe(first.id);
        expect(first.files, `${WORKSPACE_SRC}/${file}: a TODO in a file lesson ${first.id}'s manifest entry does not list`).toContain(`src/${file}`);
      }
    }
    for (const lesson of lessons) {
      const solution = targets.find((t) => t.dir === `${lesson.solutionDir}/src`)!;
      for (const file of lesson.files) expect(solution.files.has(file.replace(/^src\//, "")), `${lesson.solutionDir}: manifest lists ${file}, which the solution lacks`).toBe(true);
    }
    // No per-lesson starter is projected any more (only old folders to delete).
    expect(targets.filter((t) => t.dir.startsWith("lessons/") && !t.obsolete)).toEqual([]);
  });
});
