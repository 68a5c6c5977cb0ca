/**
 * The story of an incident: a headline a person would write, when it started and how long it
 * lasted, its services on one time axis, when each reached each level (primary or collateral),
 * the evidence, and a timeline of what changed at each step.
 */
import { Acknowledgement } from '../components/acknowledgement';
import { useEffect, useMemo, useState } from 'react';
import type { CurveResponse, IncidentResponse, ServicesResponse } from '../../../../schemas/api/index';
import type { IncidentService } from '../../../../schemas/events/index';
import { api } from '../api/client';
import { useApi, useApiAll } from '../api/use-api';
import { useLiveMessages, useLiveWanted } from '../app/live';
import { rangeToQuery } from '../app/range';
import { Link, paths } from '../app/router';
import { useSettings } from '../app/settings';
import { prepareIncidentSeries } from '../charts/incident-series';
import { familyName, incidentFacts, incidentHeadline, incidentPeakLevel, orderServices, serviceProviders, servicePeakLevel } from '../charts/incident-story';
import { describeChange, describeFolded, describeMoves, prepareTimeline, type TimelineStep } from '../charts/timeline';
import { prepareWorldMap } from '../charts/world-map';
import { formatCount } from '../charts/scale';
import { prepareShares } from '../charts/shares';
import { HOUR_MS, MINUTE_MS, formatDateTime, formatDuration, formatTime, zoneName } from '../charts/time';
import { IncidentChart, SERIES_COLOURS, type IncidentChartSeries } from '../components/incident-chart';
import { LevelBadge, LevelIcon } from '../components/level';
import { ShareBars } from '../components/share-bars';
import { Empty, ErrorState, Loading } from '../components/states';
import { Time } from '../components/time';
import { WorldMap } from '../components/world-map';
import { regionName } from './region';

const MAX_SERVICES_CHARTED = 8;

