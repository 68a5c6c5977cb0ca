/**
 * Under a service's crowd curve: what its official status page said (a strip coloured by status,
 * ticks for incident updates) and what this host's probes saw (one cell per probed minute).
 * Both come from services/sources; a service without a known status page or without probes says so.
 */
import { useMemo } from 'react';
import type { OfficialResponse, ProbesResponse } from '../../../../schemas/api/index';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { prepareOfficialStrip, prepareProbeStrip } from '../charts/evidence';
import { Time } from './time';

const pct = (x: number) => `${(x * 100).toFixed(3)}%`;

export function EvidenceStrips({ serviceId, from, to, view }: { serviceId: string; from: number; to: number; view: string }) {
  const official = useApi<OfficialResponse>(api.official(serviceId, { from, to }), { view });
  const probes = useApi<ProbesResponse>(api.probes(serviceId, { from, to }), { view });
  const strip = useMemo(() => (official.state.data ? prepareOfficialStrip(official.state.data, { from, to }) : null), [official.state.data, from, to]);
  const cells = useMemo(() => (probes.state.data ? prepareProbeStrip(probes.state.data, { from, to }) : null), [probes.state.data, from, to]);

  return (
    <div className="evidence-strips" data-testid="evidence-strips">
      <div className="evidence-row" data-testid="official-strip">
        <span className="evidence-name">
          Official status
          {strip?.sourceUrl && (
            <a className="muted evidence-source" href={strip.sourceUrl} rel="noreferrer noopener" target="_blank">
              {' '}
              page
            </a>
          )}
        </span>
        <div className="evidence-track" role="img" aria-label={strip ? strip.segments.map((s) => s.label).join(', then ') : 'loading'}>
          {strip?.segments.map((s, i) => (
            <span key={i} className={`evidence-seg official-${s.status}`} style={{ left: pct(s.start), width: pct(s.end - s.start) }} title={s.label} data-status={s.status} />
          ))}
          {strip?.markers.map((m, i) => (
            <a key={`m${i}`} className="evidence-tick" style={{ left: pct(m.x) }} href={m.url} rel="noreferrer noopener" target="_blank" title={`${new Date(m.at).toISOString().slice(11, 16)} UTC: ${m.title}`} />
          ))}
        </div>
        {strip?.noSource && <span className="muted evidence-note">no public status page known</span>}
        {official.state.status === 'error' && <span className="muted evidence-note">could not load</span>}
      </div>
      <div className="evidence-row" data-testid="probe-strip">
        <span className="evidence-name">Probes from here</span>
        <div className="evidence-track" role="img" aria-label={cells ? `${cells.failedMinutes} of ${cells.probedMinutes} probed minutes with failures` : 'loading'}>
          {cells?.cells.map((c, i) => (
            <span key={i} className={`evidence-seg probe-${c.state}`} style={{ left: pct(c.start), width: pct(Math.max(c.end - c.start, 0.002)) }} title={c.label} data-state={c.state} />
          ))}
        </div>
        {cells && cells.probedMinutes === 0 && <span className="muted evidence-note">not probed in this range</span>}
        {cells && cells.probedMinutes > 0 && (
          <span className="muted evidence-note">
            {cells.domains.join(', ')} · {cells.failedMinutes} minute{cells.failedMinutes === 1 ? '' : 's'} with failures
            {cells.typicalHttpsMs !== null && ` · HTTPS ~${Math.round(cells.typicalHttpsMs)} ms`}
          </span>
        )}
      </div>
      <div className="evidence-axis muted">
        <Time ms={from} /> <span>single vantage point: probes corroborate reports, they never raise an alert alone</span> <Time ms={to} />
      </div>
    </div>
  );
}
