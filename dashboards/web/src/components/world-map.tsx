/**
 * Renders a PreparedWorldMap: each country shaded by its share of the reports, its figures on
 * hover or keyboard focus (and in a native tooltip). Every number and label comes from
 * prepareWorldMap.
 */
import { useState } from 'react';
import type { MapCountry, PreparedWorldMap } from '../charts/world-map';
import { formatCount } from '../charts/scale';

export function WorldMap({ map, label }: { map: PreparedWorldMap; label: string }) {
  const [active, setActive] = useState<MapCountry | null>(null);
  const shaded = map.countries.filter((c) => c.count > 0);
  const top = shaded.length > 0 ? shaded[shaded.length - 1]! : null;
  const readout = active ?? null;
  return (
    <figure className="world-map" data-testid="world-map" data-shaded={shaded.length}>
      <svg viewBox={`0 0 ${map.width} ${map.height}`} role="group" aria-label={label} className="world-map-svg">
        {map.countries.map((c) => (
          <path
            key={c.key}
            d={c.d}
            className={`map-country map-shade-${c.shade}${active?.key === c.key ? ' map-active' : ''}`}
            data-country={c.key}
            data-count={c.count}
            data-shade={c.shade}
            tabIndex={c.count > 0 ? 0 : undefined}
            role={c.count > 0 ? 'img' : undefined}
            aria-label={c.count > 0 ? c.label : undefined}
            onMouseEnter={() => setActive(c)}
            onMouseLeave={() => setActive(null)}
            onFocus={() => setActive(c)}
            onBlur={() => setActive(null)}
          >
            <title>{c.label}</title>
          </path>
        ))}
      </svg>
      <figcaption className="world-map-caption">
        <span className="map-readout" data-testid="map-readout" aria-live="polite">
          {readout ? readout.label : top ? `Most reports: ${top.label}. Point at a country for its figures.` : 'No report carried a country.'}
        </span>
        {map.legend.length > 0 && (
          <span className="map-legend" aria-label="Share of the reports">
            <span className="muted">Share of reports</span>
            {map.legend.map((l) => (
              <span key={l.shade} className="map-legend-item">
                <span className={`map-swatch map-shade-${l.shade}`} aria-hidden="true" />
                {l.label}
              </span>
            ))}
          </span>
        )}
        {map.unmapped.length > 0 && (
          <span className="muted small">
            Not on the map: {map.unmapped.map((u) => `${u.key === 'unknown' ? 'no country given' : u.key} ${formatCount(u.count)}`).join(', ')}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
