import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe("ingest's process", () => {
  it('groups its produce requests by partition with common\'s linear function (installed before anything loads kafkajs)', () => {
    const wiring = fileURLToPath(new URL('./wiring.ts', import.meta.url));
    const grouping = fileURLToPath(new URL('../../common/src/kafka/kafkajs-speedups.ts', import.meta.url));
    const code = `await import(${JSON.stringify(wiring)}); const g = await import(${JSON.stringify(grouping)}); console.log(JSON.stringify({ installed: g.kafkajsSpeedupsInstalled }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ installed: true });
  }, 70_000);
});
