/** Rising hashtags, each with its sparkline, linked to its service when known. */
import { useMemo, useRef, useState } from 'react';
import type { ServicesResponse, TrendsResponse } from '../../../../schemas/api/index';
import type { TrendEvent } from '../../../../schemas/events/index';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useLiveMessages, useLiveWanted } from '../app/live';
import { parseRangeQuery, rangeToQuery, resolveRange, type RangeSpec } from '../app/range';
import { Link, navigate, paths, useLocation } from '../app/router';
import { useSettings } from '../app/settings';
import { formatDateTime, zoneName } from '../charts/time';
import { RangePicker } from '../components/range-picker';
import { applyTrendEvent, sortTrends } from '../charts/board';
import { formatCount } from '../charts/scale';
import { Sparkline } from '../components/sparkline';
import { Empty, ErrorState, Loading } from '../components/states';
import { Time } from '../components/time';

/** The detector's default trends.trendingScore (services/detector/src/core/config.ts), in %. */
const TRENDING_BURST_PCT = 60;

export function TrendsPage() {
  const { search } = useLocation();
  const { timeZone } = useSettings();
  const { spec, problem } = useMemo(() => parseRangeQuery(search), [search]);
  const [now, setNow] = useState(() => Date.now());
  const range = useMemo(() => resolveRange(spec, now), [spec, now]);
  const trends = useApi<TrendsResponse>(api.trends({ from: range.from, to: range.to, limit: 50 }), { refreshMs: range.live ? 60_000 : 0, view: search });
  const setRange = (next: RangeSpec) => {
    setNow(Date.now());
    navigate(`${paths.trends()}${rangeToQuery(next, 15)}`);
  };
  const services = useApi<ServicesResponse>(api.services());
  const [liveEvents, setLiveEvents] = useState<TrendEvent[]>([]);
  useLiveWanted(range.live);

  // Trend events move bursts at once; the exact uses are refetched, at most every 10 s.
  const lastReload = useRef(0);
  useLiveMessages((m) => {
    if (!range.live) return;
    if (m.type === 'trend') setLiveEvents((prev) => [...prev.slice(-199), m.data]);
    if (m.type === 'resync' || (m.type === 'trend' && Date.now() - lastReload.current > 10_000)) {
      lastReload.current = Date.now();
      trends.reload();
    }
  });

  const list = useMemo(() => {
    if (!trends.state.data) return [];
    let out = trends.state.data.trends;
    for (const e of liveEvents) out = applyTrendEvent(out, e);
    return sortTrends(out);
  }, [trends.state.data, liveEvents]);
  const names = useMemo(() => new Map((services.state.data?.services ?? []).map((s) => [s.id, s.name])), [services.state.data]);

  return (
    <div className="page" data-testid="trends-page">
      <header className="page-header">
        <div>
          <h1>Trending hashtags</h1>
          <p className="lede">Hashtags bursting above their own usual volume; the ones that say a service is down are often the first sign.</p>
          <dl className="trend-help small" data-testid="trend-help">
            <div>
              <dt>Uses</dt>
              <dd>posts and reports carrying the hashtag in the range, each counted once (the same count as on a service page)</dd>
            </div>
            <div>
              <dt>Burst</dt>
              <dd>
                how unlikely the hashtag's busiest minute in the range was under its own usual volume, on a log scale: 30% is a one-in-a-thousand minute,
                60% one in a million, 100% one in ten billion or rarer. By default a hashtag trends from {TRENDING_BURST_PCT}% with enough uses.
              </dd>
            </div>
          </dl>
        </div>
      </header>
      <section className="panel" aria-label="Time range">
        <RangePicker spec={spec} step={15} from={range.from} to={range.to} timeZone={timeZone} onChange={setRange} withStep={false} />
        <p className="muted small chart-note">
          {formatDateTime(range.from, timeZone)} – {formatDateTime(range.to, timeZone)} {zoneName(range.from, timeZone)}
          {problem && ` · ${problem} Showing the last 24 hours.`}
        </p>
      </section>
      {trends.state.status === 'loading' && <Loading label="Loading trends…" height={240} />}
      {trends.state.status === 'error' && !trends.state.data && <ErrorState error={trends.state.error} onRetry={trends.reload} title="Could not load the trends" />}
      {trends.state.data && list.length === 0 && <Empty height={200}>No hashtag activity in this range.</Empty>}
      {list.length > 0 && (
        <ol className="trend-list" data-testid="trend-list">
          {list.map((t) => (
            <li key={t.hashtag} className="card trend-card" data-testid="trend" data-hashtag={t.hashtag} data-trending={t.trending}>
              <div className="trend-main">
                <div className="trend-title">
                  <span className="hashtag hashtag-large">#{t.hashtag}</span>
                  {t.trending ? <span className="tag tag-trending">▲ Trending</span> : <span className="tag">Quiet</span>}
                  {t.outage && <span className="tag tag-outage">says down</span>}
                </div>
                <div className="muted small">
                  {t.serviceId ? (
                    <>
                      about{' '}
                      <Link href={paths.service(t.serviceId)} data-testid="trend-service-link">
                        {names.get(t.serviceId) ?? t.serviceId}
                      </Link>
                    </>
                  ) : (
                    'no service attributed'
                  )}{' '}
                  · last window <Time ms={t.lastWindowStart} format="time" />
                </div>
              </div>
              <div className="trend-spark tone-reports">
                <Sparkline values={t.sparkline} label={`#${t.hashtag} over the range`} height={36} />
              </div>
              <dl className="trend-figures">
                <div>
                  <dt>Uses</dt>
                  <dd className="num" data-testid="trend-uses">
                    {formatCount(t.count)}
                  </dd>
                </div>
                <div title="How unlikely its busiest minute was under its own usual volume: 30% one in a thousand, 60% one in a million, 100% one in ten billion or rarer">
                  <dt>Burst</dt>
                  <dd className="num">{Math.round(t.burst * 100)}%</dd>
                </div>
              </dl>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
