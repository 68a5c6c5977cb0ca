import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileValidator, repoRoot } from '@downradar/common';
import { DlqRecord, IncidentEvent } from '../../../schemas/events/index';
import { signatureHeader } from './signature';

/**
 * docs/alerts.md is the contract users copy from: its example message must validate, and its
 * signature snippets (Node and Python), run exactly as written, must accept the notifier's
 * signatures and refuse old or tampered ones.
 */
const doc = readFileSync(`${repoRoot}/docs/alerts.md`, 'utf8');
const blocks = (lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
const dir = mkdtempSync(join(tmpdir(), 'alerts-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const secret = 'whsec_doc_test_secret_123456';
const body = JSON.stringify({ eventId: 'inc-1:1', summary: 'naïve → ünïcode' });
const now = Date.now();
const cases = [
  { name: 'fresh', header: signatureHeader(secret, body, now), body, want: true },
  { name: 'four minutes old', header: signatureHeader(secret, body, now - 240_000), body, want: true },
  { name: 'six minutes old', header: signatureHeader(secret, body, now - 360_000), body, want: false },
  { name: 'from the future', header: signatureHeader(secret, body, now + 360_000), body, want: false },
  { name: 'tampered body', header: signatureHeader(secret, body, now), body: body.replace('inc-1', 'inc-2'), want: false },
  { name: 'other secret', header: signatureHeader('whsec_another_secret_0000', body, now), body, want: false },
  { name: 'no header', header: '', body, want: false },
  { name: 'garbage', header: 't=abc,v1=zz', body, want: false },
  { name: 'rotation', header: signatureHeader(secret, body, now).replace(',v1=', `,v1=${'a'.repeat(64)},v1=`), body, want: true },
];

describe('docs/alerts.md', () => {
  it('the example message is a valid IncidentEvent, the dead letter a valid DlqRecord', () => {
    const [example, dead] = blocks('json');
    expect(compileValidator(IncidentEvent)(JSON.parse(example!))).toMatchObject({ ok: true });
    expect(compileValidator(DlqRecord)(JSON.parse(dead!))).toMatchObject({ ok: true });
  });

  it('the Node snippet verifies signatures', async () => {
    const code = blocks('js').find((b) => b.includes('verifyDownradarSignature'))!;
    const file = join(dir, 'verify.mjs');
    writeFileSync(file, code);
    const { verifyDownradarSignature } = (await import(pathToFileURL(file).href)) as { verifyDownradarSignature: (h: string, b: Buffer, s: string) => boolean };
    for (const c of cases) expect(verifyDownradarSignature(c.header, Buffer.from(c.body, 'utf8'), secret), c.name).toBe(c.want);
  });

  it('the Python snippet verifies signatures', () => {
    const code = blocks('python').find((b) => b.includes('def verify_downradar_signature'))!;
    const harness = `${code}\nimport json, sys\nfor c in json.load(sys.stdin):\n    print(json.dumps(verify_downradar_signature(c["header"], c["body"].encode("utf-8"), ${JSON.stringify(secret)})))\n`;
    const py = spawnSync(process.env.DOWNRADAR_PYTHON ?? '/usr/bin/python3', ['-c', harness], { input: JSON.stringify(cases), encoding: 'utf8' });
    expect(py.stderr).toBe('');
    expect(py.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(cases.map((c) => c.want));
  });
});
