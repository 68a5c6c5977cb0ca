/**
 * One EventSource on /v1/stream for the whole app. Pages subscribe to the events they use. The
 * browser retries a dropped stream by itself; when it gives up (the server answered with an error
 * or went away for good) we reconnect with a growing delay, and tell subscribers that they may
 * have missed events so they can refetch.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { IncidentEvent, ScoreEvent, TrendEvent } from '../../../../schemas/events/index';
import { api } from '../api/client';

export type LiveMessage =
  | { type: 'score'; data: ScoreEvent }
  | { type: 'incident'; data: IncidentEvent }
  | { type: 'trend'; data: TrendEvent }
  | { type: 'ping'; data: { at: number } }
  /** the stream is back after a break: anything may have been missed */
  | { type: 'resync'; data: null };

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'unsupported';

interface LiveContextValue {
  status: LiveStatus;
  lastMessageAt: number | null;
  subscribe: (fn: (m: LiveMessage) => void) => () => void;
}

const LiveContext = createContext<LiveContextValue | null>(null);

const MAX_BACKOFF_MS = 30_000;

export function LiveProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [lastMessageAt, setLastMessageAt] = useState<number | null>(null);
  const listeners = useRef(new Set<(m: LiveMessage) => void>());

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      setStatus('unsupported');
      return;
    }
    let source: EventSource | null = null;
    let timer: number | undefined;
    let attempt = 0;
    let hadBreak = false;
    let stopped = false;
    const emit = (m: LiveMessage) => {
      for (const fn of listeners.current) fn(m);
    };

    const connect = () => {
      if (stopped) return;
      source = new EventSource(api.stream());
      source.onopen = () => {
        attempt = 0;
        setStatus('live');
        if (hadBreak) emit({ type: 'resync', data: null });
        hadBreak = false;
      };
      source.onerror = () => {
        hadBreak = true;
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** attempt);
          attempt++;
          setStatus('reconnecting');
          timer = window.setTimeout(connect, delay);
        } else {
          setStatus('reconnecting');
        }
      };
      for (const type of ['score', 'incident', 'trend', 'ping'] as const) {
        source.addEventListener(type, (ev) => {
          let data: unknown;
          try {
            data = JSON.parse((ev as MessageEvent<string>).data);
          } catch {
            return; // a malformed event is skipped, the stream goes on
          }
          setLastMessageAt(Date.now());
          emit({ type, data } as LiveMessage);
        });
      }
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      source?.close();
    };
  }, []);

  const subscribe = useCallback((fn: (m: LiveMessage) => void) => {
    listeners.current.add(fn);
    return () => {
      listeners.current.delete(fn);
    };
  }, []);
  const value = useMemo<LiveContextValue>(() => ({ status, lastMessageAt, subscribe }), [status, lastMessageAt, subscribe]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveContextValue {
  const v = useContext(LiveContext);
  if (!v) throw new Error('useLive outside LiveProvider');
  return v;
}

/** Calls `onMessage` for every live message while the component is mounted. */
export function useLiveMessages(onMessage: (m: LiveMessage) => void): void {
  const { subscribe } = useLive();
  const latest = useRef(onMessage);
  latest.current = onMessage;
  useEffect(() => subscribe((m) => latest.current(m)), [subscribe]);
}
