import { useEffect, useRef } from 'react';
import { IncidentBanners } from '../components/incident-banner';
import { BoardPage } from '../pages/board';
import { IncidentPage } from '../pages/incident';
import { NotFoundPage } from '../pages/not-found';
import { ServicePage } from '../pages/service';
import { TrendsPage } from '../pages/trends';
import { LiveProvider, useLive, type LiveStatus } from './live';
import { Link, parseRoute, paths, useLocation, type Route } from './router';
import { SettingsProvider, useSettings, type ThemeChoice } from './settings';

export function App() {
  return (
    <SettingsProvider>
      <LiveProvider>
        <Shell />
      </LiveProvider>
    </SettingsProvider>
  );
}

function Shell() {
  const { pathname } = useLocation();
  const route = parseRoute(pathname);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    if (route.page === 'board') document.title = 'downradar';
    if (route.page === 'trends') document.title = 'Trending hashtags · downradar';
  }, [route.page]);

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link href={paths.board()} className="brand" aria-label="downradar, the board">
            <svg width="22" height="22" viewBox="0 0 22 22" aria-hidden="true">
              <circle cx="11" cy="11" r="9" fill="none" stroke="currentColor" strokeOpacity="0.35" strokeWidth="1.5" />
              <circle cx="11" cy="11" r="5" fill="none" stroke="currentColor" strokeOpacity="0.6" strokeWidth="1.5" />
              <path d="M11 11 17.4 4.6" stroke="var(--danger)" strokeWidth="2" strokeLinecap="round" />
              <circle cx="11" cy="11" r="1.8" fill="var(--danger)" />
            </svg>
            <span>downradar</span>
          </Link>
          <nav className="nav" aria-label="Main">
            <Link href={paths.board()} aria-current={route.page === 'board' ? 'page' : undefined}>
              Board
            </Link>
            <Link href={paths.trends()} aria-current={route.page === 'trends' ? 'page' : undefined}>
              Trends
            </Link>
          </nav>
          <div className="topbar-tools">
            <LiveIndicator />
            <TimeToggle />
            <ThemeToggle />
          </div>
        </div>
      </header>
      <IncidentBanners />
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
      <footer className="footer muted small">
        downradar · open outage detection from what users report · reports and posts through Kafka, stored in ClickHouse
      </footer>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'board':
      return <BoardPage />;
    case 'service':
      return <ServicePage key={route.id} id={route.id} />;
    case 'incident':
      return <IncidentPage key={route.id} id={route.id} />;
    case 'trends':
      return <TrendsPage />;
    default:
      return <NotFoundPage path={route.path} />;
  }
}

const LIVE_TEXT: Record<LiveStatus, string> = {
  off: 'Not live',
  waiting: 'Live soon',
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  unsupported: 'No live updates',
};
const LIVE_TITLE: Record<LiveStatus, string> = {
  off: 'This page shows the past (or is in the background): no live updates',
  waiting: 'Live updates start in a few seconds, or as soon as you use the page',
  connecting: 'Live updates over server-sent events: connecting',
  live: 'Live updates over server-sent events',
  reconnecting: 'Live updates over server-sent events: reconnecting',
  unsupported: 'This browser cannot receive live updates',
};

function LiveIndicator() {
  const { status } = useLive();
  const text = LIVE_TEXT[status];
  return (
    <span className={`live-indicator live-${status}`} role="status" aria-live="polite" data-testid="live-status" data-status={status} title={LIVE_TITLE[status]}>
      <span className="live-dot" aria-hidden="true" />
      <span className="live-text">{text}</span>
    </span>
  );
}

function TimeToggle() {
  const { timeMode, setTimeMode } = useSettings();
  return (
    <div className="segmented segmented-small" role="group" aria-label="Time zone">
      <button type="button" className="segment" aria-pressed={timeMode === 'utc'} onClick={() => setTimeMode('utc')} data-testid="tz-utc">
        UTC
      </button>
      <button type="button" className="segment" aria-pressed={timeMode === 'local'} onClick={() => setTimeMode('local')} data-testid="tz-local">
        Local
      </button>
    </div>
  );
}

const THEME_NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' };
const THEME_LABEL: Record<ThemeChoice, string> = { system: 'Auto', light: 'Light', dark: 'Dark' };

function ThemeToggle() {
  const { theme, setTheme } = useSettings();
  return (
    <button
      type="button"
      className="icon-button theme-toggle"
      onClick={() => setTheme(THEME_NEXT[theme])}
      aria-label={`Theme: ${THEME_LABEL[theme]}. Switch to ${THEME_LABEL[THEME_NEXT[theme]]}`}
      title={`Theme: ${THEME_LABEL[theme]}`}
      data-testid="theme-toggle"
    >
      <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
        {theme === 'dark' ? (
          <path d="M13.5 10.2A6 6 0 0 1 5.8 2.5a6 6 0 1 0 7.7 7.7Z" fill="currentColor" />
        ) : theme === 'light' ? (
          <g fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round">
            <circle cx="8" cy="8" r="3" fill="currentColor" />
            <path d="M8 1v1.5M8 13.5V15M1 8h1.5M13.5 8H15M3 3l1 1M12 12l1 1M3 13l1-1M12 4l1-1" />
          </g>
        ) : (
          <g>
            <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.5" />
            <path d="M8 2a6 6 0 0 1 0 12Z" fill="currentColor" />
          </g>
        )}
      </svg>
      <span className="theme-label">{THEME_LABEL[theme]}</span>
    </button>
  );
}
