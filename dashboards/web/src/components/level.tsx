import type { Level } from '../../../../schemas/events/index';

/** Downdetector's three statuses, in words: the colour is never the only signal. */
export const LEVEL_TEXT: Record<Level, string> = {
  ok: 'No problems',
  warning: 'Possible problems',
  danger: 'Problems detected',
};

export const LEVEL_SHORT: Record<Level, string> = { ok: 'OK', warning: 'Warning', danger: 'Danger' };

/** A distinct shape per level (circle, triangle, octagon), for readers who do not see the colour. */
export function LevelIcon({ level, size = 12 }: { level: Level; size?: number }) {
  return (
    <svg className={`level-icon level-${level}`} width={size} height={size} viewBox="0 0 12 12" aria-hidden="true" focusable="false">
      {level === 'ok' && <circle cx="6" cy="6" r="5" />}
      {level === 'warning' && <path d="M6 0.8 11.4 10.8H0.6Z" />}
      {level === 'danger' && <path d="M3.7 0.5h4.6l3.2 3.2v4.6l-3.2 3.2H3.7L0.5 8.3V3.7Z" />}
    </svg>
  );
}

export function LevelBadge({ level, short = false, className = '' }: { level: Level; short?: boolean; className?: string }) {
  return (
    <span className={`level-badge level-${level} ${className}`.trim()} data-level={level}>
      <LevelIcon level={level} />
      <span>{short ? LEVEL_SHORT[level] : LEVEL_TEXT[level]}</span>
    </span>
  );
}
