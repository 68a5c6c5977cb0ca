import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readFileSync } from 'node:fs';
import { compileValidator } from '@downradar/common';
import { Subscription, SubscriptionsFile, checkUrl, newSubscriptionId, newWebhookSecret, type SubscriptionInput } from './subscription';

/**
 * Subscriptions live in memory and in one JSON file. The file is read once at start (a
 * configuration a user may write by hand) and rewritten atomically after every change through
 * the API: write a temporary file beside it, fsync, rename over the old one, fsync the
 * directory. A crash leaves either the old file or the new one, never half of one. The file
 * holds the signing secrets, so it is created with mode 0600.
 */
export class SubscriptionFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`subscriptions file ${path}: ${problem}`);
    this.name = 'SubscriptionFileError';
  }
}

const checkFile = compileValidator(SubscriptionsFile);

export function parseSubscriptionsFile(path: string, text: string): Subscription[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SubscriptionFileError(path, `not JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(doc)) doc = { subscriptions: doc };
  const r = checkFile(doc);
  if (!r.ok) throw new SubscriptionFileError(path, `${r.field} ${r.reason}`);
  const seen = new Set<string>();
  for (const s of r.value.subscriptions) {
    if (seen.has(s.id)) throw new SubscriptionFileError(path, `id ${s.id} appears twice`);
    seen.add(s.id);
    const bad = checkUrl(s.url);
    if (bad) throw new SubscriptionFileError(path, `subscription ${s.id}: url ${bad}`);
  }
  return r.value.subscriptions;
}

export class SubscriptionStore {
  private readonly byId = new Map<string, Subscription>();
  /** Writes are serialised: two API calls never interleave their renames. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly path: string | undefined) {}

  /** Loads the file when it exists; a missing file is an empty store. `path` undefined = memory only. */
  static load(path: string | undefined): SubscriptionStore {
    const store = new SubscriptionStore(path);
    if (path && existsSync(path)) {
      for (const s of parseSubscriptionsFile(path, readFileSync(path, 'utf8'))) store.byId.set(s.id, s);
    }
    return store;
  }

  static inMemory(subscriptions: Subscription[] = []): SubscriptionStore {
    const store = new SubscriptionStore(undefined);
    for (const s of subscriptions) store.byId.set(s.id, s);
    return store;
  }

  get size(): number {
    return this.byId.size;
  }

  list(): Subscription[] {
    return [...this.byId.values()];
  }

  get(id: string): Subscription | undefined {
    return this.byId.get(id);
  }

  /** Adds a subscription and persists it; resolves once the file is on disk. */
  async create(input: SubscriptionInput, now = Date.now()): Promise<Subscription> {
    const sub: Subscription = {
      ...input,
      id: newSubscriptionId(),
      secret: input.secret ?? newWebhookSecret(),
      createdAt: now,
    };
    this.byId.set(sub.id, sub);
    try {
      await this.persist();
    } catch (err) {
      this.byId.delete(sub.id);
      throw err;
    }
    return sub;
  }

  /** Removes a subscription; false when there was none with that id. */
  async remove(id: string): Promise<boolean> {
    const sub = this.byId.get(id);
    if (!sub) return false;
    this.byId.delete(id);
    try {
      await this.persist();
    } catch (err) {
      this.byId.set(id, sub);
      throw err;
    }
    return true;
  }

  private persist(): Promise<void> {
    const path = this.path;
    if (!path) return Promise.resolve();
    const snapshot = JSON.stringify({ version: 1, subscriptions: this.list() }, null, 2) + '\n';
    const run = this.writing.catch(() => undefined).then(() => writeFileAtomic(path, snapshot));
    this.writing = run;
    return run;
  }
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  // The rename is durable only once the directory entry is.
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename has still happened.
  } finally {
    await d.close();
  }
}

/** For tests and tools: read what is on disk now. */
export async function readSubscriptionsFile(path: string): Promise<Subscription[]> {
  return parseSubscriptionsFile(path, await readFile(path, 'utf8'));
}
