/** A service page, like Downdetector's: the report-volume curve, problems, countries, hashtags, posts. */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { BreakdownResponse, CurveResponse, HashtagsResponse, IncidentsResponse, PostsResponse, ServicesResponse } from '../../../../schemas/api/index';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useLiveMessages, useLiveWanted } from '../app/live';
import { parseRangeQuery, rangeToQuery, resolveRange, type RangeSpec, type Step } from '../app/range';
import { Link, navigate, paths, useLocation } from '../app/router';
import { useSettings } from '../app/settings';
import { prepareCurve, prepareIncidentSpans } from '../charts/curve';
import { formatCount } from '../charts/scale';
import { prepareShares, problemLabel } from '../charts/shares';
import { formatDateTime, formatTime, zoneName } from '../charts/time';
import { prepareWorldMap } from '../charts/world-map';
import { CurveChart } from '../components/curve-chart';
import { EvidenceStrips } from '../components/evidence-strips';
import { LevelBadge, LevelIcon, LEVEL_TEXT } from '../components/level';
import { RangePicker } from '../components/range-picker';
import { ShareBars } from '../components/share-bars';
import { Empty, ErrorState, Loading } from '../components/states';
import { Time } from '../components/time';
import { WorldMap } from '../components/world-map';
import { languageTitle } from './language';
import { regionName } from './region';

const LIVE_REFRESH_MS = 30_000;

