//> final storage-s3
// A Storage on S3-compatible object storage (AWS S3, MinIO, Garage, ...): one bucket, under an
// optional key prefix. The same code talks to every one of them; only the endpoint differs.
//
//   const storage = new S3Storage({ bucket: "ftp", prefix: "users/ann/", endpoint: "http://127.0.0.1:9000",
//                                   forcePathStyle: true });   // credentials: the AWS environment variables
//
// How a tree of folders maps onto flat keys ("/docs/a.txt" -> "<prefix>docs/a.txt"):
//   - a file is an object; a folder is a key prefix ending in "/". MKD writes an empty marker
//     object "docs/" (what the AWS console, rclone and s3fs write), so an empty folder exists;
//     a prefix that only has objects under it (written by another tool) is a folder too.
//   - a folder whose last file goes keeps its marker (DELE and RMD of its content write the
//     parent's marker when it has none), so the folder a client is in never vanishes under it.
//   - listings are ListObjectsV2 with the delimiter "/", one page per batch, asked for only
//     when the caller wants the next batch: a folder of 100,000 objects is never held whole.
//   - MDTM/MFMT and SITE CHMOD use object metadata, as s3fs and rclone do: "mtime" (seconds since
//     1970) and "mode" (s3fs's decimal st_mode); writing them is a server-side copy of the
//     object onto itself. A listing shows the object's LastModified (reading the metadata
//     would cost one HEAD per entry), so LIST and MDTM may differ after MFMT.
//
// Uploads go straight into a multipart upload, part by part, with memory bounded by
// (queueSize + 1) parts whatever the size; nothing touches the local disk. commit() completes
// the upload (a file smaller than one part is a single PUT at commit), close() without it
// aborts: an S3 object only ever appears whole, so every upload here is atomic.
//
// What an object store cannot do, and what this does instead (test/final/storage-contract-s3
// turns the matching contract cases off):
//   - positioned writes: "at" (REST + STOR) and "append" (APPE) write a NEW object made of the
//     existing object's first `offset` bytes and then the new data; the first bytes are copied
//     server-side (UploadPartCopy) when they make a part of 5 MiB or more, otherwise (or where
//     the server has no UploadPartCopy) streamed through a ranged GET. So the tail past the new
//     data is dropped (the caller's truncate(offset + written) agrees; any other truncate is
//     "unsupported"), an offset past the end is "unsupported", and two appenders at once each
//     write their own whole object (the last to commit wins).
//   - readers do not keep a replaced file: a read started before a replacement fails (ranged
//     GETs ask for the ETag seen at open) instead of mixing old and new bytes.
//   - a folder rename is a copy of every object under it and then a delete; it is refused
//     (550) past `maxRenameObjects`, and when a copy fails the copies made are removed again,
//     so nothing is half-moved.

import { Readable, PassThrough, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  type $Command,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { StorageError, asStorageError } from "./errors.ts";
import type { FileInfo, ReadHandle, StatTarget, Storage, WriteHandle, WriteMode } from "./storage.ts";
import { virtualParts } from "./storage.ts";
import { STREAM_CHUNK } from "./streams.ts";

/** S3's smallest part (all but the last), its largest, and the most parts in one upload. */
const MIN_PART = 5 * 1024 * 1024;
const MAX_PART = 5 * 1024 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** CopyObject copies up to 5 GiB in one request; bigger objects copy part by part. */
const MAX_COPY = MAX_PART;
const FOLDER_CONTENT_TYPE = "application/x-directory";

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix of the user's root ("users/ann" or "users/ann/"; default: the bucket's root). */
  prefix?: string;
  /** http(s)://host:port of MinIO, Garage, s3rver...; absent: AWS. */
  endpoint?: string;
  /** Default "us-east-1" (MinIO's and Garage's default too; Garage may be configured otherwise). */
  region?: string;
  /** Absent: the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** http://endpoint/bucket/key instead of http://bucket.endpoint/key (MinIO, Garage, s3rver). */
  forcePathStyle?: boolean;
  /** Bytes per uploaded part (default 8 MiB, at least 5 MiB); doubles every 1,000 parts. */
  partSize?: number;
  /** Parts uploading at once (default 2): memory per upload is (queueSize + 1) * partSize. */
  queueSize?: number;
  /** Objects per listing page, i.e. per batch of list() (default 1000, S3's maximum). */
  listPageSize?: number;
  /** A folder rename copies every object under it: refused past this many (default 10,000). */
  maxRenameObjects?: number;
  /** A client of one's own (tests, shared connection pools); the options above then only name the bucket. */
  client?: S3Client;
}

