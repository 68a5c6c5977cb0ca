import { useId } from 'react';
import { prepareSparkline } from '../charts/sparkline';

/** A small trend line; the prepared paths are drawn as they are. */
export function Sparkline({ values, label, width = 160, height = 36, tone = 'reports' }: { values: readonly number[]; label: string; width?: number; height?: number; tone?: 'reports' | 'ok' | 'warning' | 'danger' }) {
  const s = prepareSparkline(values, { width, height, padding: 1.5 });
  const gradient = useId();
  return (
    <svg className={`sparkline tone-${tone}`} viewBox={`0 0 ${width} ${height}`} width="100%" height={height} preserveAspectRatio="none" role="img" aria-label={label}>
      <defs>
        <linearGradient id={gradient} x1="0" y1="0" x2="0" y2="1">
          <stop offset="0%" stopColor="currentColor" stopOpacity="0.28" />
          <stop offset="100%" stopColor="currentColor" stopOpacity="0.02" />
        </linearGradient>
      </defs>
      {s.area && <path d={s.area} fill={`url(#${gradient})`} stroke="none" />}
      {s.line && <path d={s.line} fill="none" stroke="currentColor" strokeWidth="1.5" vectorEffect="non-scaling-stroke" strokeLinejoin="round" />}
    </svg>
  );
}
