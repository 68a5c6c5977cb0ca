/**
 * The board: the incidents that are open or recent, then every tracked service, the ones in
 * trouble first. Live over SSE, or, with `?at=`, as it all stood at a moment of the stored data
 * (a replay of 4 October 2021 is years behind today's clock, so the live board shows none of it).
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { IncidentsResponse, ServicesResponse, ServiceSummary } from '../../../../schemas/api/index';
import type { ScoreEvent } from '../../../../schemas/events/index';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useLiveMessages, useLiveWanted } from '../app/live';
import { momentQuery, parseMoment, staleDataMoment } from '../app/moment';
import { rangeToQuery } from '../app/range';
import { Link, navigate, paths, useLocation } from '../app/router';
import { useSettings } from '../app/settings';
import { applyIncidentEvent, describeVolume, filterServices, mergeLiveScores, sortServicesByTrouble } from '../charts/board';
import { prepareIncidentList, type IncidentRow } from '../charts/incident-list';
import { DAY_MS, HOUR_MS, MINUTE_MS, formatDateTime, formatDuration, formatTime, parseDateTimeInput, toDateTimeInput, zoneName } from '../charts/time';
import { LEVEL_TEXT, LevelBadge, LevelIcon } from '../components/level';
import { DateTimeField } from '../components/range-picker';
import { Sparkline } from '../components/sparkline';
import { Empty, ErrorState, Loading } from '../components/states';
import { Time } from '../components/time';

const REFRESH_MS = 60_000;
/** How far back the board's incident list looks (open incidents are listed however old). */
const RECENT_MS = 7 * DAY_MS;