interface ObjectHead {
  size: number;
  etag: string | undefined;
  lastModified: number;
  metadata: Record<string, string>;
  contentType: string | undefined;
}

export class S3Storage implements Storage {
  readonly client: S3Client;
  readonly bucket: string;
  /** "" or "a/b/". */
  readonly prefix: string;
  readonly partSize: number;
  readonly queueSize: number;
  private readonly pageSize: number;
  private readonly maxRenameObjects: number;
  /** False once the server said it has no UploadPartCopy (s3rver): the first bytes stream through instead. */
  partCopy = true;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? "").replace(/^\/+/, "");
    this.prefix = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
    this.partSize = Math.max(MIN_PART, options.partSize ?? 8 * 1024 * 1024);
    this.queueSize = Math.max(1, options.queueSize ?? 2);
    this.pageSize = Math.min(1000, Math.max(1, options.listPageSize ?? 1000));
    this.maxRenameObjects = options.maxRenameObjects ?? 10_000;
    this.client = options.client ?? new S3Client(clientConfig(options));
  }

  // ---- Storage --------------------------------------------------------------------------

  async stat(vpath: string, _target: StatTarget = "follow"): Promise<FileInfo> {
    // No links in an object store: the entry and what it leads to are the same.
    const parts = virtualParts(vpath);
    if (parts.length === 0) return { name: "/", kind: "folder", size: 0, mtimeMs: Date.now(), mode: 0o755, nlink: 2 };
    const name = parts[parts.length - 1]!;
    const file = await this.head(this.key(parts));
    if (file) return fileInfo(name, file);
    const folder = await this.folderInfo(parts);
    if (folder) return folder;
    throw await this.missing(parts, vpath);
  }

  async *list(vpath: string): AsyncGenerator<FileInfo[]> {
    const parts = virtualParts(vpath);
    const prefix = this.folderKey(parts);
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: "/", MaxKeys: this.pageSize, ContinuationToken: token }),
      );
      if (first && parts.length > 0 && (page.KeyCount ?? 0) === 0) {
        // Nothing under "name/": a file, or nothing at all.
        if (await this.head(this.key(parts))) throw new StorageError("not-a-folder", vpath);
        throw await this.missing(parts, vpath);
      }
      first = false;
      const batch: FileInfo[] = [];
      const now = Date.now();
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix?.slice(prefix.length, -1);
        // A folder's time is not known without one more request per folder: the listing's.
        if (name && validName(name)) batch.push({ name, kind: "folder", size: 0, mtimeMs: now, mode: 0o755, nlink: 2 });
      }
      for (const o of page.Contents ?? []) {
        const name = o.Key?.slice(prefix.length);
        if (!name || !validName(name)) continue; // the folder's own marker, or a key no path can name
        batch.push({ name, kind: "file", size: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? now, mode: 0o644, nlink: 1 });
      }
      if (batch.length > 0) yield batch;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async openRead(vpath: string): Promise<ReadHandle> {
    const parts = virtualParts(vpath);
    if (parts.length === 0) throw new StorageError("is-a-folder", vpath);
    const key = this.key(parts);
    const head = await this.head(key);
    if (!head) {
      if (await this.folderExists(parts)) throw new StorageError("is-a-folder", vpath);
      throw await this.missing(parts, vpath);
    }
    return new S3ReadHandle(this, key, head, fileInfo(parts[parts.length - 1]!, head));
  }

  async openWrite(vpath: string, mode: WriteMode): Promise<WriteHandle> {
    const parts = virtualParts(vpath);
    if (parts.length === 0) throw new StorageError(mode.kind === "create-new" ? "exists" : "is-a-folder", vpath);
    const key = this.key(parts);
    const existing = await this.head(key);
    if (!existing) {
      // A folder of that name: its marker (a HEAD). A prefix with no marker that only another
      // tool's objects make is not looked for here (a LIST per upload): S3 lets a file and a
      // prefix share a name, and the listing then shows both.
      if (await this.head(this.folderKey(parts))) throw new StorageError(mode.kind === "create-new" ? "exists" : "is-a-folder", vpath);
      await this.parentFolder(parts, vpath);
      if (mode.kind === "at") throw new StorageError("not-found", vpath);
    } else if (mode.kind === "create-new") {
      throw new StorageError("exists", vpath);
    }
    // What the new object starts with: the first bytes of the existing one.
    let keep = 0;
    if (mode.kind === "at") {
      if (!Number.isSafeInteger(mode.offset) || mode.offset < 0) throw new StorageError("io", `bad offset ${mode.offset}`);
      if (mode.offset > existing!.size) {
        throw new StorageError("unsupported", `REST ${mode.offset} past the end (${existing!.size}) of ${vpath}`, {
          reply: "Cannot write past the end of a file on this storage.",
        });
      }
      keep = mode.offset;
    } else if (mode.kind === "append" && existing) {
      keep = existing.size;
    }
    const atomic = mode.kind === "replace" && mode.atomic === true;
    let created = false;
    if (!existing && !atomic) {
      // STOR, STOU and APPE of a new name show the file at once, empty, as a disk does (and
      // STOU claims its name); abandoned, it goes again. Where the server knows If-None-Match,
      // STOU's claim is atomic.
      await this.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: Buffer.alloc(0), IfNoneMatch: mode.kind === "create-new" ? "*" : undefined }),
      ).catch((err: unknown) => {
        throw statusOf(err) === 412 ? new StorageError("exists", vpath) : err;
      });
      created = true;
    } else if (!existing) {
      created = true;
    }
    return new S3WriteHandle(this, key, vpath, created, existing?.size ?? 0, keep > 0 ? { size: keep, etag: existing!.etag } : null, atomic);
  }

  async mkdir(vpath: string): Promise<void> {
    const parts = virtualParts(vpath);
    if (parts.length === 0) throw new StorageError("exists", vpath);
    await this.parentFolder(parts, vpath);
    if ((await this.head(this.key(parts))) || (await this.folderExists(parts))) throw new StorageError("exists", vpath);
    await this.putMarker(parts);
  }

  async rmdir(vpath: string): Promise<void> {
    const parts = virtualParts(vpath);
    if (parts.length === 0) throw new StorageError("busy", vpath);
    const marker = this.folderKey(parts);
    const page = await this.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: marker, MaxKeys: 2 }));
    const keys = (page.Contents ?? []).map((o) => o.Key);
    if (keys.length === 0) {
      if (await this.head(this.key(parts))) throw new StorageError("not-a-folder", vpath);
      throw await this.missing(parts, vpath);
    }
    if (keys.some((k) => k !== marker)) throw new StorageError("not-empty", vpath);
    await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: marker }));
    await this.keepFolder(parts.slice(0, -1));
  }

  async remove(vpath: string): Promise<void> {
    const parts = virtualParts(vpath);
    if (parts.length === 0) throw new StorageError("is-a-folder", vpath);
    const key = this.key(parts);
    if (!(await this.head(key))) {
      if (await this.folderExists(parts)) throw new StorageError("is-a-folder", vpath);
      throw await this.missing(parts, vpath);
    }
    await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    await this.keepFolder(parts.slice(0, -1));
  }

  async rename(from: string, to: string): Promise<void> {
    const fromParts = virtualParts(from);
    const toParts = virtualParts(to);
    if (fromParts.length === 0 || toParts.length === 0) throw new StorageError("busy", fromParts.length === 0 ? from : to);
    const fromKey = this.key(fromParts);
    const file = await this.head(fromKey);
    const isFolder = !file && (await this.folderExists(fromParts));
    if (!file && !isFolder) throw await this.missing(fromParts, from);
    await this.parentFolder(toParts, to);
    if (from === to) return;
    if (isFolder && toParts.length > fromParts.length && fromParts.every((p, i) => p === toParts[i])) {
      throw new StorageError("name-not-allowed", `${from} into itself`);
    }
    const toKey = this.key(toParts);
    const targetFile = await this.head(toKey);
    const targetFolder = !targetFile && (await this.folderExists(toParts));
    if (file) {
      if (targetFolder) throw new StorageError("is-a-folder", to);
      await this.copy(fromKey, toKey, file);
      await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: fromKey }));
      await this.keepFolder(fromParts.slice(0, -1));
      return;
    }
    if (targetFile) throw new StorageError("not-a-folder", to);
    if (targetFolder) {
      const page = await this.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.folderKey(toParts), MaxKeys: 2 }));
      if ((page.Contents ?? []).some((o) => o.Key !== this.folderKey(toParts))) throw new StorageError("not-empty", to);
    }
    await this.renameFolder(fromParts, toParts, targetFolder, from);
    await this.keepFolder(fromParts.slice(0, -1));
  }

  async setTimes(vpath: string, mtimeMs: number): Promise<void> {
    await this.setMetadata(vpath, { mtime: formatSeconds(mtimeMs) });
  }

  async chmod(vpath: string, mode: number): Promise<void> {
    await this.setMetadata(vpath, (kind) => ({ mode: String((kind === "file" ? 0o100000 : 0o040000) | (mode & 0o777)) }));
  }

  // ---- keys and lookups -----------------------------------------------------------------

  key(parts: string[]): string {
    return this.prefix + parts.join("/");
  }

  /** The prefix of everything in a folder ("docs/"; the root's is the storage's prefix). */
  folderKey(parts: string[]): string {
    return parts.length === 0 ? this.prefix : `${this.key(parts)}/`;
  }

  /** Any SDK call, its errors as StorageErrors. */
  async send<I extends object, O extends object>(command: $Command<I, O, any, any, any>, signal?: AbortSignal): Promise<O> {
    try {
      return (await this.client.send(command as any, signal ? { abortSignal: signal } : undefined)) as O;
    } catch (err) {
      throw s3Error(err);
    }
  }

  /** The object at `key`, or null. */
  async head(key: string): Promise<ObjectHead | null> {
    let out: HeadObjectCommandOutput;
    try {
      out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw s3Error(err);
    }
    return {
      size: out.ContentLength ?? 0,
      etag: out.ETag,
      lastModified: out.LastModified?.getTime() ?? Date.now(),
      metadata: out.Metadata ?? {},
      contentType: out.ContentType,
    };
  }

  /** True when something is under "name/" (its marker, or objects another tool wrote). */
  async folderExists(parts: string[]): Promise<boolean> {
    if (parts.length === 0) return true;
    if (await this.head(this.folderKey(parts))) return true; // its marker: the usual case, and a HEAD is cheaper than a LIST
    const page = await this.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.folderKey(parts), MaxKeys: 1 }));
    return (page.KeyCount ?? 0) > 0;
  }

  private async folderInfo(parts: string[]): Promise<FileInfo | null> {
    const name = parts[parts.length - 1]!;
    const marker = await this.head(this.folderKey(parts));
    if (marker) return { ...fileInfo(name, marker), kind: "folder", size: 0, nlink: 2, mode: modeOf(marker, 0o755) };
    const page = await this.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.folderKey(parts), MaxKeys: 1 }),
    );
    const first = page.Contents?.[0];
    if (!first) return null;
    return { name, kind: "folder", size: 0, mtimeMs: first.LastModified?.getTime() ?? Date.now(), mode: 0o755, nlink: 2 };
  }

  /** Why `parts` is not there: a file on the way is not-a-folder, else not-found (error paths only). */
  private async missing(parts: string[], vpath: string): Promise<StorageError> {
    for (let i = parts.length - 1; i > 0; i--) {
      const up = parts.slice(0, i);
      if (await this.head(this.key(up))) return new StorageError("not-a-folder", vpath);
      if (await this.folderExists(up)) break;
    }
    return new StorageError("not-found", vpath);
  }

  /** The folder that holds `parts` must be there (not-found) and be a folder (not-a-folder). */
  private async parentFolder(parts: string[], vpath: string): Promise<void> {
    const parent = parts.slice(0, -1);
    if (parent.length === 0 || (await this.folderExists(parent))) return;
    throw await this.missing(parts, vpath);
  }

  private async putMarker(parts: string[], metadata?: Record<string, string>): Promise<void> {
    await this.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.folderKey(parts), Body: Buffer.alloc(0), ContentType: FOLDER_CONTENT_TYPE, Metadata: metadata }),
    );
  }

  /** After something left a folder: the folder stays, with a marker of its own if it had none. */
  private async keepFolder(parts: string[]): Promise<void> {
    if (parts.length === 0) return;
    if (!(await this.head(this.folderKey(parts)))) await this.putMarker(parts);
  }

  // ---- copies, renames, metadata --------------------------------------------------------

  private copySource(key: string): string {
    return `${this.bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
  }

  /** A server-side copy of one object (part by part past 5 GiB); `metadata` replaces its metadata. */
  async copy(fromKey: string, toKey: string, head: ObjectHead, metadata?: Record<string, string>): Promise<void> {
    const source = this.copySource(fromKey);
    if (head.size <= MAX_COPY) {
      await this.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: toKey,
          CopySource: source,
          CopySourceIfMatch: head.etag,
          ...(metadata ? { MetadataDirective: "REPLACE", Metadata: metadata, ContentType: head.contentType } : {}),
        }),
      );
      return;
    }
    const created = await this.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: toKey, Metadata: metadata ?? head.metadata, ContentType: head.contentType }),
    );
    const uploadId = created.UploadId!;
    try {
      const parts: CompletedPart[] = [];
      const count = Math.ceil(head.size / MAX_COPY);
      const each = Math.ceil(head.size / count);
      for (let n = 0; n < count; n++) {
        const start = n * each;
        const end = Math.min(head.size, start + each) - 1;
        const out = await this.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: toKey, UploadId: uploadId, PartNumber: n + 1, CopySource: source, CopySourceRange: `bytes=${start}-${end}`, CopySourceIfMatch: head.etag }),
        );
        parts.push({ PartNumber: n + 1, ETag: out.CopyPartResult?.ETag });
      }
      await this.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: toKey, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: toKey, UploadId: uploadId })).catch(() => {});
      throw err;
    }
  }

  /** Every object under `from/` copied under `to/`, then the originals deleted; all or nothing. */
  private async renameFolder(fromParts: string[], toParts: string[], targetExists: boolean, from: string): Promise<void> {
    const fromPrefix = this.folderKey(fromParts);
    const toPrefix = this.folderKey(toParts);
    // Counted first, so a folder too big to move is refused before anything moves.
    const keys: string[] = [];
    for await (const key of this.allKeys(fromPrefix)) {
      if (keys.length >= this.maxRenameObjects) {
        throw new StorageError("busy", `${from}: more than ${this.maxRenameObjects} objects`, {
          reply: `Folder too big to rename on this storage (more than ${this.maxRenameObjects} files).`,
        });
      }
      keys.push(key);
    }
    const copied: string[] = [];
    try {
      await eachLimit(keys, 8, async (key) => {
        const target = toPrefix + key.slice(fromPrefix.length);
        if (key === fromPrefix && targetExists) return; // the target keeps its own marker
        const head = await this.head(key);
        if (!head) return; // gone meanwhile
        await this.copy(key, target, head);
        copied.push(target);
      });
    } catch (err) {
      // Nothing half-moved: the copies made so far go again, the originals were not touched.
      await this.deleteKeys(copied).catch(() => {});
      throw new StorageError("busy", `${from}: ${asStorageError(err).message}`, {
        reply: "Could not move the whole folder; nothing was moved.",
        cause: err,
      });
    }
    await this.deleteKeys(keys).catch((err: unknown) => {
      throw new StorageError("io", `${from}: copied, but removing the old objects failed: ${asStorageError(err).message}`, { cause: err });
    });
  }

  /** Every key under `prefix`, page by page. */
  async *allKeys(prefix: string): AsyncGenerator<string> {
    let token: string | undefined;
    do {
      const page = await this.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: this.pageSize, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) yield o.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      if (out.Errors && out.Errors.length > 0) throw new StorageError("io", `delete ${out.Errors[0]!.Key}: ${out.Errors[0]!.Message}`);
    }
  }

  /** Merges `extra` into the metadata of a file, a folder's marker (made if missing). */
  private async setMetadata(vpath: string, extra: Record<string, string> | ((kind: "file" | "folder") => Record<string, string>)): Promise<void> {
    const parts = virtualParts(vpath);
    const of = (kind: "file" | "folder") => (typeof extra === "function" ? extra(kind) : extra);
    if (parts.length === 0) throw new StorageError("unsupported", "metadata of the root");
    const key = this.key(parts);
    const file = await this.head(key);
    if (file) return this.copy(key, key, file, { ...file.metadata, ...of("file") });
    const marker = await this.head(this.folderKey(parts));
    if (marker) return this.copy(this.folderKey(parts), this.folderKey(parts), marker, { ...marker.metadata, ...of("folder") });
    if (await this.folderExists(parts)) return this.putMarker(parts, of("folder"));
    throw await this.missing(parts, vpath);
  }
}

// ---- handles ----------------------------------------------------------------------------

class S3ReadHandle implements ReadHandle {
  private closed = false;
  private readonly streams: Readable[] = [];

  constructor(
    private readonly storage: S3Storage,
    private readonly key: string,
    private readonly head: ObjectHead,
    readonly info: FileInfo,
  ) {}

  /** One ranged GET per stream, of the object seen at open (If-Match): never a mix of two. */
  stream(start: number, end?: number): Readable {
    const stop = Math.min(end ?? this.head.size, this.head.size);
    if (this.closed || start >= stop) {
      const empty = Readable.from([]);
      if (this.closed) empty.destroy(new StorageError("io", "the file is closed"));
      this.streams.push(empty);
      return empty;
    }
    const out = new PassThrough({ highWaterMark: STREAM_CHUNK });
    const abort = new AbortController();
    out.on("close", () => abort.abort());
    this.storage
      .send(
        new GetObjectCommand({ Bucket: this.storage.bucket, Key: this.key, Range: `bytes=${start}-${stop - 1}`, IfMatch: this.head.etag }),
        abort.signal,
      )
      .then(
        (res) => {
          const body = res.Body as Readable;
          if (out.destroyed) return void body.destroy();
          pipeline(body, out).catch((err: unknown) => out.destroy(asStorageError(err)));
        },
        (err: unknown) => out.destroy(asStorageError(err)),
      );
    this.streams.push(out);
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stream of this.streams) stream.destroy();
  }
}

class S3WriteHandle implements WriteHandle {
  written = 0;
  private closed = false;
  private committed = false;
  private stream: Writable | null = null;
  private readonly upload: PartUpload;

  constructor(
    private readonly storage: S3Storage,
    private readonly key: string,
    private readonly vpath: string,
    readonly created: boolean,
    readonly sizeBefore: number,
    /** The existing object's first bytes that the new one starts with (REST + STOR, APPE). */
    private readonly keep: { size: number; etag: string | undefined } | null,
    private readonly atomic: boolean,
  ) {
    this.upload = new PartUpload(storage, key, keep);
  }

  writable(): Writable {
    this.stream = new Writable({
      highWaterMark: STREAM_CHUNK,
      write: (chunk: Buffer, _encoding, done) => {
        if (this.closed) return done(new StorageError("io", "the file is closed"));
        this.upload.add(chunk).then(() => {
          this.written += chunk.length;
          done();
        }, done);
      },
      // Ending the stream does not complete the upload (commit does), but a part that failed
      // fails the transfer here.
      final: (done) => void this.upload.settled().then(() => done(), done),
    });
    return this.stream;
  }

  /**
   * Only the length the new object will have anyway: truncate(0) before writing (STOR of an
   * existing file), truncate(offset + written) after REST + STOR. Anything else would need
   * positioned writes.
   */
  async truncate(size: number): Promise<void> {
    if (this.closed) throw new StorageError("io", "the file is closed");
    if (size === (this.keep?.size ?? 0) + this.written) return;
    throw new StorageError("unsupported", `truncate ${this.vpath} to ${size}`, { reply: "Cannot change a file's length on this storage." });
  }

  async commit(): Promise<void> {
    if (this.closed) throw new StorageError("io", "the file is closed");
    if (this.committed) return;
    await this.upload.complete();
    this.committed = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.destroy();
    if (this.committed) return;
    await this.upload.abort();
    if (this.created && !this.atomic) {
      // The empty object openWrite made goes, if it is still that empty object.
      const head = await this.storage.head(this.key).catch(() => null);
      if (head && head.size === 0) await this.storage.send(new DeleteObjectCommand({ Bucket: this.storage.bucket, Key: this.key })).catch(() => {});
    }
  }
}

/**
 * One object written part by part: parts of `partSize` (doubling every 1,000 parts, so 10,000
 * parts reach past 1 TB), at most `queueSize` uploading while the next fills. A body that never
 * fills one part is a single PUT at complete(). Memory: (queueSize + 1) parts at most.
 */
class PartUpload {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private uploadId: string | null = null;
  private starting: Promise<string> | null = null;
  private readonly parts: CompletedPart[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private failed: unknown = null;
  private nextPart = 1;
  private prefix: Promise<void> | null = null;
  private readonly abortController = new AbortController();

  constructor(
    private readonly storage: S3Storage,
    private readonly key: string,
    private readonly keep: { size: number; etag: string | undefined } | null,
  ) {}

  /** Takes a chunk; resolves when there is room for the next (backpressure). */
  async add(chunk: Buffer): Promise<void> {
    await this.copyPrefix();
    await this.take(chunk);
  }

  /** Resolves once every part started has uploaded; rejects with the first failure. */
  async settled(): Promise<void> {
    await this.copyPrefix();
    await Promise.all(this.inflight);
    if (this.failed) throw this.failed;
  }

  async complete(): Promise<void> {
    await this.settled();
    if (this.uploadId === null) {
      const body = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
      await this.storage.send(new PutObjectCommand({ Bucket: this.storage.bucket, Key: this.key, Body: body, ContentLength: body.length }));
      return;
    }
    if (this.buffered > 0) await this.cut(this.buffered);
    await this.settled();
    const parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    await this.storage.send(
      new CompleteMultipartUploadCommand({ Bucket: this.storage.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: parts } }),
    );
    this.uploadId = null;
  }

  async abort(): Promise<void> {
    this.abortController.abort();
    this.chunks = [];
    this.buffered = 0;
    await Promise.allSettled([...this.inflight, this.prefix ?? Promise.resolve()]);
    const uploadId = this.uploadId ?? (await this.starting?.catch(() => null));
    this.uploadId = null;
    if (uploadId) {
      await this.storage.client.send(new AbortMultipartUploadCommand({ Bucket: this.storage.bucket, Key: this.key, UploadId: uploadId })).catch(() => {});
    }
  }

  private partSize(): number {
    return Math.min(MAX_PART, this.storage.partSize * 2 ** Math.floor((this.nextPart - 1) / 1000));
  }

  private async take(chunk: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= this.partSize()) await this.cut(this.partSize());
  }

  /** The first `size` buffered bytes become the next part, uploaded when a slot is free. */
  private async cut(size: number): Promise<void> {
    while (this.inflight.size >= this.storage.queueSize) await Promise.race(this.inflight);
    if (this.failed) throw this.failed;
    if (this.nextPart > MAX_PARTS) throw new StorageError("no-space", "more than 10,000 parts", { reply: "File too large for this storage." });
    // The part's bytes copied once into a buffer of its own; the rest stays where it is.
    const body = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const chunk = this.chunks[0]!;
      const n = Math.min(chunk.length, size - filled);
      chunk.copy(body, filled, 0, n);
      filled += n;
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
    }
    this.buffered -= size;
    const number = this.nextPart++;
    this.track(async () => {
      const uploadId = await this.id();
      const out = await this.storage.send(
        new UploadPartCommand({ Bucket: this.storage.bucket, Key: this.key, UploadId: uploadId, PartNumber: number, Body: body, ContentLength: body.length }),
        this.abortController.signal,
      );
      this.parts.push({ PartNumber: number, ETag: out.ETag });
    });
  }

  private track(work: () => Promise<void>): void {
    const p: Promise<void> = work().then(
      () => void this.inflight.delete(p),
      (err: unknown) => {
        this.inflight.delete(p);
        this.failed ??= asStorageError(err);
      },
    );
    this.inflight.add(p);
  }

  private async id(): Promise<string> {
    if (this.uploadId) return this.uploadId;
    this.starting ??= this.storage
      .send(new CreateMultipartUploadCommand({ Bucket: this.storage.bucket, Key: this.key }), this.abortController.signal)
      .then((out) => (this.uploadId = out.UploadId!));
    return this.starting;
  }

  /** The kept first bytes of the existing object: copied server-side where they make whole parts, else streamed. */
  private copyPrefix(): Promise<void> {
    if (!this.keep) return Promise.resolve();
    this.prefix ??= (async () => {
      const { size, etag } = this.keep!;
      if (size >= MIN_PART && this.storage.partCopy) {
        try {
          const uploadId = await this.id();
          const count = Math.ceil(size / MAX_COPY);
          const each = Math.ceil(size / count);
          for (let n = 0; n < count; n++) {
            const start = n * each;
            const end = Math.min(size, start + each) - 1;
            const number = this.nextPart++;
            const out = await this.storage.send(
              new UploadPartCopyCommand({
                Bucket: this.storage.bucket,
                Key: this.key,
                UploadId: uploadId,
                PartNumber: number,
                CopySource: `${this.storage.bucket}/${this.key.split("/").map(encodeURIComponent).join("/")}`,
                CopySourceRange: `bytes=${start}-${end}`,
                CopySourceIfMatch: etag,
              }),
              this.abortController.signal,
            );
            this.parts.push({ PartNumber: number, ETag: out.CopyPartResult?.ETag });
          }
          return;
        } catch (err) {
          if (!(err instanceof StorageError && err.detail?.startsWith("NotImplemented"))) throw err;
          // This server has no UploadPartCopy: stream the bytes instead, from part 1 again.
          this.storage.partCopy = false;
          this.parts.length = 0;
          this.nextPart = 1;
        }
      }
      const res = await this.storage.send(
        new GetObjectCommand({ Bucket: this.storage.bucket, Key: this.key, Range: `bytes=0-${size - 1}`, IfMatch: etag }),
        this.abortController.signal,
      );
      for await (const chunk of res.Body as Readable) await this.take(chunk as Buffer);
    })();
    return this.prefix;
  }
}

// ---- helpers ----------------------------------------------------------------------------

function clientConfig(options: S3StorageOptions): S3ClientConfig {
  return {
    region: options.region ?? "us-east-1",
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // Checksums only where S3 requires them: the SDK's default (a CRC32 trailer on every
    // upload) is not understood by every S3-compatible server; parts have a Content-Length.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  };
}

/** A name a virtual path can hold (keys with "//" or "." parts are skipped in listings). */
function validName(name: string): boolean {
  return name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0");
}

function fileInfo(name: string, head: ObjectHead): FileInfo {
  const mtime = Number(head.metadata.mtime);
  return {
    name,
    kind: "file",
    size: head.size,
    mtimeMs: Number.isFinite(mtime) && head.metadata.mtime !== "" ? Math.round(mtime * 1000) : head.lastModified,
    mode: modeOf(head, 0o644),
    nlink: 1,
  };
}

function modeOf(head: ObjectHead, fallback: number): number {
  const mode = Number.parseInt(head.metadata.mode ?? "", 10);
  return Number.isSafeInteger(mode) ? mode & 0o777 : fallback;
}

/** Seconds since 1970 as rclone and s3fs write "mtime" (a fraction only when there is one). */
function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(3);
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/** An SDK error as a StorageError; the S3 error name leads the detail (for the log). */
function s3Error(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const name = (err as Error)?.name ?? "Error";
  const detail = `${name}: ${(err as Error)?.message ?? String(err)}`;
  const status = statusOf(err);
  if (name === "NoSuchKey" || name === "NotFound" || (status === 404 && name !== "NoSuchBucket" && name !== "NoSuchUpload")) {
    return new StorageError("not-found", detail, { cause: err });
  }
  if (name === "AccessDenied" || status === 403) return new StorageError("permission", detail, { cause: err });
  if (name === "PreconditionFailed" || status === 412) {
    return new StorageError("busy", detail, { reply: "File changed during the transfer.", cause: err });
  }
  if (name === "EntityTooLarge") return new StorageError("no-space", detail, { reply: "File too large for this storage.", cause: err });
  if (name === "NotImplemented" || status === 501) return new StorageError("unsupported", detail, { cause: err });
  return new StorageError("io", detail, { cause: err });
}

/** Runs `work` on every item, `limit` at a time; the first failure rejects (after the running ones settle). */
async function eachLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== null) throw failure;
}
//<
