/**
 * infra/kafka/kafka.sh's JVM flags (`kafka.sh jvm-opts`, what `up` starts the broker with): the
 * collector and JIT chosen by DOWNRADAR_KAFKA_GC / _JIT, DOWNRADAR_KAFKA_JVM_OPTS last, bad values
 * refused by name, and every combination accepted by the JVM the broker runs on.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const script = new URL('./kafka.sh', import.meta.url).pathname;

function kafka(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOWNRADAR_KAFKA_')));
  return spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...clean, ...env } });
}

function opts(env: Record<string, string> = {}): string[] {
  const r = kafka(['jvm-opts'], env);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

const collectors = (o: string[]) => o.filter((f) => /^-XX:\+Use\w+GC$/.test(f));

/** key=value lines of a properties text (comments and blank lines left out). */
function properties(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
  );
}

describe('infra/kafka/kafka.sh server-properties', () => {
  it('takes the thread pools and the cleaner buffer from the environment', () => {
    const byDefault = kafka(['server-properties']);
    expect(byDefault.status, byDefault.stderr).toBe(0);
    const d = properties(byDefault.stdout);
    expect([d.get('num.network.threads'), d.get('num.io.threads'), d.get('log.cleaner.dedupe.buffer.size')]).toEqual(['2', '4', String(32 * 1024 * 1024)]);
    const r = kafka(['server-properties'], { DOWNRADAR_KAFKA_NETWORK_THREADS: '1', DOWNRADAR_KAFKA_IO_THREADS: '3', DOWNRADAR_KAFKA_CLEANER_BUFFER_MB: '128' });
    expect(r.status, r.stderr).toBe(0);
    const p = properties(r.stdout);
    expect([p.get('num.network.threads'), p.get('num.io.threads'), p.get('log.cleaner.dedupe.buffer.size')]).toEqual(['1', '3', String(128 * 1024 * 1024)]);
    // Durability settings are not among the knobs: acks=all relies on these staying as they are.
    expect(p.get('unclean.leader.election.enable')).toBe('false');
    expect([...p.keys()].filter((k) => k.startsWith('log.flush'))).toEqual([]);
  });
});

describe('infra/kafka/kafka.sh jvm-opts', () => {
  it('gives one collector for each DOWNRADAR_KAFKA_GC and C1 only unless DOWNRADAR_KAFKA_JIT=c2', () => {
    const byDefault = opts();
    expect(byDefault.slice(0, 2)).toEqual(['-Xmx512m', '-Xms512m']);
    expect(byDefault).toContain('-XX:TieredStopAtLevel=1');
    for (const [gc, flag] of [['g1', '-XX:+UseG1GC'], ['parallel', '-XX:+UseParallelGC'], ['serial', '-XX:+UseSerialGC']] as const) {
      const o = opts({ DOWNRADAR_KAFKA_GC: gc });
      expect(collectors(o), gc).toEqual([flag]);
      // The G1-only tuning (pause goal, 4 MB regions) is not given to another collector.
      expect(o.some((f) => f.startsWith('-XX:MaxGCPauseMillis')), gc).toBe(gc === 'g1');
      expect(o.includes('-XX:G1HeapRegionSize=4m'), gc).toBe(gc === 'g1');
    }
    const c2 = opts({ DOWNRADAR_KAFKA_JIT: 'c2' });
    expect(c2.some((f) => f.startsWith('-XX:TieredStopAtLevel'))).toBe(false);
  });

  it('puts DOWNRADAR_KAFKA_JVM_OPTS last and takes the heap from DOWNRADAR_KAFKA_HEAP', () => {
    const o = opts({ DOWNRADAR_KAFKA_JVM_OPTS: '-Xlog:gc:stdout  -XX:TieredStopAtLevel=4', DOWNRADAR_KAFKA_HEAP: '384m' });
    expect(o.slice(-2)).toEqual(['-Xlog:gc:stdout', '-XX:TieredStopAtLevel=4']);
    expect(o).toContain('-Xmx384m');
  });

  it('refuses a bad value, naming the variable, and prints no flags', () => {
    for (const [name, value] of [
      ['DOWNRADAR_KAFKA_GC', 'zgc'],
      ['DOWNRADAR_KAFKA_JIT', 'c3'],
      ['DOWNRADAR_KAFKA_HEAP', '512'],
      ['DOWNRADAR_KAFKA_NETWORK_THREADS', '0'],
      ['DOWNRADAR_KAFKA_IO_THREADS', 'four'],
      ['DOWNRADAR_KAFKA_CLEANER_BUFFER_MB', '-1'],
    ] as const)
      for (const command of ['jvm-opts', 'server-properties']) {
        const r = kafka([command], { [name]: value });
        expect(r.status, `${command} ${name}`).not.toBe(0);
        expect(r.stderr, `${command} ${name}`).toContain(name);
        expect(r.stdout, `${command} ${name}`).toBe('');
      }
  });

  it('gives flags that the JVM accepts for every collector and JIT', () => {
    const java = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java';
    for (const gc of ['g1', 'parallel', 'serial'])
      for (const jit of ['c1', 'c2']) {
        const o = opts({ DOWNRADAR_KAFKA_GC: gc, DOWNRADAR_KAFKA_JIT: jit, DOWNRADAR_KAFKA_HEAP: '64m' });
        const r = spawnSync(java, [...o, '-XX:+PrintCommandLineFlags', '-version'], { encoding: 'utf8' });
        expect(r.status, `${gc} ${jit}: ${r.stderr}`).toBe(0);
        // The collector the JVM reports using is the one asked for.
        expect(r.stdout, `${gc} ${jit}`).toContain(collectors(o)[0]);
      }
  });
});
