/**
 * Calendar, task, contact and note rooms as vdir folders: one file per item, named from
 * its EUID. Items go both ways (notes only from the server): a local file created, edited
 * or deleted is posted (EUID replacement) or deleted on the server. When an item changed
 * on both sides, the server's version wins and the local one is kept beside it as
 * `NAME.conflict-<time>.ext`.
 */
import { join } from "node:path";
import { CtdlError } from "../errors.ts";
import { act, type MirrorContext, type RoomReport } from "./context.ts";
import { checkLocalItem, itemFileName, KINDS, sameText, serverItem } from "./items.ts";
import type { RoomFetch } from "./remote.ts";
import { type FileItem, removeLeftovers, type RoomState, writeAtomic } from "./state.ts";

/** A local file as found: its text, hash and stat. */
interface LocalFile {
  name: string;
  text: string;
  hash: string;
  m: number;
  z: number;
}

type Status = { kind: "missing" } | { kind: "unchanged" } | { kind: "edited"; file: LocalFile };

const enc = new TextEncoder();
const dec = new TextDecoder();

async function sha256(bytes: Uint8Array): Promise<string> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource)).toHex();
}

async function readLocal(dir: string, name: string): Promise<LocalFile> {
  const path = join(dir, name);
  const bytes = await Deno.readFile(path);
  const st = await Deno.stat(path);
  return {
    name,
    text: dec.decode(bytes),
    hash: await sha256(bytes),
    m: st.mtime?.getTime() ?? 0,
    z: bytes.length,
  };
}

/** The files of a vdir folder that are items: the kind's extension, no conflict copies. */
async function scan(dir: string, ext: string): Promise<Map<string, Deno.FileInfo>> {
  const out = new Map<string, Deno.FileInfo>();
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.endsWith(ext) || e.name.startsWith(".")) continue;
      if (e.name.includes(".conflict-")) continue;
      out.set(e.name, await Deno.stat(join(dir, e.name)));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

