import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiKeyFileLine, hashApiKey, loadApiKeys, newApiKey, presentedKey } from './api-keys';

const feed = newApiKey();
const subs = newApiKey();
const legacy = newApiKey();
const bare = newApiKey();

function keysFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'api-keys');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('API key scopes', () => {
  const store = loadApiKeys({
    file: keysFile([
      '# comment',
      apiKeyFileLine('my-feed', feed, 'feed').trim(),
      apiKeyFileLine('my-hooks', subs, 'subscriptions').trim(),
      `old-key:${hashApiKey(legacy)}`,
      hashApiKey(bare),
    ]),
  });

  it('lets a feed key post and refuses it on subscriptions with 403', () => {
    expect(store.authorize(feed, 'feed')).toEqual({ ok: true, name: 'my-feed' });
    const r = store.authorize(feed, 'subscriptions');
    expect(r).toMatchObject({ ok: false, status: 403, name: 'my-feed' });
    expect(r.ok === false && r.message).toMatch(/scope feed; this endpoint needs a key with the scope subscriptions/);
  });

  it('lets a subscriptions key manage subscriptions and refuses it on the feed with 403', () => {
    expect(store.authorize(subs, 'subscriptions')).toEqual({ ok: true, name: 'my-hooks' });
    expect(store.authorize(subs, 'feed')).toMatchObject({ ok: false, status: 403 });
  });

  it('keeps keys written before scopes working with every scope, and names them', () => {
    for (const scope of ['feed', 'subscriptions'] as const) {
      expect(store.authorize(legacy, scope)).toEqual({ ok: true, name: 'old-key' });
      expect(store.authorize(bare, scope)).toEqual({ ok: true, name: 'file' });
    }
    expect(store.unscoped).toEqual(['old-key', 'file']);
  });

  it('answers 401 to no key, an unknown key and an oversized one', () => {
    for (const presented of [undefined, '', newApiKey(), 'x'.repeat(201)]) expect(store.authorize(presented, 'feed')).toMatchObject({ ok: false, status: 401 });
  });

  it('reads hash:scope and bare hashes from the environment list', () => {
    const env = loadApiKeys({ hashes: [`${hashApiKey(feed)}:feed`, hashApiKey(legacy)] });
    expect(env.authorize(feed, 'feed').ok).toBe(true);
    expect(env.authorize(feed, 'subscriptions')).toMatchObject({ status: 403 });
    expect(env.authorize(legacy, 'subscriptions').ok).toBe(true);
    expect(env.unscoped).toEqual(['env']);
    expect(env.size).toBe(2);
  });

  it('refuses an unknown scope, a bad hash and a line with too many fields, naming where', () => {
    expect(() => loadApiKeys({ hashes: [`${hashApiKey(feed)}:admin`] })).toThrow(/unknown API key scope "admin"/);
    expect(() => loadApiKeys({ hashes: [feed] })).toThrow(/not 64 hex characters/);
    const file = keysFile(['ok:' + hashApiKey(feed) + ':feed', 'bad:' + hashApiKey(feed) + ':feed:extra']);
    expect(() => loadApiKeys({ file })).toThrow(new RegExp(`${file}:2: expected name:hash:scope`));
  });

  it('writes name:sha256:scope lines', () => {
    expect(apiKeyFileLine('a', feed, 'subscriptions')).toBe(`a:${hashApiKey(feed)}:subscriptions\n`);
  });

  it('takes the key from x-api-key or a Bearer token', () => {
    expect(presentedKey({ 'x-api-key': 'k1' })).toBe('k1');
    expect(presentedKey({ authorization: 'Bearer k2' })).toBe('k2');
    expect(presentedKey({ authorization: 'Basic k3' })).toBeUndefined();
  });
});
