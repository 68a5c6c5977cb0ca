/**
 * One EventSource on /v1/stream for the whole app. Pages subscribe to the events they use. The
 * browser retries a dropped stream by itself; when it gives up (the server answered with an error
 * or went away for good) we reconnect with a growing delay, and tell subscribers that they may
 * have missed events so they can refetch.
 *
 * The stream is open only while it is worth its cost (livePolicy in live-policy.ts decides):
 *  - a page asks for it (useLiveWanted) only when it shows live data: the board now, a range
 *    that reaches the present, an open incident. A page about the past (the board at ?at=, an
 *    absolute range, a resolved incident) opens no stream, so it reaches idle like a document;
 *  - only while the page is visible (a background tab or a prerender does not stream; it
 *    resyncs when it is shown again);
 *  - from the first interaction, or once the page has been visible for LIVE_START_DELAY_MS. A
 *    freshly loaded page has just fetched its data, so nothing is lost (the stream's opening
 *    triggers a resync), and a headless browser that renders a page with a virtual-time budget
 *    (screenshot tools, crawlers) sees a page that goes idle instead of one held busy by an
 *    endless response.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ScoreCatchup } from '../../../../schemas/api/index';
import type { IncidentEvent, ScoreEvent, TrendEvent } from '../../../../schemas/events/index';
import { api } from '../api/client';
import { LIVE_START_DELAY_MS, livePolicy, type LiveInputs } from './live-policy';

export type LiveMessage =
  | { type: 'score'; data: ScoreEvent }
  | { type: 'catchup'; data: ScoreCatchup }
  | { type: 'incident'; data: IncidentEvent }
  | { type: 'trend'; data: TrendEvent }
  | { type: 'ping'; data: { at: number } }
  /** the stream is (back) on after a break or a pause: anything may have been missed */
  | { type: 'resync'; data: null };

/** 'off': no page on screen shows live data, or the page is hidden; 'waiting': about to start. */
export type LiveStatus = 'off' | 'waiting' | 'connecting' | 'live' | 'reconnecting' | 'unsupported';

interface LiveContextValue {
  status: LiveStatus;
  lastMessageAt: number | null;
  subscribe: (fn: (m: LiveMessage) => void) => () => void;
  /** registers a component's need for the stream; returns its release */
  want: () => () => void;
}

const LiveContext = createContext<LiveContextValue | null>(null);

const MAX_BACKOFF_MS = 30_000;
const EVENT_TYPES = ['score', 'catchup', 'incident', 'trend', 'ping'] as const;

function isVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<LiveStatus>('off');
  const [lastMessageAt, setLastMessageAt] = useState<number | null>(null);
  const listeners = useRef(new Set<(m: LiveMessage) => void>());
  const [wanted, setWanted] = useState(0);
  const [visible, setVisible] = useState(isVisible);
  const [started, setStarted] = useState(false);

  const emit = useCallback((m: LiveMessage) => {
    for (const fn of listeners.current) fn(m);
  }, []);

  // Visibility, and the first interaction that starts the stream at once.
  useEffect(() => {
    const onVisibility = () => setVisible(isVisible());
    const onInteraction = () => setStarted(true);
    const interactions = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll'] as const;
    document.addEventListener('visibilitychange', onVisibility);
    for (const e of interactions) window.addEventListener(e, onInteraction, { passive: true, once: true });
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      for (const e of interactions) window.removeEventListener(e, onInteraction);
    };
  }, []);

  // The start delay runs while the page is visible and something wants the stream.
  useEffect(() => {
    if (started || !visible || wanted === 0) return;
    const t = window.setTimeout(() => setStarted(true), LIVE_START_DELAY_MS);
    return () => window.clearTimeout(t);
  }, [started, visible, wanted]);

  const inputs: LiveInputs = { supported: typeof EventSource !== 'undefined', wanted: wanted > 0, visible, started };
  const policy = livePolicy(inputs);

  useEffect(() => {
    if (!policy.connect) {
      setStatus(policy.status);
      return;
    }
    let source: EventSource | null = null;
    let timer: number | undefined;
    let attempt = 0;
    // Whatever happened while the stream was closed is unknown: the first open resyncs.
    let hadBreak = true;
    let stopped = false;

    const connect = () => {
      if (stopped) return;
      setStatus(hadBreak && attempt > 0 ? 'reconnecting' : 'connecting');
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
      for (const type of EVENT_TYPES) {
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
  }, [policy.connect, policy.status, emit]);

  const subscribe = useCallback((fn: (m: LiveMessage) => void) => {
    listeners.current.add(fn);
    return () => {
      listeners.current.delete(fn);
    };
  }, []);
  const want = useCallback(() => {
    setWanted((n) => n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      setWanted((n) => n - 1);
    };
  }, []);
  const value = useMemo<LiveContextValue>(() => ({ status, lastMessageAt, subscribe, want }), [status, lastMessageAt, subscribe, want]);
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

/** A page that shows live data asks for the stream while `wanted` (see the module comment). */
export function useLiveWanted(wanted: boolean): void {
  const { want } = useLive();
  useEffect(() => (wanted ? want() : undefined), [wanted, want]);
}
