/** Incidents announced over the live stream, shown on every page until dismissed. */
import { useMemo, useState } from 'react';
import type { ServicesResponse } from '../../../../schemas/api/index';
import type { IncidentEvent } from '../../../../schemas/events/index';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { useLiveMessages } from '../app/live';
import { incidentHeadline } from '../charts/incident-story';
import { Link, paths } from '../app/router';
import { LevelIcon, LEVEL_TEXT } from './level';
import { Time } from './time';

const MAX_BANNERS = 3;

export function IncidentBanners() {
  const [events, setEvents] = useState<IncidentEvent[]>([]);
  const [dismissed, setDismissed] = useState<Set<string>>(() => new Set());
  useLiveMessages((m) => {
    if (m.type !== 'incident') return;
    const e = m.data;
    setEvents((prev) => {
      const current = prev.find((p) => p.incidentId === e.incidentId);
      if (current && current.seq > e.seq) return prev;
      return [e, ...prev.filter((p) => p.incidentId !== e.incidentId)].slice(0, MAX_BANNERS);
    });
  });
  const visible = events.filter((e) => !dismissed.has(`${e.incidentId}:${e.type === 'resolved' ? 'r' : 'o'}`));
  // Service names for the headlines, fetched once the first banner is there.
  const services = useApi<ServicesResponse>(events.length > 0 ? api.services() : null);
  const names = useMemo(() => new Map((services.state.data?.services ?? []).map((s) => [s.id, s.name])), [services.state.data]);
  if (visible.length === 0) return null;
  return (
    <div className="banners" aria-live="polite">
      {visible.map((e) => {
        const resolved = e.type === 'resolved';
        const level = resolved ? 'ok' : e.level;
        const key = `${e.incidentId}:${resolved ? 'r' : 'o'}`;
        return (
          <div key={key} className={`banner level-border-${level}`} data-testid="incident-banner" data-incident-id={e.incidentId} data-type={e.type}>
            <LevelIcon level={level} size={14} />
            <div className="banner-text">
              <strong>{resolved ? 'Incident resolved' : e.type === 'opened' ? 'New incident' : `Incident: ${LEVEL_TEXT[e.level].toLowerCase()}`}</strong>{' '}
              <span>{incidentHeadline({ ...e, family: e.family ?? null, provider: e.provider ?? null }, (id) => names.get(id) ?? id)}</span>{' '}
              <span className="muted">
                · started <Time ms={e.startedAt} format="time" />
              </span>
            </div>
            <Link className="button button-small" href={paths.incident(e.incidentId)}>
              View incident
            </Link>
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => setDismissed((d) => new Set(d).add(key))}>
              ×
            </button>
          </div>
        );
      })}
    </div>
  );
}
