/** The board: every tracked service, the ones in trouble first, live over SSE. */
import { useMemo, useState } from 'react';
import type { ServicesResponse, ServiceSummary } from '../../../../schemas/api/index';
import type { ScoreEvent } from '../../../../schemas/events/index';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useLiveMessages } from '../app/live';
import { Link, paths } from '../app/router';
import { useSettings } from '../app/settings';
import { applyIncidentEvent, describeVolume, filterServices, mergeLiveScores, sortServicesByTrouble } from '../charts/board';
import { formatTime, zoneName } from '../charts/time';
import { LEVEL_TEXT, LevelBadge } from '../components/level';
import { Sparkline } from '../components/sparkline';
import { Empty, ErrorState, Loading } from '../components/states';

const REFRESH_MS = 60_000;

export function BoardPage() {
  const { state, reload } = useApi<ServicesResponse>(api.services(), { refreshMs: REFRESH_MS });
  const { timeZone } = useSettings();
  const [query, setQuery] = useState('');
  const [live, setLive] = useState<Map<string, ScoreEvent>>(() => new Map());
  const [incidentPatches, setIncidentPatches] = useState<Parameters<typeof applyIncidentEvent>[1][]>([]);
  const [lastLive, setLastLive] = useState<ScoreEvent | null>(null);

  useLiveMessages((m) => {
    if (m.type === 'score') {
      setLive((prev) => {
        const current = prev.get(m.data.serviceId);
        if (current && current.windowStart > m.data.windowStart) return prev;
        return new Map(prev).set(m.data.serviceId, m.data);
      });
      setLastLive(m.data);
    } else if (m.type === 'incident') {
      setIncidentPatches((prev) => [...prev.slice(-49), m.data]);
    } else if (m.type === 'resync') {
      reload();
    }
  });

  const services = useMemo(() => {
    if (!state.data) return [];
    let merged = mergeLiveScores(state.data.services, live);
    for (const e of incidentPatches) if (e.emittedAt >= state.data.at) merged = applyIncidentEvent(merged, e);
    return sortServicesByTrouble(merged);
  }, [state.data, live, incidentPatches]);
  const shown = useMemo(() => filterServices(services, query), [services, query]);
  const inTrouble = services.filter((s) => s.level !== 'ok').length;
  const trouble = shown.filter((s) => s.level !== 'ok');
  const calm = shown.filter((s) => s.level === 'ok');

  return (
    <div className="page" data-testid="board" data-last-live-service={lastLive?.serviceId ?? ''} data-last-live-window={lastLive?.windowStart ?? ''}>
      <header className="page-header">
        <div>
          <h1>Service status</h1>
          <p className="lede">
            {state.data ? (
              <>
                {services.length} services tracked ·{' '}
                {inTrouble === 0 ? 'no problems detected' : <strong>{inTrouble === 1 ? '1 with problems' : `${inTrouble} with problems`}</strong>} · as of{' '}
                {formatTime(state.data.at, timeZone)} {zoneName(state.data.at, timeZone)}
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
                    <ServiceCard service={s} timeZone={timeZone} />
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
                    <ServiceCard service={s} timeZone={timeZone} compact />
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

function ServiceCard({ service: s, timeZone, compact = false }: { service: ServiceSummary; timeZone: string; compact?: boolean }) {
  const v = describeVolume(s.count, s.expected);
  const sparkMax = s.sparkline.reduce((m, x) => Math.max(m, x), 0);
  const tone = s.level === 'ok' ? 'reports' : s.level;
  const sparkLabel = `Reports over the last 24 hours, up to ${sparkMax} per 15 minutes`;
  return (
    <Link
      href={paths.service(s.id)}
      className={`card service-card level-edge-${s.level}${compact ? ' compact' : ''}`}
      data-testid="service-card"
      data-service-id={s.id}
      data-level={s.level}
      data-score={s.score}
      data-count={s.count}
      data-updated-at={s.updatedAt ?? ''}
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
