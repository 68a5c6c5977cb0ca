/**
 * Renders a PreparedCurve: reports as an area, the typical band, the threshold line, incident
 * shading, level changes, the onset and the peak. Every number and label comes from prepareCurve.
 */
import { useId, useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, ReferenceArea, ReferenceDot, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis, type TooltipContentProps } from 'recharts';
import type { CurveRow, IncidentSpan, PreparedCurve } from '../charts/curve';
import { formatCompact, formatCount } from '../charts/scale';
import { formatTime } from '../charts/time';
import { tickLabeller } from '../charts/time-axis';
import { LEVEL_TEXT, LevelIcon } from './level';

const Y_AXIS_WIDTH = 52;
const MARGIN = { top: 28, right: 16, bottom: 4, left: 0 };

export interface CurveChartProps {
  curve: PreparedCurve;
  spans: readonly IncidentSpan[];
  timeZone: string;
  serviceName: string;
  height?: number;
}

export function CurveChart({ curve, spans, timeZone, serviceName, height = 320 }: CurveChartProps) {
  const gradient = useId().replace(/:/g, '');
  const label = useMemo(() => tickLabeller(curve.axis, timeZone), [curve.axis, timeZone]);
  const summary = describe(curve, serviceName, timeZone);
  const onsetAt = curve.onset?.at;
  const peak = curve.peak;

  return (
    <figure
      className="curve-chart"
      data-testid="curve-chart"
      data-ready="true"
      data-points={curve.rows.length}
      data-from={curve.from}
      data-to={curve.to}
      data-step-ms={curve.stepMs}
      data-total={curve.totalReports}
      data-onset={onsetAt ?? ''}
      data-onset-iso={onsetAt !== undefined ? new Date(onsetAt).toISOString() : ''}
      data-peak={peak?.reports ?? ''}
      data-peak-at={peak?.t ?? ''}
      data-peak-upper={peak?.upper ?? ''}
      data-peak-times-upper={peak?.timesUpper !== null && peak?.timesUpper !== undefined ? peak.timesUpper.toFixed(2) : ''}
      role="group"
      aria-label={summary}
    >
      <p className="axis-unit" data-testid="y-unit">
        {curve.yUnit}
      </p>
      <div className="chart-frame" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%" minWidth={200}>
          <ComposedChart data={curve.rows} margin={MARGIN} accessibilityLayer>
            <defs>
              <linearGradient id={gradient} x1="0" y1="0" x2="0" y2="1">
                <stop offset="0%" stopColor="var(--reports)" stopOpacity={0.35} />
                <stop offset="100%" stopColor="var(--reports)" stopOpacity={0.04} />
              </linearGradient>
            </defs>
            <CartesianGrid vertical={false} stroke="var(--grid)" />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[curve.from, curve.to]}
              ticks={curve.axis.ticks}
              tickFormatter={label}
              allowDataOverflow
              stroke="var(--axis)"
              tick={{ fill: 'var(--muted)', fontSize: 12 }}
              tickLine={false}
              minTickGap={8}
            />
            <YAxis
              domain={[0, curve.yMax]}
              ticks={curve.yTicks}
              tickFormatter={formatCompact}
              width={Y_AXIS_WIDTH}
              stroke="var(--axis)"
              tick={{ fill: 'var(--muted)', fontSize: 12 }}
              tickLine={false}
              axisLine={false}
              allowDataOverflow
            />
            {spans.map((s) => (
              <ReferenceArea
                key={s.incidentId}
                x1={s.x1}
                x2={s.x2}
                ifOverflow="hidden"
                fill={`var(--${s.level})`}
                fillOpacity={0.09}
                stroke={`var(--${s.level})`}
                strokeOpacity={0.25}
                label={s.labelFits ? { value: s.label, position: 'insideTopLeft', fill: 'var(--muted)', fontSize: 11 } : undefined}
              />
            ))}
            <Area
              dataKey="band"
              name="Typical range"
              type="linear"
              stroke="none"
              fill="var(--band)"
              fillOpacity={1}
              connectNulls={false}
              isAnimationActive={false}
              activeDot={false}
            />
            <Line
              dataKey="upper"
              name="Threshold"
              type="linear"
              stroke="var(--threshold)"
              strokeWidth={1.25}
              strokeDasharray="5 4"
              dot={false}
              activeDot={false}
              connectNulls={false}
              isAnimationActive={false}
            />
            <Area
              dataKey="reportsComplete"
              name="Reports"
              type="linear"
              stroke="var(--reports)"
              strokeWidth={2}
              fill={`url(#${gradient})`}
              connectNulls={false}
              isAnimationActive={false}
              activeDot={{ r: 4, strokeWidth: 0, fill: 'var(--reports)' }}
            />
            <Line dataKey="reportsPartial" name="Reports so far" type="linear" stroke="var(--reports)" strokeWidth={2} strokeDasharray="2 4" dot={false} activeDot={false} connectNulls={false} isAnimationActive={false} />
            {curve.markers.map((m) => (
              <ReferenceLine key={`m${m.t}`} x={m.t} stroke={`var(--${m.level})`} strokeOpacity={0.7} strokeDasharray="2 3" ifOverflow="hidden" />
            ))}
            {curve.onset && (
              <ReferenceLine
                x={curve.onset.at}
                stroke="var(--text)"
                strokeWidth={1}
                ifOverflow="hidden"
                label={{ value: curve.onset.label, position: 'top', fill: 'var(--text)', fontSize: 12, fontWeight: 600, offset: 8 }}
              />
            )}
            {peak && (
              <ReferenceDot
                x={peak.t}
                y={peak.reports}
                r={4}
                fill="var(--reports)"
                stroke="var(--surface)"
                strokeWidth={2}
                ifOverflow="extendDomain"
                label={{ value: `Peak ${formatCount(peak.reports)}`, position: 'top', fill: 'var(--text)', fontSize: 12, offset: 8 }}
              />
            )}
            <Tooltip content={renderTooltip(timeZone, curve.stepMs)} isAnimationActive={false} cursor={{ stroke: 'var(--axis)' }} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <LevelStrip curve={curve} timeZone={timeZone} />
      <figcaption className="sr-only">{summary}</figcaption>
    </figure>
  );
}

