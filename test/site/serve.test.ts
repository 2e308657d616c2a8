/**
 * `npm run docs:serve` (tools/site/serve.ts): static files from one folder on 127.0.0.1 and a
 * free port, index.html for folders, 404 for what is not there, nothing outside the folder,
 * and 304 for a file the browser already has.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveSite, type SiteServer } from "../../tools/site/serve.ts";

let dir: string;
let server: SiteServer;

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    // A raw path, so that "/../" reaches the server as written.
    const req = http.request({ host: "127.0.0.1", port: server.port, path: pathname, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  const base = await mkdtemp(path.join(tmpdir(), "ftp-lab-serve-"));
  dir = path.join(base, "site");
  await mkdir(path.join(dir, "lessons/01-x"), { recursive: true });
  await writeFile(path.join(dir, "index.html"), "<h1>home</h1>");
  await writeFile(path.join(dir, "lessons/01-x/index.html"), "<h1>lesson</h1>");
  await writeFile(path.join(dir, "site.css"), "body{}");
  await writeFile(path.join(base, "secret.txt"), "outside");
  server = await serveSite(dir);
});
afterAll(async () => {
  await server.close();
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe("docs:serve", () => {
  it("listens on 127.0.0.1 on a free port and says where", () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.port).toBeGreaterThan(0);
  });

  it("serves files with their type, and index.html for folders", async () => {
    const home = await get("/");
    expect(home.status).toBe(200);
    expect(home.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(home.body).toBe("<h1>home</h1>");
    expect((await get("/site.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await get("/lessons/01-x/")).body).toBe("<h1>lesson</h1>");
    const redirect = await get("/lessons/01-x");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe("/lessons/01-x/");
  });

  it("answers 404 for missing files and never serves outside its folder", async () => {
    expect((await get("/nope.html")).status).toBe(404);
    for (const p of ["/../secret.txt", "/%2e%2e/secret.txt", "/lessons/../../secret.txt"]) {
      const res = await get(p);
      expect(res.status, p).not.toBe(200);
      expect(res.body).not.toContain("outside");
    }
  });

  it("answers 304 when the browser has the file already", async () => {
    const first = await get("/site.css");
    const etag = first.headers.etag!;
    expect(etag).toBeTruthy();
    expect((await get("/site.css", { "if-none-match": etag })).status).toBe(304);
  });
});
