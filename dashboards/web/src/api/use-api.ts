import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, fetchJson } from './client';

export type ApiState<T> =
  | { status: 'loading'; data: undefined; error: undefined }
  | { status: 'ok'; data: T; error: undefined }
  | { status: 'error'; data: T | undefined; error: ApiError };

export interface UseApi<T> {
  state: ApiState<T>;
  /** a background refresh is running (the previous data stays on screen) */
  refreshing: boolean;
  reload: () => void;
}

/**
 * Fetches `url` (null: nothing to fetch yet). A new url starts from "loading"; a reload, the
 * periodic refresh, or a new url with the same `view` key (a live range that moved with the clock)
 * keeps the data on screen while it runs, so live views do not flicker.
 */
export function useApi<T>(url: string | null, options: { refreshMs?: number; view?: string } = {}): UseApi<T> {
  const [state, setState] = useState<ApiState<T>>({ status: 'loading', data: undefined, error: undefined });
  const [refreshing, setRefreshing] = useState(false);
  const [tick, setTick] = useState(0);
  const lastUrl = useRef<string | null>(null);
  const lastView = useRef<string | undefined>(undefined);
  const reload = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    if (url === null) return;
    const controller = new AbortController();
    const sameView = options.view !== undefined && options.view === lastView.current;
    const fresh = lastUrl.current !== url && !sameView;
    lastUrl.current = url;
    lastView.current = options.view;
    if (fresh) setState({ status: 'loading', data: undefined, error: undefined });
    else setRefreshing(true);
    fetchJson<T>(url, controller.signal)
      .then((data) => {
        if (!controller.signal.aborted) setState({ status: 'ok', data, error: undefined });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        const error = err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', err instanceof Error ? err.message : String(err));
        setState((prev) => ({ status: 'error', data: fresh ? undefined : prev.data, error }));
      })
      .finally(() => {
        if (!controller.signal.aborted) setRefreshing(false);
      });
    return () => controller.abort();
    // options.view is read through the ref only
  }, [url, tick]);

  useEffect(() => {
    if (!options.refreshMs || url === null) return;
    const id = window.setInterval(reload, options.refreshMs);
    return () => window.clearInterval(id);
  }, [options.refreshMs, url, reload]);

  return { state, refreshing, reload };
}

/**
 * Several urls at once (one per service of an incident), settled together. Once loaded, the data
 * stays on screen while a new set of urls (an open incident's window growing) loads.
 */
export function useApiAll<T>(urls: readonly string[] | null): ApiState<T[]> {
  const key = urls ? urls.join('\n') : null;
  const [state, setState] = useState<ApiState<T[]>>({ status: 'loading', data: undefined, error: undefined });
  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    setState((prev) => (prev.status === 'ok' ? prev : { status: 'loading', data: undefined, error: undefined }));
    Promise.all(key.split('\n').filter(Boolean).map((u) => fetchJson<T>(u, controller.signal)))
      .then((data) => {
        if (!controller.signal.aborted) setState({ status: 'ok', data, error: undefined });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        const error = err instanceof ApiError ? err : new ApiError(0, 'UNKNOWN', String(err));
        setState({ status: 'error', data: undefined, error });
      });
    return () => controller.abort();
  }, [key]);
  return state;
}
