import type { ReactNode } from 'react';
import type { ApiError } from '../api/client';

export function Loading({ label = 'Loading…', height }: { label?: string; height?: number }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite" style={height ? { minHeight: height } : undefined}>
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function ErrorState({ error, onRetry, title = 'Could not load this' }: { error: ApiError | Error; onRetry?: () => void; title?: string }) {
  return (
    <div className="state state-error" role="alert">
      <strong>{title}</strong>
      <span className="muted">{error.message}</span>
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children, height }: { children: ReactNode; height?: number }) {
  return (
    <div className="state state-empty" style={height ? { minHeight: height } : undefined}>
      {children}
    </div>
  );
}
