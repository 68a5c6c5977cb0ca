import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { resolveTimeZone } from '../charts/time';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type TimeMode = 'utc' | 'local';

const THEME_KEY = 'downradar.theme';
const TIME_KEY = 'downradar.time';

export interface Settings {
  theme: ThemeChoice;
  setTheme: (t: ThemeChoice) => void;
  timeMode: TimeMode;
  setTimeMode: (m: TimeMode) => void;
  /** IANA zone every time on screen is shown in */
  timeZone: string;
}

const SettingsContext = createContext<Settings | null>(null);

function readStored<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const v = window.localStorage.getItem(key);
    return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

function store(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // private mode or storage disabled: the choice lasts for this page only
  }
}

export function SettingsProvider({ children }: { children: ReactNode }) {
  // UTC by default: outages are discussed in UTC, and the 4 Oct 2021 story is told in it.
  const [theme, setThemeState] = useState<ThemeChoice>(() => readStored(THEME_KEY, ['system', 'light', 'dark'], 'system'));
  const [timeMode, setTimeModeState] = useState<TimeMode>(() => readStored(TIME_KEY, ['utc', 'local'], 'utc'));

  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', theme);
  }, [theme]);

  const setTheme = useCallback((t: ThemeChoice) => {
    setThemeState(t);
    store(THEME_KEY, t);
  }, []);
  const setTimeMode = useCallback((m: TimeMode) => {
    setTimeModeState(m);
    store(TIME_KEY, m);
  }, []);

  const value = useMemo<Settings>(
    () => ({ theme, setTheme, timeMode, setTimeMode, timeZone: resolveTimeZone(timeMode) }),
    [theme, setTheme, timeMode, setTimeMode],
  );
  return <SettingsContext.Provider value={value}>{children}</SettingsContext.Provider>;
}

export function useSettings(): Settings {
  const s = useContext(SettingsContext);
  if (!s) throw new Error('useSettings outside SettingsProvider');
  return s;
}
