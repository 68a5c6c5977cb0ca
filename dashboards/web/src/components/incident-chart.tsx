/**
 * Renders a PreparedIncidentSeries: one line per service on one time axis, collateral services
 * dashed, the incident span shaded.
 */
import { useMemo } from 'react';
import { CartesianGrid, ComposedChart, Line, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import type { IncidentSeriesRow, PreparedIncidentSeries } from '../charts/incident-series';
import { formatCompact, formatCount } from '../charts/scale';
import { tickLabeller } from '../charts/time-axis';
import type { Level } from '../../../../schemas/events/index';

export const SERIES_COLOURS = ['var(--s0)', 'var(--s1)', 'var(--s2)', 'var(--s3)', 'var(--s4)', 'var(--s5)', 'var(--s6)', 'var(--s7)'] as const;

export interface IncidentChartSeries {
  key: string;
  name: string;
  collateral: boolean;
  colour: string;
}

export function IncidentChart({
  prepared,
  series,
  span,
  timeZone,
  height = 320,
}: {
  prepared: PreparedIncidentSeries;
  series: readonly IncidentChartSeries[];
  span: { x1: number; x2: number; level: Level } | null;
  timeZone: string;
  height?: number;
}) {
  const label = useMemo(() => tickLabeller(prepared.axis, timeZone), [prepared.axis, timeZone]);
  const unit = prepared.measure === 'ratio' ? '× typical' : ' reports';
  const peaks = prepared.series.map((s, i) => `${series[i]?.name ?? s.serviceId} peak ${formatCount(s.peak)}${unit}`).join(', ');
  return (
    <figure className="incident-chart" data-testid="incident-chart" data-series={prepared.series.length} data-points={prepared.rows.length} data-measure={prepared.measure} role="group" aria-label={`Reports per service during the incident: ${peaks}`}>
      <ul className="chart-legend" aria-label="Services">
        {series.map((s) => (
          <li key={s.key}>
            <span className={`legend-line${s.collateral ? ' dashed' : ''}`} style={{ borderColor: s.colour }} aria-hidden="true" />
            {s.name}
            {s.collateral && <span className="muted"> (collateral)</span>}
          </li>
        ))}
      </ul>
      <p className="axis-unit" data-testid="y-unit">
        {prepared.yUnit}
      </p>
      <div className="chart-frame" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%" minWidth={200}>
          <ComposedChart data={prepared.rows} margin={{ top: 12, right: 16, bottom: 4, left: 0 }} accessibilityLayer>
            <CartesianGrid vertical={false} stroke="var(--grid)" />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[prepared.from, prepared.to]}
              ticks={prepared.axis.ticks}
              tickFormatter={label}
              allowDataOverflow
              stroke="var(--axis)"
              tick={{ fill: 'var(--muted)', fontSize: 12 }}
              tickLine={false}
            />
            <YAxis
              scale={prepared.yScale}
              domain={[prepared.yMin, prepared.yMax]}
              ticks={prepared.yTicks}
              tickFormatter={prepared.measure === 'ratio' ? (v: number) => `${formatCompact(v)}×` : formatCompact}
              width={52}
              stroke="var(--axis)"
              tick={{ fill: 'var(--muted)', fontSize: 12 }}
              tickLine={false}
              axisLine={false}
              allowDataOverflow
            />
            {span && <ReferenceArea x1={span.x1} x2={span.x2} ifOverflow="hidden" fill={`var(--${span.level})`} fillOpacity={0.08} />}
            {series.map((s) => (
              <Line
                key={s.key}
                dataKey={s.key}
                name={s.name}
                type="linear"
                stroke={s.colour}
                strokeWidth={s.collateral ? 1.5 : 2}
                strokeDasharray={s.collateral ? '6 4' : undefined}
                dot={false}
                connectNulls={false}
                isAnimationActive={false}
              />
            ))}
            <Tooltip content={renderTooltip(series, prepared.measure)} isAnimationActive={false} cursor={{ stroke: 'var(--axis)' }} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function renderTooltip(series: readonly IncidentChartSeries[], measure: PreparedIncidentSeries['measure']) {
  return function IncidentTooltip(props: TooltipContentProps) {
    const row = props.active ? (props.payload?.[0]?.payload as IncidentSeriesRow | undefined) : undefined;
    if (!row) return null;
    const sorted = [...series].sort((a, b) => Number(row[b.key] ?? 0) - Number(row[a.key] ?? 0));
    return (
      <div className="chart-tooltip">
        <div className="chart-tooltip-time">{row.label}</div>
        {sorted.map((s) => {
          const v = row[s.key];
          const text = typeof v !== 'number' ? 'no baseline' : measure === 'ratio' ? `${formatCount(v)}× typical` : `${formatCount(v)} reports`;
          return (
            <div key={s.key}>
              <span className="swatch" style={{ background: s.colour }} /> {s.name}: <strong>{text}</strong>
            </div>
          );
        })}
      </div>
    );
  };
}