export function BoardPage() {
  const { search } = useLocation();
  const moment = useMemo(() => parseMoment(search), [search]);
  const at = moment.kind === 'at' ? moment.at : undefined;
  const live = at === undefined;
  const { timeZone } = useSettings();
  useLiveWanted(live);

  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const t = window.setInterval(() => setNow(Date.now()), REFRESH_MS);
    return () => window.clearInterval(t);
  }, [live]);

  const { state, reload } = useApi<ServicesResponse>(api.services(at === undefined ? {} : { at }), { refreshMs: live ? REFRESH_MS : 0 });
  const since = (at ?? Math.floor(now / MINUTE_MS) * MINUTE_MS) - RECENT_MS;
  const incidents = useApi<IncidentsResponse>(api.incidents({ from: since, ...(at === undefined ? {} : { at }), limit: 50 }), { view: `board-incidents|${at ?? 'live'}` });
  const [query, setQuery] = useState('');
  const [liveScores, setLiveScores] = useState<Map<string, ScoreEvent>>(() => new Map());
  const [incidentPatches, setIncidentPatches] = useState<Parameters<typeof applyIncidentEvent>[1][]>([]);
  const [lastLive, setLastLive] = useState<ScoreEvent | null>(null);

  useLiveMessages((m) => {
    if (!live) return;
    if (m.type === 'score') {
      setLiveScores((prev) => {
        const current = prev.get(m.data.serviceId);
        if (current && current.windowStart > m.data.windowStart) return prev;
        return new Map(prev).set(m.data.serviceId, m.data);
      });
      setLastLive(m.data);
    } else if (m.type === 'incident') {
      setIncidentPatches((prev) => [...prev.slice(-49), m.data]);
      incidents.reload();
    } else if (m.type === 'resync') {
      reload();
      incidents.reload();
    }
  });

  const names = useMemo(() => new Map((state.data?.services ?? []).map((s) => [s.id, s.name])), [state.data]);
  const nameOf = (id: string) => names.get(id) ?? id;
  const services = useMemo(() => {
    if (!state.data) return [];
    if (!live) return state.data.services;
    let merged = mergeLiveScores(state.data.services, liveScores);
    for (const e of incidentPatches) if (e.emittedAt >= state.data.at) merged = applyIncidentEvent(merged, e);
    return sortServicesByTrouble(merged);
  }, [state.data, live, liveScores, incidentPatches]);
  const incidentRows = useMemo(
    () => (incidents.state.data ? prepareIncidentList(incidents.state.data.incidents, incidents.state.data.asOf, nameOf) : []),
    [incidents.state.data, names],
  );
  const shown = useMemo(() => filterServices(services, query), [services, query]);
  const inTrouble = services.filter((s) => s.level !== 'ok').length;
  const trouble = shown.filter((s) => s.level !== 'ok');
  const calm = shown.filter((s) => s.level === 'ok');
  const stale = live && state.data ? staleDataMoment(state.data.scoredUntil, state.data.at) : null;
  // A card opens its service over the 24 hours its sparkline shows.
  const serviceHref = (id: string) => (at === undefined ? paths.service(id) : paths.service(id, rangeToQuery({ kind: 'absolute', from: at - DAY_MS, to: at }, 15)));

  useEffect(() => {
    document.title = at === undefined ? 'downradar' : `Board at ${formatDateTime(at, timeZone)} · downradar`;
  }, [at, timeZone]);

  return (
    <div className="page" data-testid="board" data-at={at ?? ''} data-last-live-service={lastLive?.serviceId ?? ''} data-last-live-window={lastLive?.windowStart ?? ''}>
      <header className="page-header">
        <div>
          <h1>{at === undefined ? 'Service status' : `Service status at ${formatDateTime(at, timeZone)} ${zoneName(at, timeZone)}`}</h1>
          <p className="lede">
            {state.data ? (
              <>
                {services.length} services tracked ·{' '}
                {inTrouble === 0 ? 'no problems detected' : <strong>{inTrouble === 1 ? '1 with problems' : `${inTrouble} with problems`}</strong>}
                {at === undefined ? (
                  <>
                    {' '}
                    · as of {formatTime(state.data.at, timeZone)} {zoneName(state.data.at, timeZone)}
                  </>
                ) : (
                  <> · as the stored data stood then; live updates are off</>
                )}
              </>
            ) : (
              'What users report, service by service.'
            )}
          </p>
        </div>
        <div className="search">
          <label htmlFor="service-search" className="field-label">
            Search services
          </label>
          <input
            id="service-search"
            type="search"
            placeholder="Name or id, e.g. whatsapp"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            autoComplete="off"
            data-testid="service-search"
          />
        </div>
      </header>

      <MomentBar at={at} timeZone={timeZone} invalid={moment.kind === 'invalid' ? moment.text : null} />
      {stale !== null && (
        <p className="stale-note" role="status" data-testid="stale-data">
          The newest data are from <Time ms={stale} /> {zoneName(stale, timeZone)}, {formatDuration((state.data?.at ?? stale) - stale)} behind the clock (a replay of the
          past?), so the live board shows none of it.{' '}
          <Link href={`${paths.board()}${momentQuery(stale)}`} data-testid="stale-data-link">
            See the board at that moment
          </Link>
        </p>
      )}

      <section aria-labelledby="incidents-title" className="board-section" data-testid="incident-list-section">
        <h2 id="incidents-title" className="section-title">
          Incidents, open and of the last 7 days{incidentRows.length > 0 && <span className="count">{incidentRows.length}</span>}
        </h2>
        {incidents.state.status === 'loading' && <Loading label="Loading incidents…" />}
        {incidents.state.status === 'error' && !incidents.state.data && <ErrorState error={incidents.state.error} onRetry={incidents.reload} title="Could not load the incidents" />}
        {incidents.state.data && incidentRows.length === 0 && (
          <Empty>
            No incident in the 7 days before {at === undefined ? 'now' : formatDateTime(at, timeZone)}.
          </Empty>
        )}
        {incidentRows.length > 0 && (
          <ol className="incident-list" data-testid="incident-list">
            {incidentRows.map((r) => (
              <IncidentListItem key={r.incidentId} row={r} timeZone={timeZone} />
            ))}
          </ol>
        )}
      </section>

      {state.status === 'loading' && <Loading label="Loading services…" height={240} />}
      {state.status === 'error' && !state.data && <ErrorState error={state.error} onRetry={reload} title="Could not load the services" />}
      {state.status === 'error' && state.data && <p className="stale-note" role="status">Showing the last loaded status: {state.error.message}</p>}
      {state.data && services.length === 0 && <Empty height={200}>No services are tracked yet. Once the catalog is loaded and reports arrive, they appear here.</Empty>}
      {state.data && services.length > 0 && shown.length === 0 && <Empty height={160}>No service matches “{query}”.</Empty>}
      {shown.length > 0 && (
        <div className="board-sections" data-testid="service-list">
          {trouble.length > 0 && (
            <section aria-labelledby="trouble-title" className="board-section">
              <h2 id="trouble-title" className="section-title">
                Problems <span className="count">{trouble.length}</span>
              </h2>
              <ul className="card-grid" aria-label="Services with problems">
                {trouble.map((s) => (
                  <li key={s.id}>
                    <ServiceCard service={s} timeZone={timeZone} href={serviceHref(s.id)} />
                  </li>
                ))}
              </ul>
            </section>
          )}
          {calm.length > 0 && (
            <section aria-labelledby="calm-title" className="board-section">
              <h2 id="calm-title" className="section-title">
                No problems <span className="count">{calm.length}</span>
              </h2>
              <ul className="card-grid card-grid-compact" aria-label="Services without problems">
                {calm.map((s) => (
                  <li key={s.id}>
                    <ServiceCard service={s} timeZone={timeZone} href={serviceHref(s.id)} compact />
                  </li>
                ))}
              </ul>
            </section>
          )}
        </div>
      )}
    </div>
  );
}

