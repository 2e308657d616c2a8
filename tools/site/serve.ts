// `npm run docs:serve`: serves the built site (dist/site, or --dir) on 127.0.0.1, on a free
// port unless --port says which, and prints the URL. Builds the site first when the folder
// has none (or with --build). node:http only; files only from inside the folder.

import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { REPO_ROOT } from "../curriculum/manifest.ts";
import { buildSite, DEFAULT_OUT } from "./build.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".pdf": "application/pdf",
};

export interface SiteServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `dir` on host:port (port 0: a free one). */
export async function serveSite(dir: string, options: { port?: number; host?: string; log?: (line: string) => void } = {}): Promise<SiteServer> {
  const root = path.resolve(dir);
  const host = options.host ?? "127.0.0.1";
  const server = http.createServer((req, res) => {
    handle(root, req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`500 ${err.message}\n`);
    });
    if (options.log) res.on("finish", () => options.log!(`${res.statusCode} ${req.method} ${req.url}`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(root: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
  } catch {
    res.writeHead(400).end("400 bad path\n");
    return;
  }
  let file = path.join(root, path.normalize(pathname));
  if (file !== root && !file.startsWith(root + path.sep)) {
    res.writeHead(403).end("403\n");
    return;
  }
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    if (!pathname.endsWith("/")) {
      res.writeHead(301, { location: `${pathname}/` }).end();
      return;
    }
    file = path.join(file, "index.html");
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) {
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`404 not found: ${pathname}\n`);
    return;
  }
  // Revalidated on every use, so a rebuilt site shows at once; unchanged files get a 304
  // (the browser then keeps mermaid's 3.5 MB and its compiled code).
  const etag = `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`;
  const headers = { "cache-control": "no-cache", etag };
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const body = await readFile(file);
  res.writeHead(200, {
    ...headers,
    "content-type": TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
    "content-length": body.length,
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** A folder as the user would type it: relative when under the current folder. */
function shown(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel === "" ? "." : rel.startsWith("..") ? dir : rel;
}

const USAGE = `usage: npm run docs:serve [-- --port N] [--dir DIR] [--build] [--verbose]

Serves the course website on 127.0.0.1 and prints its URL (Ctrl-C stops it).

  --port N    the port (default: a free one)
  --dir DIR   the built site (default dist/site; built first when it has no index.html)
  --build     build the site first anyway (npm run docs)
  --verbose   print every request
  --help      this text`;

export async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        port: { type: "string" },
        dir: { type: "string" },
        build: { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    console.error(`docs:serve: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const port = args.port === undefined ? 0 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`docs:serve: --port must be a number from 0 to 65535, not ${JSON.stringify(args.port)}`);
    return 2;
  }
  const dir = args.dir ? path.resolve(process.env["INIT_CWD"] ?? process.cwd(), args.dir) : path.join(REPO_ROOT, DEFAULT_OUT);
  if (args.build || !existsSync(path.join(dir, "index.html"))) {
    console.log(`docs:serve: building the site into ${shown(dir)} first`);
    const result = await buildSite({ out: dir });
    for (const w of result.warnings) console.error(`warning: ${w}`);
    if (!result.ok) {
      for (const e of result.errors) console.error(e);
      console.error(`docs:serve: the build failed (${result.errors.length} errors)`);
      return 1;
    }
  }
  let server: SiteServer;
  try {
    server = await serveSite(dir, { port, ...(args.verbose ? { log: (l: string) => console.log(l) } : {}) });
  } catch (err) {
    console.error(`docs:serve: cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
    return 1;
  }
  console.log(`Serving ${shown(dir)} at ${server.url}`);
  console.log("Ctrl-C stops it.");
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
