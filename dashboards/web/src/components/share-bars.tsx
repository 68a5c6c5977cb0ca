import type { ShareBar } from '../charts/shares';
import { formatCount } from '../charts/scale';

/** Horizontal % bars, as a list so that screen readers read "Website, 72%". */
export function ShareBars({ bars, label, testId }: { bars: readonly ShareBar[]; label: string; testId?: string }) {
  return (
    <ol className="share-bars" aria-label={label} data-testid={testId}>
      {bars.map((b) => (
        <li key={b.key} className="share-bar">
          <div className="share-bar-text">
            <span className="share-bar-label">{b.label}</span>
            <span className="share-bar-value">
              <strong>{b.pctText}</strong>
              <span className="muted"> · {formatCount(b.count)}</span>
            </span>
          </div>
          <div className="share-bar-track" aria-hidden="true">
            <div className="share-bar-fill" style={{ width: `${b.width}%` }} />
          </div>
        </li>
      ))}
    </ol>
  );
}