/** Look at the board at a moment: type one, step an hour, or go back to live. */
function MomentBar({ at, timeZone, invalid }: { at: number | undefined; timeZone: string; invalid: string | null }) {
  const [text, setText] = useState(() => (at === undefined ? '' : toDateTimeInput(at, timeZone)));
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setText(at === undefined ? '' : toDateTimeInput(at, timeZone));
    setProblem(null);
  }, [at, timeZone]);
  const go = (e: FormEvent) => {
    e.preventDefault();
    const t = parseDateTimeInput(text, timeZone);
    if (t === null) return setProblem('Enter a time as YYYY-MM-DD HH:MM (24-hour).');
    navigate(`${paths.board()}${momentQuery(t)}`);
  };
  const zone = zoneName(at ?? Date.now(), timeZone);
  return (
    <form className="moment-bar" onSubmit={go} aria-label="Board at a moment" data-testid="moment-bar">
      <label>
        <span className="field-label">Board at a moment ({zone})</span>
        <DateTimeField value={text} onChange={setText} testId="moment-input" zone={zone} />
      </label>
      <button type="submit" className="button">
        Show
      </button>
      {at !== undefined && (
        <>
          <Link className="button" href={`${paths.board()}${momentQuery(at - HOUR_MS)}`} aria-label="One hour earlier">
            −1 h
          </Link>
          <Link className="button" href={`${paths.board()}${momentQuery(at + HOUR_MS)}`} aria-label="One hour later">
            +1 h
          </Link>
          <Link className="button" href={paths.board()} data-testid="back-to-live">
            Live board
          </Link>
        </>
      )}
      {(problem || invalid) && (
        <span className="form-problem" role="alert">
          {problem ?? `“${invalid}” in the address is not a time; showing the live board.`}
        </span>
      )}
    </form>
  );
}

function IncidentListItem({ row: r, timeZone }: { row: IncidentRow; timeZone: string }) {
  return (
    <li className={`incident-row level-border-${r.level}`} data-testid="incident-row" data-incident-id={r.incidentId} data-level={r.level} data-ongoing={r.ongoing}>
      <LevelIcon level={r.level} size={14} />
      <div className="incident-row-main">
        <Link href={paths.incident(r.incidentId)} className="incident-row-title">
          {r.headline}
        </Link>
        <span className="muted small">
          {r.ongoing ? <span className="tag tag-incident">Ongoing</span> : <span className="tag tag-resolved">Resolved</span>} {LEVEL_TEXT[r.level]} · started{' '}
          <Time ms={r.startedAt} /> {zoneName(r.startedAt, timeZone)} · {r.ongoing ? `for ${formatDuration(r.durationMs)} so far` : `lasted ${formatDuration(r.durationMs)}`} ·{' '}
          {r.affected}
        </span>
      </div>
    </li>
  );
}

function ServiceCard({ service: s, timeZone, href, compact = false }: { service: ServiceSummary; timeZone: string; href: string; compact?: boolean }) {
  const v = describeVolume(s.count, s.expected);
  const sparkMax = s.sparkline.reduce((m, x) => Math.max(m, x), 0);
  const tone = s.level === 'ok' ? 'reports' : s.level;
  const sparkLabel = `Reports over the 24 hours, up to ${sparkMax} per 15 minutes`;
  return (
    <Link
      href={href}
      className={`card service-card level-edge-${s.level}${compact ? ' compact' : ''}`}
      data-testid="service-card"
      data-service-id={s.id}
      data-level={s.level}
      data-score={s.score}
      data-count={s.count}
      data-updated-at={s.updatedAt ?? ''}
      data-spark-total={s.sparkline.reduce((a, b) => a + b, 0)}
      aria-label={`${s.name}: ${LEVEL_TEXT[s.level].toLowerCase()}, ${v.count} reports against ${v.expected} typical`}
    >
      {compact ? (
        <>
          <span className="card-name">{s.name}</span>
          <div className="card-spark card-spark-compact">
            <Sparkline values={s.sparkline} label={sparkLabel} height={24} tone={tone} />
          </div>
          <div className="card-bottom small" title={s.updatedAt !== null ? `last scored ${formatTime(s.updatedAt, timeZone)}` : 'not scored yet'}>
            <LevelBadge level={s.level} className="level-badge-quiet" />
            <span>
              <strong className="num">{v.count}</strong> <span className="muted">vs {v.expected}</span>
            </span>
          </div>
        </>
      ) : (
        <>
          <div className="card-top">
            <span className="card-name">{s.name}</span>
            <span className="card-meta">{[s.category, s.family].filter(Boolean).join(' · ')}</span>
          </div>
          <div className="card-status">
            <LevelBadge level={s.level} />
            {v.ratio && <span className={`ratio level-text-${s.level}`}>{v.ratio}</span>}
          </div>
          <div className="card-spark">
            <Sparkline values={s.sparkline} label={sparkLabel} height={40} tone={tone} />
          </div>
          <div className="card-bottom">
            <span>
              <strong className="num">{v.count}</strong> <span className="muted">reports vs {v.expected} typical</span>
            </span>
            {s.openIncidentId ? <span className="tag tag-incident">Incident open</span> : <span className="muted small">{s.updatedAt !== null ? formatTime(s.updatedAt, timeZone) : 'not scored'}</span>}
          </div>
        </>
      )}
    </Link>
  );
}
