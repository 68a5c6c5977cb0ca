/** The story of an incident: its services on one time axis, when each reached each level, the evidence, the timeline. */
import { useEffect, useMemo, useState } from 'react';
import type { CurveResponse, IncidentResponse, ServicesResponse } from '../../../../schemas/api/index';
import type { IncidentService } from '../../../../schemas/events/index';
import { api } from '../api/client';
import { useApi, useApiAll } from '../api/use-api';
import { useLiveMessages } from '../app/live';
import { rangeToQuery } from '../app/range';
import { Link, paths } from '../app/router';
import { useSettings } from '../app/settings';
import { prepareIncidentSeries } from '../charts/incident-series';
import { formatCount } from '../charts/scale';
import { prepareShares } from '../charts/shares';
import { HOUR_MS, MINUTE_MS, formatDateTime, formatDuration, formatTime, zoneName } from '../charts/time';
import { IncidentChart, SERIES_COLOURS, type IncidentChartSeries } from '../components/incident-chart';
import { LevelBadge } from '../components/level';
import { ShareBars } from '../components/share-bars';
import { Empty, ErrorState, Loading } from '../components/states';
import { Time } from '../components/time';
import { regionName } from './region';

const MAX_SERVICES_CHARTED = 8;

export function IncidentPage({ id }: { id: string }) {
  const { timeZone } = useSettings();
  const incident = useApi<IncidentResponse>(api.incident(id));
  const services = useApi<ServicesResponse>(api.services());
  const open = incident.state.data?.incident.status === 'open';
  const [measure, setMeasure] = useState<'reports' | 'ratio'>('reports');

  useLiveMessages((m) => {
    if (m.type === 'incident' && m.data.incidentId === id) incident.reload();
  });
  useEffect(() => {
    if (!open) return;
    const t = window.setInterval(incident.reload, 60_000);
    return () => window.clearInterval(t);
  }, [open, incident.reload]);

  const data = incident.state.data;
  const names = useMemo(() => new Map((services.state.data?.services ?? []).map((s) => [s.id, s.name])), [services.state.data]);
  const nameOf = (sid: string) => names.get(sid) ?? sid;

  // Primary services first, then collateral; each by how bad it got.
  const involved = useMemo(() => {
    const list = data?.incident.services ?? [];
    return [...list].sort((a, b) => Number(a.role === 'collateral') - Number(b.role === 'collateral') || b.peakCount - a.peakCount);
  }, [data]);

  const view = useMemo(() => {
    if (!data) return null;
    const inc = data.incident;
    const end = inc.resolvedAt ?? Math.max(Date.now(), inc.lastEventAt);
    const from = Math.floor((inc.startedAt - HOUR_MS) / (15 * MINUTE_MS)) * 15 * MINUTE_MS;
    const to = Math.min(Math.max(end + HOUR_MS, from + 2 * HOUR_MS), inc.resolvedAt === null ? Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS : Number.POSITIVE_INFINITY);
    const step: 5 | 15 = to - from <= 6 * HOUR_MS ? 5 : 15;
    return { from, to, step };
  }, [data]);

  const charted = involved.slice(0, MAX_SERVICES_CHARTED);
  const curveUrls = useMemo(() => (view ? charted.map((s) => api.curve(s.serviceId, { from: view.from, to: view.to, step: view.step })) : null), [view, charted]);
  const curves = useApiAll<CurveResponse>(curveUrls);

  const prepared = useMemo(() => (curves.data && view ? prepareIncidentSeries(curves.data, { timeZone, step: view.step, from: view.from, to: view.to, measure }) : null), [curves.data, view, timeZone, measure]);
  const chartSeries: IncidentChartSeries[] = charted.map((s, i) => ({ key: `s${i}`, name: nameOf(s.serviceId), collateral: s.role === 'collateral', colour: SERIES_COLOURS[i % SERIES_COLOURS.length]! }));

  useEffect(() => {
    document.title = `Incident ${id} · downradar`;
  }, [id]);

  if (incident.state.status === 'loading') return <div className="page"><Loading label="Loading the incident…" height={300} /></div>;
  if (incident.state.status === 'error' && !data)
    return (
      <div className="page">
        <Breadcrumb id={id} />
        <ErrorState error={incident.state.error} onRetry={incident.reload} title={incident.state.error.notFound ? 'No such incident' : 'Could not load the incident'} />
      </div>
    );
  if (!data || !view) return null;
  const inc = data.incident;
  const duration = (inc.resolvedAt ?? Date.now()) - inc.startedAt;

  return (
    <div className="page" data-testid="incident-page" data-incident-id={inc.incidentId}>
      <Breadcrumb id={id} />
      <header className="page-header">
        <div>
          <p className="eyebrow">{inc.status === 'open' ? 'Open incident' : 'Resolved incident'}{inc.family ? ` · ${inc.family} family` : ''}{inc.provider ? ` · ${inc.provider}` : ''}</p>
          <h1>{inc.summary || `Incident ${inc.incidentId}`}</h1>
          <p className="lede">
            Started <Time ms={inc.startedAt} /> {zoneName(inc.startedAt, timeZone)}
            {inc.resolvedAt !== null ? (
              <>
                {' '}· resolved <Time ms={inc.resolvedAt} /> · lasted {formatDuration(duration)}
              </>
            ) : (
              <> · ongoing for {formatDuration(duration)}</>
            )}{' '}
            · {inc.services.length} {inc.services.length === 1 ? 'service' : 'services'}
          </p>
        </div>
        <LevelBadge level={inc.level} className="level-badge-large" />
      </header>

      <section className="panel" aria-labelledby="inc-curves">
        <div className="panel-head">
          <h2 id="inc-curves">{measure === 'ratio' ? 'Reports per service, against each one’s usual volume' : 'Reports per service'}</h2>
          <div className="segmented segmented-small" role="group" aria-label="Measure">
            <button type="button" className="segment" aria-pressed={measure === 'reports'} onClick={() => setMeasure('reports')}>
              Reports
            </button>
            <button type="button" className="segment" aria-pressed={measure === 'ratio'} onClick={() => setMeasure('ratio')} data-testid="measure-ratio">
              × typical
            </button>
          </div>
        </div>
        <p className="muted small chart-note">
          {formatDateTime(view.from, timeZone)} – {formatDateTime(view.to, timeZone)} {zoneName(view.from, timeZone)} · {view.step}-minute buckets
          {measure === 'ratio' && ' · log scale; 1× is the usual volume for that time of day'}
        </p>
        {curves.status === 'loading' && <Loading label="Loading the curves…" height={320} />}
        {curves.status === 'error' && <ErrorState error={curves.error} title="Could not load the curves" />}
        {prepared && prepared.rows.length === 0 && <Empty height={200}>No reports in this window.</Empty>}
        {prepared && prepared.rows.length > 0 && (
          <IncidentChart prepared={prepared} series={chartSeries} span={{ x1: inc.startedAt, x2: inc.resolvedAt ?? view.to, level: inc.level }} timeZone={timeZone} />
        )}
        {involved.length > MAX_SERVICES_CHARTED && <p className="muted small">The chart shows the first {MAX_SERVICES_CHARTED} of {involved.length} services.</p>}
      </section>

      <section className="panel" aria-labelledby="inc-services">
        <h2 id="inc-services">When each service reached each level</h2>
        <div className="table-wrap">
          <table className="table" data-testid="incident-services">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Role</th>
                <th scope="col">First warning</th>
                <th scope="col">First danger</th>
                <th scope="col" className="num">Peak reports</th>
                <th scope="col" className="num">Peak score</th>
                <th scope="col">Level now</th>
              </tr>
            </thead>
            <tbody>
              {involved.map((s) => (
                <ServiceRow key={s.serviceId} s={s} name={nameOf(s.serviceId)} startedAt={inc.startedAt} timeZone={timeZone} href={paths.service(s.serviceId, rangeToQuery({ kind: 'absolute', from: view.from, to: view.to }, view.step))} />
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <div className="panel-grid">
        <section className="panel" aria-labelledby="inc-problems">
          <h2 id="inc-problems">Most reported problems</h2>
          {data.evidence.problems.length === 0 ? <Empty>No problem breakdown.</Empty> : <ShareBars bars={prepareShares(data.evidence.problems, 'problem', { limit: 6 })} label="Most reported problems" />}
        </section>
        <section className="panel" aria-labelledby="inc-countries">
          <h2 id="inc-countries">Countries</h2>
          {data.evidence.countries.length === 0 ? <Empty>No countries.</Empty> : <ShareBars bars={prepareShares(data.evidence.countries, 'country', { limit: 8, regionName })} label="Reports by country" />}
        </section>
        <section className="panel" aria-labelledby="inc-hashtags">
          <h2 id="inc-hashtags">Hashtags</h2>
          {data.evidence.hashtags.length === 0 ? (
            <Empty>No hashtags.</Empty>
          ) : (
            <ol className="hashtag-list">
              {data.evidence.hashtags.slice(0, 10).map((h) => (
                <li key={h.hashtag}>
                  <span className="hashtag">#{h.hashtag}</span>
                  <span className="num muted">{formatCount(h.count)}</span>
                </li>
              ))}
            </ol>
          )}
        </section>
        <section className="panel" aria-labelledby="inc-timeline">
          <h2 id="inc-timeline">Timeline</h2>
          {data.timeline.length === 0 ? (
            <Empty>No events recorded.</Empty>
          ) : (
            <ol className="timeline" data-testid="incident-timeline">
              {[...data.timeline].sort((a, b) => a.seq - b.seq).map((e) => (
                <li key={e.eventId} className={`timeline-item level-border-${e.type === 'resolved' ? 'ok' : e.level}`}>
                  <div className="timeline-head">
                    <strong>{e.type === 'opened' ? 'Opened' : e.type === 'resolved' ? 'Resolved' : 'Updated'}</strong>
                    <span className="muted">
                      <Time ms={e.at} format="time" />
                    </span>
                    {e.type !== 'resolved' && <LevelBadge level={e.level} short />}
                  </div>
                  <p className="timeline-text">{e.summary}</p>
                  <p className="muted small">{e.services.map((s) => `${nameOf(s.serviceId)}${s.role === 'collateral' ? ' (collateral)' : ''}`).join(', ')}</p>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
    </div>
  );
}

function Breadcrumb({ id }: { id: string }) {
  return (
    <nav className="breadcrumb" aria-label="Breadcrumb">
      <Link href={paths.board()}>Board</Link> <span aria-hidden="true">/</span> <span aria-current="page">Incident {id}</span>
    </nav>
  );
}

function ServiceRow({ s, name, startedAt, timeZone, href }: { s: IncidentService; name: string; startedAt: number; timeZone: string; href: string }) {
  const at = (t: number | undefined) =>
    t === undefined ? (
      <span className="muted">—</span>
    ) : (
      <>
        {formatTime(t, timeZone)} <span className="muted small">{t >= startedAt ? `+${formatDuration(t - startedAt)}` : `−${formatDuration(startedAt - t)}`}</span>
      </>
    );
  return (
    <tr data-service-id={s.serviceId} data-role={s.role}>
      <th scope="row">
        <Link href={href}>{name}</Link>
      </th>
      <td>{s.role === 'collateral' ? <span className="tag tag-collateral">Collateral</span> : <span className="tag">Primary</span>}</td>
      <td>{at(s.firstWarningAt)}</td>
      <td>{at(s.firstDangerAt)}</td>
      <td className="num">{formatCount(s.peakCount)}</td>
      <td className="num">{s.peakScore.toFixed(2)}</td>
      <td>
        <LevelBadge level={s.level} short />
      </td>
    </tr>
  );
}
