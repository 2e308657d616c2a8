/**
 * A fake S3 server for the S3Storage tests: s3rver (a real HTTP S3 API on files) in a CHILD
 * process, on 127.0.0.1 port 0, storing in a temp folder that goes when it stops. A child, so
 * that the test process's memory figures are the client's alone (s3rver's own buffers do not
 * count), and so that a hung fake never hangs the test process.
 *
 *   const fake = await startS3rver(["test"]);   // buckets to create
 *   new S3Storage({ ...fake.config, bucket: "test", prefix: "t1/" })
 *   await fake.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeS3 {
  /** What S3Storage needs besides the bucket: endpoint, region, credentials, path style. */
  config: { endpoint: string; region: string; forcePathStyle: true; credentials: { accessKeyId: string; secretAccessKey: string } };
  port: number;
  stop(): Promise<void>;
}

const CHILD = `
const S3rver = require(process.env.S3RVER_MODULE);
const buckets = JSON.parse(process.env.S3RVER_BUCKETS).map((name) => ({ name }));
const server = new S3rver({ address: "127.0.0.1", port: 0, directory: process.env.S3RVER_DIR, silent: true, configureBuckets: buckets });
server.run().then((addr) => process.stdout.write("PORT " + addr.port + "\\n"), (err) => { console.error(err); process.exit(1); });
process.on("disconnect", () => process.exit(0));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`;

export async function startS3rver(buckets: string[]): Promise<FakeS3> {
  const dir = await mkdtemp(join(tmpdir(), "ftp-lab-s3rver-"));
  const module = createRequire(import.meta.url).resolve("s3rver");
  // s3rver makes its listing continuation tokens with DES, which OpenSSL 3 keeps in its legacy
  // provider: without it every listing of more than one page fails with a 500.
  const child: ChildProcess = spawn(process.execPath, ["--openssl-legacy-provider", "-e", CHILD], {
    env: { ...process.env, S3RVER_MODULE: module, S3RVER_DIR: dir, S3RVER_BUCKETS: JSON.stringify(buckets) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("s3rver did not start in 20 s")), 20_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code}`));
    });
  });
  return {
    port,
    config: {
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      forcePathStyle: true,
      // s3rver's fixed test credentials.
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.stdin!.end();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