export function ServicePage({ id }: { id: string }) {
  const { search } = useLocation();
  const { timeZone } = useSettings();
  const { spec, step, problem } = useMemo(() => parseRangeQuery(search), [search]);
  const [now, setNow] = useState(() => Date.now());
  const range = useMemo(() => resolveRange(spec, now), [spec, now]);

  // A live range moves with the clock; a historical one stays put.
  useEffect(() => {
    if (!range.live) return;
    const t = window.setInterval(() => setNow(Date.now()), LIVE_REFRESH_MS);
    return () => window.clearInterval(t);
  }, [range.live]);

  // Only a range that reaches the present follows the live stream (a past range is a document).
  useLiveWanted(range.live);

  // Score events for this service pull the curve forward sooner (at most every 5 s).
  const lastPull = useRef(0);
  useLiveMessages((m) => {
    if (!range.live) return;
    if (((m.type === 'score' || m.type === 'catchup') && m.data.serviceId === id) || m.type === 'resync') {
      const t = Date.now();
      if (t - lastPull.current > 5_000) {
        lastPull.current = t;
        setNow(t);
      }
    }
  });

  const q = { from: range.from, to: range.to };
  // While a live range only moves with the clock, the old data stays up until the new arrives.
  const view = `${id}|${search}`;
  const services = useApi<ServicesResponse>(api.services(), { refreshMs: range.live ? LIVE_REFRESH_MS : 0 });
  const curve = useApi<CurveResponse>(api.curve(id, { ...q, step }), { view });
  const incidents = useApi<IncidentsResponse>(api.incidents({ serviceId: id, ...q, limit: 50 }), { view });
  const breakdown = useApi<BreakdownResponse>(api.breakdown(id, q), { view });
  const hashtags = useApi<HashtagsResponse>(api.hashtags(id, q), { view });
  const posts = useApi<PostsResponse>(api.posts(id, { ...q, limit: 20 }), { view });

  const summary = services.state.data?.services.find((s) => s.id === id);
  const name = summary?.name ?? id;

  useEffect(() => {
    document.title = `${name} · downradar`;
  }, [name]);

  const setRange = (next: RangeSpec, nextStep: Step) => {
    setNow(Date.now());
    navigate(paths.service(id, rangeToQuery(next, nextStep)), { replace: false });
  };

  const prepared = useMemo(() => {
    const data = curve.state.data;
    if (!data) return null;
    return prepareCurve(data.points, { timeZone, step: data.step, from: data.from, to: data.to, ...(range.live ? { now } : {}) });
  }, [curve.state.data, timeZone, range.live, now]);
  const spans = useMemo(
    () =>
      incidents.state.data && prepared
        ? prepareIncidentSpans(incidents.state.data.incidents, { from: prepared.from, to: prepared.to, now: incidents.state.data.asOf }, timeZone)
        : [],
    [incidents.state.data, prepared, timeZone],
  );

  const rangeTitle = spec.kind === 'preset' ? `Reports in the last ${spec.preset === '7d' ? '7 days' : spec.preset === '6h' ? '6 hours' : '24 hours'}` : `Reports, ${formatDateTime(range.from, timeZone)} – ${formatDateTime(range.to, timeZone)} ${zoneName(range.from, timeZone)}`;
  const notFound = services.state.status === 'ok' && !summary && curve.state.status === 'error' && curve.state.error.notFound;

  return (
    <div className="page" data-testid="service-page" data-service-id={id}>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href={paths.board()}>Board</Link> <span aria-hidden="true">/</span> <span aria-current="page">{name}</span>
      </nav>
      <header className="page-header service-header">
        <div>
          <h1>{name}</h1>
          <p className="lede">
            {summary ? (
              <>
                {[summary.category, summary.family && `${summary.family} family`, summary.provider && `on ${summary.provider}`].filter(Boolean).join(' · ')}
                {summary.updatedAt !== null && (
                  <>
                    {' '}
                    · last window <Time ms={summary.updatedAt} format="time" />: <strong>{formatCount(summary.count)}</strong> reports vs {formatCount(summary.expected)} typical
                  </>
                )}
              </>
            ) : (
              <span className="mono">{id}</span>
            )}
          </p>
        </div>
        {summary && (
          <div className="service-status">
            <span className="now-label">Now</span>
            <LevelBadge level={summary.level} className="level-badge-large" />
            {summary.openIncidentId && (
              <Link className="button button-small" href={paths.incident(summary.openIncidentId)}>
                Open incident
              </Link>
            )}
          </div>
        )}
      </header>

      {notFound ? (
        <ErrorState error={new Error(`No service "${id}" in the catalog.`)} title="Unknown service" />
      ) : (
        <>
          <section className="panel" aria-labelledby="curve-title">
            <div className="panel-head">
              <h2 id="curve-title">{rangeTitle}</h2>
              {range.live && (
                <span className="live-tag" title="Refreshes as new reports are scored">
                  <span className="live-dot" aria-hidden="true" /> live
                </span>
              )}
            </div>
            <RangePicker spec={spec} step={step} from={range.from} to={range.to} timeZone={timeZone} onChange={setRange} />
            {problem && <p className="form-problem" role="status">{problem} Showing the last 24 hours.</p>}
            <CurveLegend hasIncidents={spans.length > 0} worst={spans.some((x) => x.level === 'danger') ? 'danger' : 'warning'} />
            {curve.state.status === 'loading' && <Loading label="Loading the curve…" height={360} />}
            {curve.state.status === 'error' && !curve.state.data && <ErrorState error={curve.state.error} onRetry={curve.reload} title="Could not load the curve" />}
            {prepared && prepared.empty && <Empty height={320}>No reports and no baseline in this range.</Empty>}
            {prepared && !prepared.empty && <CurveChart curve={prepared} spans={spans} timeZone={timeZone} serviceName={name} />}
            <EvidenceStrips serviceId={id} from={range.from} to={range.to} view={view} />
            {prepared && !prepared.empty && (
              <dl className="stats" data-testid="curve-stats">
                <div>
                  <dt>Reports in range</dt>
                  <dd className="num">{formatCount(prepared.totalReports)}</dd>
                </div>
                <div>
                  <dt>Peak</dt>
                  <dd>
                    {prepared.peak ? (
                      <>
                        <span className="num">{formatCount(prepared.peak.reports)}</span> <span className="muted">at {formatTime(prepared.peak.t, timeZone)}</span>
                        {prepared.peak.timesUpper !== null && prepared.peak.timesUpper > 1 && <span className="muted"> · {formatCount(prepared.peak.timesUpper)}× the threshold</span>}
                      </>
                    ) : (
                      '—'
                    )}
                  </dd>
                </div>
                <div>
                  <dt>Onset</dt>
                  <dd>{prepared.onset ? <span data-testid="onset-text">{formatTime(prepared.onset.at, timeZone)} <span className="muted">(estimated)</span></span> : <span className="muted">none in range</span>}</dd>
                </div>
                <div>
                  <dt>Incidents</dt>
                  <dd>
                    {spans.length === 0 ? (
                      <span className="muted">none in range</span>
                    ) : (
                      spans.map((s) => (
                        <Link key={s.incidentId} href={paths.incident(s.incidentId)} className="incident-link">
                          <LevelIcon level={s.level} /> {s.label}
                        </Link>
                      ))
                    )}
                  </dd>
                </div>
              </dl>
            )}
          </section>

          <section className="panel" aria-labelledby="countries-title">
            <h2 id="countries-title">Where the reports come from</h2>
            <CountriesPart state={breakdown.state} onRetry={breakdown.reload} serviceName={name} />
          </section>

          <div className="panel-grid">
            <section className="panel" aria-labelledby="problems-title">
              <h2 id="problems-title">Most reported problems</h2>
              <BreakdownPart state={breakdown.state} onRetry={breakdown.reload} pick="problems" />
            </section>
            <section className="panel" aria-labelledby="hashtags-title">
              <h2 id="hashtags-title">Top hashtags</h2>
              <p className="muted small legend-note">Posts and reports about {name} that carry the hashtag (the trends page counts the same way, over every service)</p>
              {hashtags.state.status === 'loading' && <Loading />}
              {hashtags.state.status === 'error' && <ErrorState error={hashtags.state.error} onRetry={hashtags.reload} />}
              {hashtags.state.data && hashtags.state.data.hashtags.length === 0 && <Empty>No hashtags in this range.</Empty>}
              {hashtags.state.data && hashtags.state.data.hashtags.length > 0 && (
                <ol className="hashtag-list" data-testid="hashtags">
                  {hashtags.state.data.hashtags.slice(0, 10).map((h) => (
                    <li key={h.hashtag}>
                      <span className="hashtag">#{h.hashtag}</span>
                      <span className="num muted">{formatCount(h.count)}</span>
                    </li>
                  ))}
                </ol>
              )}
            </section>
            <section className="panel" aria-labelledby="posts-title">
              <h2 id="posts-title">Recent posts</h2>
              {posts.state.status === 'loading' && <Loading />}
              {posts.state.status === 'error' && <ErrorState error={posts.state.error} onRetry={posts.reload} />}
              {posts.state.data && posts.state.data.posts.length === 0 && <Empty>No posts in this range.</Empty>}
              {posts.state.data && posts.state.data.posts.length > 0 && (
                <ol className="post-list" data-testid="posts">
                  {posts.state.data.posts.slice(0, 12).map((p) => (
                    <li key={p.id}>
                      <div className="post-meta">
                        <Time ms={p.at} /> · {p.source}
                        {p.language && p.language !== 'und' && (
                          <span className="tag tag-lang" title={languageTitle(p.language, p.declaredLanguage)} data-testid="post-language">
                            {p.language}
                          </span>
                        )}
                        {p.outage && <span className="tag tag-outage">says down</span>}
                        <span className="tag">{problemLabel(p.problem)}</span>
                      </div>
                      {/* dir="auto": Arabic posts read right to left; lang lets the browser pick fonts and voices. */}
                      <p className="post-text" dir="auto" lang={p.language && p.language !== 'und' ? p.language : undefined}>
                        {p.text}
                      </p>
                    </li>
                  ))}
                </ol>
              )}
            </section>
          </div>
        </>
      )}
    </div>
  );
}

