import type { ScoreCatchup } from '../../../../schemas/api/index';
import type { Level, ScoreEvent } from '../../../../schemas/events/index';

const RANK: Record<Level, number> = { ok: 0, warning: 1, danger: 2 };

export interface SummarisedScores {
  /** one per service that had several windows in the batch, before its newest score */
  catchups: ScoreCatchup[];
  /** the newest window of each service, in the order the services first appeared */
  newest: ScoreEvent[];
}

/**
 * Live clients want the state of each service, not the detector's backlog: when event time jumps
 * (the first report after six quiet hours closes 360 empty windows of that service at once), a
 * batch of score events is summarised per service into one `catchup` (how many windows, their
 * span, reports, worst level) and the newest window's score. A service with one window in the
 * batch is sent as it is. The detector's output on Kafka and in ClickHouse keeps every window.
 */
export function summariseScores(scores: readonly ScoreEvent[]): SummarisedScores {
  const byService = new Map<string, ScoreEvent[]>();
  for (const s of scores) {
    const list = byService.get(s.serviceId);
    if (list) list.push(s);
    else byService.set(s.serviceId, [s]);
  }
  const out: SummarisedScores = { catchups: [], newest: [] };
  for (const [serviceId, list] of byService) {
    let newest = list[0]!;
    for (const s of list) if (s.windowStart > newest.windowStart || (s.windowStart === newest.windowStart && s.computedAt >= newest.computedAt)) newest = s;
    const windows = new Set(list.map((s) => s.windowStart));
    if (windows.size > 1) {
      // A window computed twice (a re-score) counts once, with its latest computation.
      const latestPerWindow = new Map<number, ScoreEvent>();
      for (const s of list) {
        const seen = latestPerWindow.get(s.windowStart);
        if (!seen || s.computedAt >= seen.computedAt) latestPerWindow.set(s.windowStart, s);
      }
      let from = Infinity;
      let to = -Infinity;
      let count = 0;
      let worst: Level = 'ok';
      for (const s of latestPerWindow.values()) {
        from = Math.min(from, s.windowStart);
        to = Math.max(to, s.windowEnd);
        count += s.count;
        if (RANK[s.level] > RANK[worst]) worst = s.level;
      }
      out.catchups.push({ serviceId, windows: latestPerWindow.size, from, to, count, worstLevel: worst });
    }
    out.newest.push(newest);
  }
  return out;
}
