import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@downradar/common';
import { coreConfigOf, detectorConfigSpec, instanceName } from './config';

const load = (env: Record<string, string>) => loadConfig(detectorConfigSpec, env);

describe('detector config', () => {
  it('defaults: port 8084, 1-minute windows, the core defaults', () => {
    const c = load({});
    expect(c.detectorPort).toBe(8084);
    const core = coreConfigOf(c);
    expect(core.windowMs).toBe(60_000);
    expect(core.allowedLatenessMs).toBe(15_000);
    expect(core.baseline.priorScale).toBe(1);
  });

  it('named variables and the JSON overrides reach the core; the named ones win', () => {
    const core = coreConfigOf(
      load({
        DOWNRADAR_DETECTOR_WINDOW_MS: '30000',
        DOWNRADAR_DETECTOR_PRIOR_SCALE: '0.01',
        DOWNRADAR_DETECTOR_CONFIG_JSON: JSON.stringify({ windowMs: 120_000, levels: { warningLog10: 8 }, baseline: { priorReports: 2 } }),
      }),
    );
    expect(core.windowMs).toBe(30_000);
    expect(core.baseline.priorScale).toBe(0.01);
    expect(core.baseline.priorReports).toBe(2);
    expect(core.levels.warningLog10).toBe(8);
  });

  it('fetch settings: the scoring stage answers at the first record unless DOWNRADAR_DETECTOR_FETCH_MIN_BYTES says otherwise', () => {
    const d = load({});
    expect(d.detectorFetchMinBytes).toBe(1);
    expect(d.detectorFetchWaitMs).toBe(500);
    const c = load({ DOWNRADAR_DETECTOR_FETCH_MIN_BYTES: '1048576', DOWNRADAR_DETECTOR_FETCH_WAIT_MS: '250' });
    expect(c.detectorFetchMinBytes).toBe(1_048_576);
    expect(c.detectorFetchWaitMs).toBe(250);
    expect(() => load({ DOWNRADAR_DETECTOR_FETCH_MIN_BYTES: '0' })).toThrow(/DOWNRADAR_DETECTOR_FETCH_MIN_BYTES must be at least 1/);
    expect(() => load({ DOWNRADAR_DETECTOR_FETCH_MIN_BYTES: String(128 * 1024 * 1024) })).toThrow(/DOWNRADAR_DETECTOR_FETCH_MIN_BYTES/);
  });

  it('a wrong value stops the boot with the variable named', () => {
    expect(() => load({ DOWNRADAR_DETECTOR_WINDOW_MS: '5000' })).toThrow(/DOWNRADAR_DETECTOR_WINDOW_MS must be at least 10000/);
    expect(() => coreConfigOf(load({ DOWNRADAR_DETECTOR_WINDOW_MS: '70000' }))).toThrow(ConfigError);
    expect(() => coreConfigOf(load({ DOWNRADAR_DETECTOR_WINDOW_MS: '70000' }))).toThrow(/DOWNRADAR_DETECTOR_WINDOW_MS/);
    expect(() => coreConfigOf(load({ DOWNRADAR_DETECTOR_CONFIG_JSON: '{"levels":{"nope":1}}' }))).toThrow(/DOWNRADAR_DETECTOR_CONFIG_JSON.*unknown field levels.nope/);
    expect(() => coreConfigOf(load({ DOWNRADAR_DETECTOR_CONFIG_JSON: '[1]' }))).toThrow(/must be a JSON object/);
    // The variable comes from the setting's path, not from words in the message.
    expect(() => coreConfigOf(load({ DOWNRADAR_DETECTOR_CONFIG_JSON: '{"levels":{"windowMs":1}}' }))).toThrow(/^configuration: DOWNRADAR_DETECTOR_CONFIG_JSON .*levels\.windowMs/);
    expect(() => coreConfigOf(load({ DOWNRADAR_DETECTOR_CONFIG_JSON: '{"levels":{"warningLog10":0.1}}' }))).toThrow(/^configuration: DOWNRADAR_DETECTOR_CONFIG_JSON /);
  });

  it('the instance name defaults to <host>-<port>, made safe for Kafka ids', () => {
    expect(instanceName({ detectorInstance: 'a-1', detectorPort: 8084 })).toBe('a-1');
    expect(instanceName({ detectorInstance: undefined, detectorPort: 8085 })).toMatch(/^[A-Za-z0-9._-]+-8085$/);
  });
});