function describe(curve: PreparedCurve, serviceName: string, timeZone: string): string {
  const parts = [`${curve.yUnit} for ${serviceName}, ${curve.rows.length} buckets`];
  if (curve.peak) {
    parts.push(`peak ${formatCount(curve.peak.reports)} at ${formatTime(curve.peak.t, timeZone)}`);
    if (curve.peak.timesUpper !== null) parts.push(`${Math.round(curve.peak.timesUpper)} times the threshold`);
  } else parts.push('no reports');
  if (curve.onset) parts.push(curve.onset.label.replace('≈', 'about'));
  return parts.join(', ');
}

function renderTooltip(timeZone: string, stepMs: number) {
  return function CurveTooltip(props: TooltipContentProps) {
    const row = props.active ? (props.payload?.[0]?.payload as CurveRow | undefined) : undefined;
    if (!row) return null;
    return (
      <div className="chart-tooltip">
        <div className="chart-tooltip-time">
          {row.label}–{formatTime(row.t + stepMs, timeZone)}
        </div>
        <div>
          <span className="swatch swatch-reports" /> <strong>{formatCount(row.reports)}</strong> reports{row.partial && <span className="muted"> so far</span>}
        </div>
        <div className="muted">
          {row.baseline !== null && row.upper !== null ? `typical ${formatCount(row.baseline)} (expected for this time), threshold ${formatCount(row.upper)}` : 'no baseline yet'}
        </div>
        {row.level && (
          <div className={`tooltip-level level-text-${row.level}`}>
            <LevelIcon level={row.level} /> {LEVEL_TEXT[row.level]}
            {row.score !== null && <span className="muted"> · score {row.score.toFixed(2)}</span>}
          </div>
        )}
      </div>
    );
  };
}

/** The level of each bucket as a thin band under the plot, aligned with it, with text for each run. */
function LevelStrip({ curve, timeZone }: { curve: PreparedCurve; timeZone: string }) {
  const span = Math.max(1, curve.to - curve.from);
  if (curve.levelRuns.length === 0) return null;
  return (
    <div className="level-strip-row" style={{ gridTemplateColumns: `${Y_AXIS_WIDTH + MARGIN.left}px 1fr`, marginRight: MARGIN.right }}>
      <span className="level-strip-label" aria-hidden="true">
        Level
      </span>
      <div className="level-strip" aria-label="Detector level over time" role="list">
        {curve.levelRuns.map((r) => {
          const left = ((r.from - curve.from) / span) * 100;
          const width = ((r.to - r.from) / span) * 100;
          return (
            <span
              key={r.from}
              role="listitem"
              className={`level-strip-run level-bg-${r.level}`}
              style={{ left: `${left}%`, width: `${width}%` }}
              title={`${LEVEL_TEXT[r.level]} ${formatTime(r.from, timeZone)}–${formatTime(r.to, timeZone)}`}
              aria-label={`${LEVEL_TEXT[r.level]} from ${formatTime(r.from, timeZone)} to ${formatTime(r.to, timeZone)}`}
            />
          );
        })}
      </div>
    </div>
  );
}
