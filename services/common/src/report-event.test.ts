import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportEvent } from '../../../schemas/events/index';
import { reportEvent, reporterHasher, reporterSalt } from './report-event';
import { seededRandom } from './seeded-random';
import { compileValidator } from './validate';

const check = compileValidator(ReportEvent);
const dir = mkdtempSync(join(tmpdir(), 'report-event-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reportEvent', () => {
  const how = { receivedAt: 2000, source: 'web', hashReporter: (id: string) => `h-${id}` };

  it('keeps the report, adds when and where it arrived, and never the reporter id itself', () => {
    const e = reportEvent({ id: 'r-1', serviceId: 'whatsapp', problem: 'messaging', at: 1000, reporterId: 'alice', country: 'GB', text: 'cannot send' }, how);
    expect(e).toEqual({ id: 'r-1', serviceId: 'whatsapp', problem: 'messaging', at: 1000, receivedAt: 2000, reporterHash: 'h-alice', source: 'web', country: 'GB', text: 'cannot send' });
    expect(JSON.stringify(e)).not.toContain('"alice"');
    expect(check(e).ok).toBe(true);
  });

  it('leaves optional fields out rather than writing them empty', () => {
    const e = reportEvent({ id: 'r-2', serviceId: 'gmail', problem: 'login', at: 1000, reporterId: 'bob' }, how);
    expect(Object.keys(e)).toEqual(['id', 'serviceId', 'problem', 'at', 'receivedAt', 'reporterHash', 'source']);
    expect(check(e).ok).toBe(true);
  });
});

describe('reporter hashing', () => {
  it('is the same for the same reporter and salt, different across reporters and salts, and 32 hex characters', () => {
    const a = reporterHasher('salt-a');
    expect(a('alice')).toBe(a('alice'));
    expect(a('alice')).toMatch(/^[0-9a-f]{32}$/);
    expect(a('bob')).not.toBe(a('alice'));
    expect(reporterHasher('salt-b')('alice')).not.toBe(a('alice'));
  });

  it('is HMAC-SHA256 of the id with the salt as key, cut to 32 hex characters (salts short and long, ids empty, long and not ASCII)', () => {
    const ids = ['', 'alice', 'reporter-123456', 'ü'.repeat(300), '😀 x'.repeat(100), 'x'.repeat(5000), 'y'];
    for (const salt of ['', 's', 'ab'.repeat(32), 'k'.repeat(64), 'k'.repeat(65), 'é'.repeat(70)]) {
      const h = reporterHasher(salt);
      for (const id of ids) expect(h(id), `${salt.length} ${id.length}`).toBe(createHmac('sha256', salt).update(id, 'utf8').digest('hex').slice(0, 32));
    }
  });

  it('is HMAC-SHA256 over drawn salts and ids of every length around the block edges (ASCII, accents, astral, lone surrogates)', () => {
    const random = seededRandom(17);
    const pieces = ['a', 'Z', '-', '0', 'é', 'ü', '中', '😀', '\ud800', '\udfff', ' ', '\u0000'];
    const draw = (length: number) => Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)]!).join('');
    for (let k = 0; k < 40; k++) {
      const salt = draw(Math.floor(random() * 90));
      const h = reporterHasher(salt);
      for (let length = 0; length < 140; length++) {
        const id = random() < 0.5 ? `reporter-${Math.floor(random() * 1e9)}`.slice(0, length).padEnd(length, 'x') : draw(length);
        expect(h(id), JSON.stringify([salt, id])).toBe(createHmac('sha256', salt).update(id, 'utf8').digest('hex').slice(0, 32));
      }
    }
    // A long id grows the hasher's buffer to a size that depends on it: every ASCII id up to that
    // size and a little beyond, whose padding ends right at (or past) the buffer's end.
    for (let k = 93; k < 160; k++) {
      const h = reporterHasher('grow');
      const grown = 'é'.repeat(k);
      expect(h(grown)).toBe(createHmac('sha256', 'grow').update(grown, 'utf8').digest('hex').slice(0, 32));
      for (let length = 4 * k; length < 4 * k + 160; length++) {
        const id = 'r'.repeat(length);
        expect(h(id), `${k} ${length}`).toBe(createHmac('sha256', 'grow').update(id, 'utf8').digest('hex').slice(0, 32));
      }
    }
  });

  it('uses the configured salt, else generates one once into the file (mode 600) and keeps it', () => {
    const file = join(dir, 'nested', 'reporter-salt');
    expect(reporterSalt('configured', file)).toBe('configured');
    const generated = reporterSalt(undefined, file);
    expect(generated).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file, 'utf8').trim()).toBe(generated);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(reporterSalt(undefined, file)).toBe(generated);
    expect(reporterSalt('', file)).toBe(generated);
  });
});
