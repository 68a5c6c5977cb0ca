import { formatDateTime, formatTime } from '../charts/time';
import { useSettings } from '../app/settings';

/** An instant in the chosen zone, machine-readable in dateTime. */
export function Time({ ms, format = 'datetime' }: { ms: number; format?: 'datetime' | 'time' }) {
  const { timeZone } = useSettings();
  const text = format === 'time' ? formatTime(ms, timeZone) : formatDateTime(ms, timeZone);
  return (
    <time dateTime={new Date(ms).toISOString()} title={new Date(ms).toISOString().replace('.000Z', 'Z')}>
      {text}
    </time>
  );
}
