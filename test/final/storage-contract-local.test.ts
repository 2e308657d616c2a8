/**
 * The storage contract on LocalStorage (final/src/storage/local.ts), on a temp folder, plus
 * what only a real disk has: symbolic links (followed inside the home, never out of it),
 * special files, the atomic upload's hidden file, and the fast transfer paths.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { createServer, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalStorage } from "../../final/src/storage/local.ts";
import { describeStorageContract, expectCode, listAll, put, read, text } from "./storage-contract.ts";

async function tempHome(): Promise<string> {
  return mkdtemp(join(tmpdir(), "ftp-lab-storage-"));
}

describeStorageContract("LocalStorage", async () => {
  const home = await tempHome();
  return { storage: await LocalStorage.open(home), cleanup: () => rm(home, { recursive: true, force: true }) };
});

describe("LocalStorage: what only a disk has", () => {
  async function setup(): Promise<{ root: string; home: string; storage: LocalStorage; done: () => Promise<void> }> {
    const root = await tempHome();
    const home = join(root, "home");
    await mkdir(home);
    await writeFile(join(root, "secret"), "outside the home");
    return { root, home, storage: await LocalStorage.open(home), done: () => rm(root, { recursive: true, force: true }) };
  }

  it("a link leading outside the home is never followed: read, write, list, stat all refuse or show it bare", async () => {
    const t = await setup();
    try {
      await symlink(join(t.root, "secret"), join(t.home, "escape"));
      await symlink(t.root, join(t.home, "up"));
      await expectCode(t.storage.openRead("/escape"), "outside");
      await expectCode(t.storage.openWrite("/escape", { kind: "replace" }), "outside");
      await expectCode(t.storage.stat("/up/secret"), "outside");
      await expectCode(listAll(t.storage, "/up"), "outside");
      const entries = await listAll(t.storage, "/");
      expect(entries.find((e) => e.name === "escape")?.kind).toBe("link");
      expect((await t.storage.stat("/escape", "entry")).kind).toBe("link");
      expect(await readFile(join(t.root, "secret"), "utf8")).toBe("outside the home");
    } finally {
      await t.done();
    }
  });

  it("a folder swapped for a link to outside between two calls: no later call reaches outside", async () => {
    const t = await setup();
    try {
      await mkdir(join(t.home, "d"));
      await put(t.storage, "/d/mine", "inside");
      expect((await t.storage.stat("/d")).kind).toBe("folder");
      // A local writer swaps the folder for a link to the folder above the home.
      await rm(join(t.home, "d"), { recursive: true });
      await symlink(t.root, join(t.home, "d"));
      await expectCode(t.storage.openRead("/d/secret"), "outside");
      await expectCode(t.storage.openWrite("/d/new", { kind: "replace" }), "outside");
      await expectCode(t.storage.mkdir("/d/made"), "outside");
      await expectCode(t.storage.remove("/d/secret"), "outside");
      await expectCode(t.storage.rename("/d/secret", "/taken"), "outside");
      await expectCode(t.storage.chmod("/d/secret", 0o777), "outside");
      await expectCode(listAll(t.storage, "/d"), "outside");
      expect((await readdir(t.root)).sort()).toEqual(["home", "secret"]);
      expect(await readFile(join(t.root, "secret"), "utf8")).toBe("outside the home");
    } finally {
      await t.done();
    }
  });

  it("a link inside the home is followed (shown as what it points to); remove takes the link, never its target", async () => {
    const t = await setup();
    try {
      await put(t.storage, "/real.txt", "target");
      await symlink(join(t.home, "real.txt"), join(t.home, "alias"));
      expect((await t.storage.stat("/alias")).kind).toBe("file");
      expect((await t.storage.stat("/alias", "entry")).kind).toBe("link");
      expect(await text(t.storage, "/alias")).toBe("target");
      expect((await listAll(t.storage, "/")).find((e) => e.name === "alias")?.kind).toBe("file");
      await t.storage.remove("/alias");
      expect(await text(t.storage, "/real.txt")).toBe("target");
    } finally {
      await t.done();
    }
  });

  it("a FIFO is not-a-file for reading and writing, and opening it does not block", async () => {
    const t = await setup();
    try {
      execFileSync("mkfifo", [join(t.home, "pipe")]);
      await expectCode(t.storage.openRead("/pipe"), "not-a-file");
      await expectCode(t.storage.openWrite("/pipe", { kind: "replace" }), "not-a-file");
      await expectCode(t.storage.openWrite("/pipe", { kind: "append" }), "not-a-file");
      expect((await t.storage.stat("/pipe")).kind).toBe("fifo");
    } finally {
      await t.done();
    }
  });

  it("an atomic upload writes a hidden file next to the target and leaves none behind", async () => {
    const t = await setup();
    try {
      await put(t.storage, "/f", "old");
      const handle = await t.storage.openWrite("/f", { kind: "replace", atomic: true });
      expect((await readdir(t.home)).filter((n) => n.startsWith(".f.ftp-upload-")).length).toBe(1);
      await handle.commit();
      await handle.close();
      expect(await readdir(t.home)).toEqual(["f"]);
    } finally {
      await t.done();
    }
  });

  const bigData = (): Buffer => {
    const data = Buffer.alloc(5 * 1024 * 1024 + 7);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    return data;
  };

  /** A loopback server that hands its first connection to `use`. */
  async function withServer(use: (socket: Socket) => void, run: (port: number) => Promise<void>): Promise<void> {
    const server = createServer(use);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      await run((server.address() as { port: number }).port);
    } finally {
      server.close();
    }
  }

  it("the download fast path: sendTo sends the file from an offset and ends the socket", async () => {
    const t = await setup();
    const data = bigData();
    try {
      await put(t.storage, "/big", data);
      const reader = await t.storage.openRead("/big");
      let sent: Promise<void> = Promise.resolve();
      await withServer(
        (socket) => (sent = reader.sendTo!(socket, 1000)),
        async (port) => {
          const client = connect(port, "127.0.0.1");
          const chunks: Buffer[] = [];
          client.on("data", (c: Buffer) => chunks.push(c));
          await new Promise((resolve) => client.on("end", resolve));
          client.destroy();
          await sent;
          expect(Buffer.concat(chunks).equals(data.subarray(1000))).toBe(true);
        },
      );
      await reader.close();
    } finally {
      await t.done();
    }
  });

  it("the upload fast path: receiver() reads the data socket into its own buffers and writes them to the file", async () => {
    const t = await setup();
    const data = bigData();
    try {
      const writer = await t.storage.openWrite("/up", { kind: "create-new" });
      const receiver = writer.receiver!();
      await withServer(
        (socket) => socket.end(data),
        async (port) => {
          // As runTransfer does: the socket is made with the receiver's onread.
          const socket = connect({ port, host: "127.0.0.1", onread: receiver.onread });
          await receiver.finished(socket);
          socket.destroy();
        },
      );
      expect(writer.written).toBe(data.length);
      await writer.commit();
      await writer.close();
      expect((await read(t.storage, "/up")).equals(data)).toBe(true);
    } finally {
      await t.done();
    }
  });
});
