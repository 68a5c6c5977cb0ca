import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SubscriptionFileError, SubscriptionStore, readSubscriptionsFile } from './subscription-store';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'notifier-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('subscription store', () => {
  it('a missing file is an empty store; creating writes it, mode 0600, no temp file left', async () => {
    const dir = tmp();
    const path = join(dir, 'nested', 'subscriptions.json');
    const store = SubscriptionStore.load(path);
    expect(store.size).toBe(0);
    const sub = await store.create({ url: 'https://example.com/hook', families: ['meta'] });
    expect(sub.id).toMatch(/^sub_/);
    expect(sub.secret).toMatch(/^whsec_/);
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    expect(readdirSync(join(dir, 'nested'))).toEqual(['subscriptions.json']);
    expect(await readSubscriptionsFile(path)).toEqual([sub]);
    expect(SubscriptionStore.load(path).get(sub.id)).toEqual(sub);
  });

  it('removes and persists; concurrent changes all land', async () => {
    const path = join(tmp(), 'subscriptions.json');
    const store = SubscriptionStore.load(path);
    const subs = await Promise.all(Array.from({ length: 10 }, (_, i) => store.create({ url: `https://example.com/${i}` })));
    expect(await store.remove(subs[3]!.id)).toBe(true);
    expect(await store.remove(subs[3]!.id)).toBe(false);
    const onDisk = await readSubscriptionsFile(path);
    expect(onDisk.map((s) => s.id).sort()).toEqual(subs.filter((_, i) => i !== 3).map((s) => s.id).sort());
  });

  it('reads a hand-written file (a bare array too)', () => {
    const path = join(tmp(), 'subscriptions.json');
    writeFileSync(path, JSON.stringify([{ id: 'sub_handwritten1', url: 'http://127.0.0.1:9000/x', secret: 'a-long-enough-secret', format: 'slack' }]));
    expect(SubscriptionStore.load(path).get('sub_handwritten1')?.format).toBe('slack');
  });

  it('a broken file stops the start with a message that names the file and the field', () => {
    const path = join(tmp(), 'subscriptions.json');
    writeFileSync(path, JSON.stringify({ subscriptions: [{ id: 'sub_handwritten1', url: 'ftp://x/y', secret: 'a-long-enough-secret' }] }));
    expect(() => SubscriptionStore.load(path)).toThrow(SubscriptionFileError);
    expect(() => SubscriptionStore.load(path)).toThrow(/subscriptions file .*subscriptions\.json: subscriptions\.0\.url/);
    writeFileSync(path, '{');
    expect(() => SubscriptionStore.load(path)).toThrow(/not JSON/);
    writeFileSync(path, JSON.stringify({ subscriptions: [{ id: 'sub_handwritten1', url: 'http://a/', secret: 'short' }] }));
    expect(() => SubscriptionStore.load(path)).toThrow(/secret/);
  });

  it('leaves the file untouched by a failed write', async () => {
    const dir = tmp();
    const path = join(dir, 'subscriptions.json');
    const store = SubscriptionStore.load(path);
    await store.create({ url: 'https://example.com/a' });
    const before = readFileSync(path, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    writeFileSync(dir, 'now a file, so the directory cannot be created');
    await expect(store.create({ url: 'https://example.com/b' })).rejects.toThrow();
    expect(store.size).toBe(1);
    rmSync(dir);
    expect(before).toContain('example.com/a');
  });
});
