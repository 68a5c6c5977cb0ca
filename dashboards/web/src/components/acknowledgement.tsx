/** On an incident page: when each provider acknowledged it on its status page, measured from downradar's detection. */
import { useMemo } from 'react';
import type { AcknowledgementResponse } from '../../../../schemas/api/index';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { prepareAcknowledgements } from '../charts/evidence';
import { Time } from './time';

export function Acknowledgement({ incidentId, nameOf }: { incidentId: string; nameOf: (id: string) => string }) {
  const ack = useApi<AcknowledgementResponse>(api.acknowledgement(incidentId));
  const lines = useMemo(() => (ack.state.data ? prepareAcknowledgements(ack.state.data) : []), [ack.state.data]);
  if (ack.state.status !== 'ok') return null;
  return (
    <section className="panel" aria-labelledby="inc-ack" data-testid="acknowledgement">
      <h2 id="inc-ack">Provider acknowledgement</h2>
      {lines.length === 0 ? (
        <p className="muted">No official status page of these services said anything about it (or none is watched: DOWNRADAR_SOURCES=statuspage).</p>
      ) : (
        <ul className="ack-list">
          {lines.map((l) => (
            <li key={l.serviceId} data-late={l.late}>
              <strong>{nameOf(l.serviceId)}</strong> acknowledged at <Time ms={l.acknowledgedAt} />, <span className={l.late ? 'ack-late' : 'ack-early'}>{l.text}</span>
              {' · '}
              <a href={l.url} rel="noreferrer noopener" target="_blank">
                {l.title}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