/** Brings one vdir room in step in both directions; true when its state changed. */
export async function syncVdir(
  ctx: MirrorContext,
  roomName: string,
  fetch: RoomFetch,
  rs: RoomState,
  rep: RoomReport,
): Promise<boolean> {
  const { ext, types } = KINDS[rs.kind];
  // Vdir rooms are small: any change of their item table counts.
  const before = JSON.stringify(rs.items);
  const dir = join(ctx.top, rs.dir);
  if (!ctx.dryRun) {
    await Deno.mkdir(dir, { recursive: true });
    await removeLeftovers(dir);
  }
  const items = rs.items as Record<string, FileItem>;
  const removed = new Set(fetch.removed);
  if (fetch.full) {
    for (const k of Object.keys(items)) if (!fetch.added.has(Number(k))) removed.add(Number(k));
  }
  const files = await scan(dir, ext);
  const known = new Set(Object.values(items).map((i) => i.f));

  const statusCache = new Map<string, Status>();
  const status = async (item: FileItem): Promise<Status> => {
    let s = statusCache.get(item.f);
    if (s) return s;
    const st = files.get(item.f);
    if (!st) s = { kind: "missing" };
    else if ((st.mtime?.getTime() ?? 0) === item.m && st.size === item.z) s = { kind: "unchanged" };
    else {
      const file = await readLocal(dir, item.f);
      if (file.hash === item.h) {
        // Touched but the same bytes: remember the new mtime so the next run skips it.
        [item.m, item.z] = [file.m, file.z];
        s = { kind: "unchanged" };
      } else s = { kind: "edited", file };
    }
    statusCache.set(item.f, s);
    return s;
  };

  // Local files the state does not know: new items, or left by a killed run.
  const fresh = new Map<string, LocalFile & { uid?: string; problem?: string }>();
  for (const name of files.keys()) {
    if (known.has(name)) continue;
    const file = await readLocal(dir, name);
    try {
      fresh.set(name, { ...file, uid: checkLocalItem(file.text, rs.kind) });
    } catch (e) {
      fresh.set(name, { ...file, problem: (e as Error).message });
    }
  }

  const write = async (name: string, text: string): Promise<FileItem["h"]> => {
    const bytes = enc.encode(text);
    await writeAtomic(join(dir, name), bytes);
    return await sha256(bytes);
  };
  const conflictName = (name: string) =>
    `${name.slice(0, name.length - ext.length)}.conflict-${ctx.runTime}${ext}`;
  const record = async (n: number, name: string, euid: string, hash: string) => {
    const st = ctx.dryRun ? null : await Deno.stat(join(dir, name));
    items[n] = { f: name, e: euid, h: hash, m: st?.mtime?.getTime() ?? 0, z: st?.size ?? 0 };
  };

  // Server to tree.
  const byEuid = new Map(Object.entries(items).map(([k, i]) => [i.e, Number(k)]));
  const touched = new Set<number>();
  for (const [n, bytes] of fetch.added) {
    // Known already (our own upload, or a refetch): messages never change in place.
    if (items[n]) continue;
    const item = serverItem(bytes, n, rs.kind);
    const prevNum = byEuid.get(item.euid);
    const prev = prevNum === undefined ? undefined : items[prevNum];
    let name = prev?.f ?? itemFileName(item.euid, ext);
    let local: LocalFile | undefined;
    if (prev) {
      const st = await status(prev);
      if (st.kind === "edited") local = st.file;
      if (st.kind === "missing") {
        rep.conflicts.push(
          `${rs.dir}/${name}: deleted locally, changed on the server; the server's version is back`,
        );
      }
      delete items[prevNum!];
      removed.delete(prevNum!);
    } else {
      const f = [...fresh.values()].find((f) => f.uid === item.euid) ?? fresh.get(name);
      if (f) {
        local = f;
        name = f.name;
        fresh.delete(f.name);
      }
    }
    let hash: string;
    if (local && sameText(local.text, item.text)) {
      // Already the same (our own upload, or a run killed after writing): keep the file.
      hash = local.hash;
    } else {
      if (local) {
        const keep = conflictName(name);
        await act(
          ctx,
          rep,
          `${rs.dir}: keep local ${name} as ${keep}`,
          () => Deno.rename(join(dir, name), join(dir, keep)),
        );
        rep.conflicts.push(
          `${rs.dir}/${name}: changed on both sides; server wins, local kept as ${keep}`,
        );
      }
      hash = "";
      const changed = prev !== undefined;
      await act(ctx, rep, `${rs.dir}: ${changed ? "update" : "add"} ${name}`, async () => {
        hash = await write(name, item.text);
      });
      if (changed) rep.down.changed++;
      else rep.down.added++;
    }
    await record(n, name, item.euid, hash);
    touched.add(n);
  }
  for (const n of removed) {
    const item = items[n];
    if (!item) continue;
    const st = await status(item);
    if (st.kind === "unchanged") {
      await act(
        ctx,
        rep,
        `${rs.dir}: delete ${item.f} locally`,
        () => Deno.remove(join(dir, item.f)),
      );
      rep.down.deleted++;
    } else if (st.kind === "edited") {
      const keep = conflictName(item.f);
      await act(
        ctx,
        rep,
        `${rs.dir}: keep local ${item.f} as ${keep}`,
        () => Deno.rename(join(dir, item.f), join(dir, keep)),
      );
      rep.conflicts.push(
        `${rs.dir}/${item.f}: deleted on the server, changed locally; kept as ${keep}`,
      );
      rep.down.deleted++;
    }
    delete items[n];
  }

  // Tree to server (notes are mirrored one way).
  if (rs.kind !== "notes") {
    const contentType = types[0];
    const send = async (what: string, n: number | null, file: LocalFile, uid: string) => {
      try {
        let newNum = 0;
        await act(ctx, rep, `${rs.dir}: ${what} ${file.name} on the server`, async () => {
          newNum = await ctx.remote.post(roomName, contentType, file.text);
        });
        if (n !== null) delete items[n];
        if (!ctx.dryRun) {
          items[newNum] = { f: file.name, e: uid, h: file.hash, m: file.m, z: file.z };
        }
        return true;
      } catch (e) {
        if (!(e instanceof CtdlError)) throw e;
        rep.errors.push(`${rs.dir}/${file.name}: server refused: ${e.code} ${e.message}`);
        return false;
      }
    };
    for (const key of Object.keys(items)) {
      const n = Number(key);
      if (touched.has(n)) continue;
      const item = items[key];
      const st = await status(item);
      if (st.kind === "missing") {
        try {
          await act(
            ctx,
            rep,
            `${rs.dir}: delete ${item.f} on the server`,
            () => ctx.remote.delete(roomName, n),
          );
          delete items[key];
          rep.up.deleted++;
        } catch (e) {
          if (!(e instanceof CtdlError)) throw e;
          rep.errors.push(`${rs.dir}/${item.f}: server refused the delete: ${e.code} ${e.message}`);
        }
      } else if (st.kind === "edited") {
        let uid: string;
        try {
          uid = checkLocalItem(st.file.text, rs.kind);
        } catch (e) {
          rep.errors.push(
            `${rs.dir}/${item.f}: cannot be parsed (${(e as Error).message}); not sent`,
          );
          continue;
        }
        if (await send("update", n, st.file, uid)) rep.up.changed++;
      }
    }
    for (const f of fresh.values()) {
      if (f.problem || !f.uid) {
        rep.errors.push(`${rs.dir}/${f.name}: cannot be parsed (${f.problem}); not sent`);
        continue;
      }
      if (await send("add", null, f, f.uid)) rep.up.added++;
    }
  }
  rep.items = Object.keys(items).length;
  return JSON.stringify(rs.items) !== before;
}