export function IncidentPage({ id }: { id: string }) {
  const { timeZone } = useSettings();
  const incident = useApi<IncidentResponse>(api.incident(id));
  const services = useApi<ServicesResponse>(api.services());
  const open = incident.state.data?.incident.status === 'open';
  const [measure, setMeasure] = useState<'reports' | 'ratio'>('reports');
  // An open incident follows the live stream; a resolved one is history (no stream, the page idles).
  useLiveWanted(open);

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
  const involved = useMemo(() => orderServices(data?.incident.services ?? [], nameOf), [data, names]);
  const steps = useMemo(() => prepareTimeline(data?.timeline ?? []), [data]);

  // An open incident runs to the API's clock (the detector's newest window), not the viewer's:
  // an incident of a replayed past does not reach into today.
  const view = useMemo(() => {
    if (!data) return null;
    const inc = data.incident;
    const end = inc.resolvedAt ?? Math.max(data.asOf, inc.lastEventAt);
    const from = Math.floor((inc.startedAt - HOUR_MS) / (15 * MINUTE_MS)) * 15 * MINUTE_MS;
    const to = Math.min(Math.max(end + HOUR_MS, from + 2 * HOUR_MS), inc.resolvedAt === null ? Math.ceil(end / MINUTE_MS) * MINUTE_MS : Number.POSITIVE_INFINITY);
    const step: 5 | 15 = to - from <= 6 * HOUR_MS ? 5 : 15;
    return { from, to, step };
  }, [data]);

  const charted = involved.slice(0, MAX_SERVICES_CHARTED);
  const curveUrls = useMemo(() => (view ? charted.map((s) => api.curve(s.serviceId, { from: view.from, to: view.to, step: view.step })) : null), [view, charted]);
  const curves = useApiAll<CurveResponse>(curveUrls);

  const prepared = useMemo(() => (curves.data && view ? prepareIncidentSeries(curves.data, { timeZone, step: view.step, from: view.from, to: view.to, measure }) : null), [curves.data, view, timeZone, measure]);
  const chartSeries: IncidentChartSeries[] = charted.map((s, i) => ({ key: `s${i}`, name: nameOf(s.serviceId), collateral: s.role === 'collateral', colour: SERIES_COLOURS[i % SERIES_COLOURS.length]! }));

  const headline = data ? incidentHeadline(data.incident, nameOf) : null;
  useEffect(() => {
    document.title = `${headline ?? `Incident ${id}`} · downradar`;
  }, [id, headline]);

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
  const facts = incidentFacts(inc, data.asOf);
  const peak = incidentPeakLevel(inc);
  const providerName = (p: string) => names.get(p) ?? familyName(p);
  const catalogProvider = new Map((services.state.data?.services ?? []).map((s) => [s.id, s.provider]));
  const providerColumn = serviceProviders(inc.services, (sid) => catalogProvider.get(sid) ?? null);

  return (
    <div className="page" data-testid="incident-page" data-incident-id={inc.incidentId} data-catalog={services.state.data ? 'loaded' : 'loading'}>
      <Breadcrumb id={id} />
      <header className="page-header">
        <div>
          <p className="eyebrow">
            {inc.status === 'open' ? 'Open incident' : 'Resolved incident'}
            {inc.family ? ` · ${familyName(inc.family)}` : ''}
            {inc.provider && <span data-testid="incident-provider"> · provider {providerName(inc.provider)}</span>}
          </p>
          <h1 data-testid="incident-headline">{headline}</h1>
          <p className="lede" data-testid="incident-subline">
            Started <Time ms={inc.startedAt} /> {zoneName(inc.startedAt, timeZone)} ·{' '}
            {facts.ongoing ? (
              <>
                ongoing for {formatDuration(facts.durationMs)} <span className="muted">(as of <Time ms={facts.endedAt} format="time" />)</span>
              </>
            ) : (
              <>
                lasted {formatDuration(facts.durationMs)} <span className="muted">(resolved <Time ms={facts.endedAt} format="time" />)</span>
              </>
            )}{' '}
            · {facts.affected}
          </p>
        </div>
        <div className="incident-status">
          {inc.status === 'resolved' ? <span className="tag tag-resolved">Resolved</span> : <LevelBadge level={inc.level} className="level-badge-large" />}
          {inc.status === 'resolved' && (
            <span className="muted small">
              worst: <LevelBadge level={peak} short />
            </span>
          )}
        </div>
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
          <IncidentChart prepared={prepared} series={chartSeries} span={{ x1: inc.startedAt, x2: inc.resolvedAt ?? view.to, level: peak }} timeZone={timeZone} />
        )}
        {involved.length > MAX_SERVICES_CHARTED && <p className="muted small">The chart shows the first {MAX_SERVICES_CHARTED} of {involved.length} services.</p>}
      </section>

      <section className="panel" aria-labelledby="inc-services">
        <h2 id="inc-services">When each service reached each level</h2>
        <p className="muted small">
          <strong>Primary</strong> services are what the incident is about. <strong>Collateral</strong> services spiked with it without being its cause: the
          apps people fled to, the internet providers they blamed.
        </p>
        <div className="table-wrap">
          <table className="table" data-testid="incident-services">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Role</th>
                {providerColumn && <th scope="col">Provider</th>}
                <th scope="col">First warning</th>
                <th scope="col">First danger</th>
                <th scope="col" className="num">Peak reports</th>
                <th scope="col" className="num">Peak score</th>
                <th scope="col">Level now</th>
              </tr>
            </thead>
            <tbody>
              {involved.map((s) => (
                <ServiceRow
                  key={s.serviceId}
                  s={s}
                  name={nameOf(s.serviceId)}
                  provider={providerColumn ? (providerColumn.get(s.serviceId) ? providerName(providerColumn.get(s.serviceId)!) : '—') : null}
                  startedAt={inc.startedAt}
                  timeZone={timeZone}
                  href={paths.service(s.serviceId, rangeToQuery({ kind: 'absolute', from: view.from, to: view.to }, view.step))}
                />
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="panel" aria-labelledby="inc-countries">
        <h2 id="inc-countries">Where the reports came from</h2>
        {data.evidence.countries.length === 0 ? (
          <Empty>No report carried a country.</Empty>
        ) : (
          <div className="geo-panel">
            <WorldMap map={prepareWorldMap(data.evidence.countries, { regionName })} label="Reports about the incident's primary services by country" />
            <ShareBars bars={prepareShares(data.evidence.countries, 'country', { limit: 8, regionName })} label="Reports by country" testId="incident-countries" />
          </div>
        )}
      </section>

      <div className="panel-grid">
        <section className="panel" aria-labelledby="inc-problems">
          <h2 id="inc-problems">Most reported problems</h2>
          {data.evidence.problems.length === 0 ? <Empty>No problem breakdown.</Empty> : <ShareBars bars={prepareShares(data.evidence.problems, 'problem', { limit: 6 })} label="Most reported problems" />}
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
      </div>

      <Acknowledgement incidentId={id} nameOf={nameOf} />
      <section className="panel" aria-labelledby="inc-timeline">
        <h2 id="inc-timeline">Timeline</h2>
        {steps.length === 0 ? (
          <Empty>No events recorded.</Empty>
        ) : (
          <>
            <p className="muted small">
              What changed at each step · {data.timeline.length} detector {data.timeline.length === 1 ? 'event' : 'events'} in {steps.length}{' '}
              {steps.length === 1 ? 'step' : 'steps'}
            </p>
            <ol className="timeline" data-testid="incident-timeline" data-events={data.timeline.length} data-steps={steps.length}>
              {steps.map((step) => (
                <TimelineItem key={step.seq} step={step} nameOf={nameOf} />
              ))}
            </ol>
          </>
        )}
      </section>
    </div>
  );
}

function TimelineItem({ step, nameOf }: { step: TimelineStep; nameOf: (id: string) => string }) {
  const resolved = step.type === 'resolved';
  const title = step.type === 'opened' ? 'Opened' : resolved ? 'Resolved' : step.run ? 'Collateral services' : 'Changed';
  return (
    <li className={`timeline-item level-border-${resolved ? 'ok' : step.level}${step.run ? ' timeline-run' : ''}`} data-testid="timeline-step" data-kinds={step.changes.map((c) => c.kind).join(' ')} data-folded={step.folded}>
      <div className="timeline-head">
        <strong>{title}</strong>
        <span className="muted">
          <Time ms={step.at} format="time" />
          {step.run && step.foldedUntil !== null && (
            <>
              –<Time ms={step.foldedUntil} format="time" />
            </>
          )}
        </span>
        {!resolved && <LevelBadge level={step.level} short />}
      </div>
      <ul className="timeline-changes">
        {step.changes.map((c, i) => (
          <li key={i} className={`change change-${c.kind}`}>
            {c.kind === 'level' && <LevelIcon level={c.to} />} {describeChange(c, nameOf)}
          </li>
        ))}
        {step.moves.map((m) => (
          <li key={`m-${m.serviceId}`} className="change change-moves">
            {describeMoves(m, nameOf)}
          </li>
        ))}
        {step.note && <li className="change muted">{step.note}</li>}
      </ul>
      {step.folded > 0 && <p className="muted small timeline-folded">{describeFolded(step)}</p>}
    </li>
  );
}

function Breadcrumb({ id }: { id: string }) {
  return (
    <nav className="breadcrumb" aria-label="Breadcrumb">
      <Link href={paths.board()}>Board</Link> <span aria-hidden="true">/</span> <span aria-current="page">Incident {id}</span>
    </nav>
  );
}

function ServiceRow({ s, name, provider, startedAt, timeZone, href }: { s: IncidentService; name: string; provider: string | null; startedAt: number; timeZone: string; href: string }) {
  const at = (t: number | undefined) =>
    t === undefined ? (
      <span className="muted">—</span>
    ) : (
      <>
        {formatTime(t, timeZone)} <span className="muted small">{t >= startedAt ? `+${formatDuration(t - startedAt)}` : `−${formatDuration(startedAt - t)}`}</span>
      </>
    );
  return (
    <tr data-service-id={s.serviceId} data-role={s.role} data-peak-level={servicePeakLevel(s)}>
      <th scope="row">
        <Link href={href}>{name}</Link>
      </th>
      <td>{s.role === 'collateral' ? <span className="tag tag-collateral">Collateral</span> : <span className="tag tag-primary">Primary</span>}</td>
      {provider !== null && <td data-testid="service-provider">{provider}</td>}
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
