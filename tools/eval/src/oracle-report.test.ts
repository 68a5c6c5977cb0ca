import { describe, expect, it } from 'vitest';
import type { ScenarioEvaluation, ServiceResult } from './evaluate';
import { compareWithOracle, formatOracleSummary, formatOracleTable, oracleFor, summariseOracle, type OracleComparison } from './oracle-report';
import type { ServiceRatePath } from './service-rates';

const ONSET = Date.UTC(2024, 2, 12, 19, 42);

function path(serviceId: string, normal: number, outage: number, minutes = 60, role: 'primary' | 'collateral' = 'primary'): ServiceRatePath {
  const rates = new Float64Array(minutes).fill(normal + outage);
  return { incidentId: 'inc', serviceId, role, onset: ONSET, end: ONSET + (minutes - 15) * 60_000, firstWindowStart: ONSET, onsetOffset: 0, normalPerWindow: normal, rates, peakPerWindow: normal + outage };
}

function evaluation(warnings: Record<string, number | undefined>): ScenarioEvaluation {
  const services: ServiceResult[] = Object.entries(warnings).map(([serviceId, delayS]) => ({
    serviceId,
    role: 'primary',
    onset: ONSET,
    end: ONSET + 3_600_000,
    incidentIds: [],
    ...(delayS !== undefined ? { warning: { windowStart: 0, windowEnd: 0, emittedAt: 0, delayS, alertDelayS: delayS + 16 } } : {}),
  }));
  return {
    scenarioId: 's',
    scale: 1,
    from: 0,
    to: 1,
    days: 1,
    incidents: [
      { id: 'inc', groupBy: 'single', start: ONSET, end: ONSET, services, missed: false, incidentIds: [], grouped: undefined, collateralSeen: 0, collateralMarked: 0, primarySeen: 0, primaryMarked: 0, unlabelledMembers: [], openings: 0 },
    ],
    nonIncidents: [],
    falseIncidents: [],
    falseIncidentsPerDay: 0,
    missedIncidents: 0,
    mergedIncidents: 0,
  };
}

describe('downradar beside the oracle', () => {
  const paths = [path('fast', 1, 30), path('small', 0.2, 3), path('missed', 1, 10), path('faint', 0.001, 0.004, 20)];
  const oracleFast = oracleFor(paths[0]!).meanWindows! * 60;
  const oracleSmall = oracleFor(paths[1]!).meanWindows! * 60;
  const rows = compareWithOracle('s@1', paths, evaluation({ fast: Math.round(oracleFast * 1.5), small: Math.round(oracleSmall * 3), missed: undefined, faint: undefined }));
  const row = (id: string) => rows.find((r) => r.serviceId === id)!;

  it('gives the ratio of the first warning to the oracle mean, and its status', () => {
    expect(row('fast').ratio).toBeCloseTo(1.5, 1);
    expect(row('fast').status).toBe('within');
    expect(row('small').ratio).toBeCloseTo(3, 1);
    expect(row('small').status).toBe('slow');
    expect(row('missed')).toMatchObject({ status: 'missed', ratio: undefined, warningDelayS: undefined });
  });

  it('sets aside what the oracle itself mostly misses', () => {
    expect(row('faint').oraclePDetect).toBeLessThan(0.5);
    expect(row('faint').status).toBe('beyond-oracle');
  });

  it('summarises the primaries the target is about', () => {
    const sum = summariseOracle(rows);
    expect(sum).toMatchObject({ primaries: 3, within: 1, slow: 1, missed: 1, beyondOracle: 1 });
    expect(sum.maxRatio).toBeCloseTo(3, 1);
    expect(sum.pooledRatio).toBeCloseTo((row('fast').warningDelayS! + row('small').warningDelayS!) / (row('fast').oracleMeanS! + row('small').oracleMeanS!), 9);
    expect(formatOracleSummary('scale 1', sum)).toMatch(/^scale 1: 1\/3 primaries within 2x of the oracle, 1 slower, 1 missed \(1 more beyond the oracle\)/);
  });

  it('collaterals are shown but count toward no target', () => {
    const withCollateral: OracleComparison[] = [...rows, { ...row('small'), serviceId: 'isp', role: 'collateral', status: 'slow' }];
    expect(summariseOracle(withCollateral).primaries).toBe(3);
    expect(formatOracleTable(withCollateral)).toMatch(/isp +collateral/);
  });

  it('prints one line per service under a header', () => {
    const lines = formatOracleTable(rows).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^service +role +normal\/min +peak\/min +oracle mean +P\(oracle\) +warning +danger +ratio$/);
    expect(lines.find((l) => l.startsWith('small'))).toMatch(/3\.0x +SLOW \(> 2x\)$/);
  });
});