function CurveLegend({ hasIncidents, worst }: { hasIncidents: boolean; worst: 'warning' | 'danger' }) {
  return (
    <>
    <ul className="chart-legend" aria-label="Legend">
      <li>
        <span className="legend-swatch legend-reports" aria-hidden="true" /> Reports
      </li>
      <li title="The reports the detector expects for this service at this time of day and day of week (its baseline), up to the threshold">
        <span className="legend-swatch legend-band" aria-hidden="true" /> Typical range
      </li>
      <li title="Above this line a bucket is unusual; the level rises when it stays above for long enough">
        <span className="legend-line dashed legend-threshold" aria-hidden="true" /> Threshold
      </li>
      {hasIncidents && (
        <li title="Shaded in the colour of the worst level the incident reached">
          <span className={`legend-swatch legend-incident-${worst}`} aria-hidden="true" /> Incident
        </li>
      )}
      <li className="legend-levels">
        {(['ok', 'warning', 'danger'] as const).map((l) => (
          <span key={l} className={`level-text-${l}`}>
            <LevelIcon level={l} /> {LEVEL_TEXT[l]}
          </span>
        ))}
      </li>
    </ul>
    <p className="muted small legend-note" data-testid="band-note">
      The typical range runs from what the detector expects for this service at this hour and weekday (its baseline, learnt from past weeks) up to its threshold. Reports above the threshold for long enough raise the level.
    </p>
    </>
  );
}

function CountriesPart({ state, onRetry, serviceName }: { state: ReturnType<typeof useApi<BreakdownResponse>>['state']; onRetry: () => void; serviceName: string }) {
  const map = useMemo(() => (state.data ? prepareWorldMap(state.data.countries, { regionName }) : null), [state.data]);
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error' && !state.data) return <ErrorState error={state.error} onRetry={onRetry} />;
  const data = state.data;
  if (!data || !map) return null;
  if (data.countries.length === 0) return <Empty>No report carried a country in this range.</Empty>;
  return (
    <div className="geo-panel">
      <WorldMap map={map} label={`Reports about ${serviceName} by country`} />
      <ShareBars bars={prepareShares(data.countries, 'country', { limit: 8, regionName })} label="Reports by country" testId="breakdown-countries" />
    </div>
  );
}

function BreakdownPart({ state, onRetry, pick }: { state: ReturnType<typeof useApi<BreakdownResponse>>['state']; onRetry: () => void; pick: 'problems' | 'countries' }) {
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'error' && !state.data) return <ErrorState error={state.error} onRetry={onRetry} />;
  const data = state.data;
  if (!data) return null;
  const shares = pick === 'problems' ? data.problems : data.countries;
  if (shares.length === 0) return <Empty>{pick === 'problems' ? 'No problem reports in this range.' : 'No report carried a country in this range.'}</Empty>;
  const bars = prepareShares(shares, pick === 'problems' ? 'problem' : 'country', { limit: pick === 'problems' ? 6 : 8, regionName });
  return (
    <>
      <ShareBars bars={bars} label={pick === 'problems' ? 'Most reported problems' : 'Reports by country'} testId={`breakdown-${pick}`} />
      {pick === 'problems' && (
        <p className="muted small">
          Of {formatCount(data.total)} reports
          {data.sources.length > 0 && <> · {prepareShares(data.sources, 'source', { limit: 3 }).map((s) => `${s.label} ${s.pctText}`).join(', ')}</>}
        </p>
      )}
    </>
  );
}
