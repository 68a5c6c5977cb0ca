/** When the live stream is open (see live.tsx): a pure rule, unit tested. */

/** How long a visible page that wants live data waits before it opens the stream, without an interaction. */
export const LIVE_START_DELAY_MS = 30_000;

export interface LiveInputs {
  /** the browser has EventSource */
  supported: boolean;
  /** a page on screen shows live data */
  wanted: boolean;
  /** document.visibilityState is not 'hidden' */
  visible: boolean;
  /** the user interacted, or the page has been visible and wanting for LIVE_START_DELAY_MS */
  started: boolean;
}

export type LiveDecision = { connect: true; status: 'connecting' } | { connect: false; status: 'off' | 'waiting' | 'unsupported' };

export function livePolicy(i: LiveInputs): LiveDecision {
  if (!i.supported) return { connect: false, status: 'unsupported' };
  if (!i.wanted || !i.visible) return { connect: false, status: 'off' };
  if (!i.started) return { connect: false, status: 'waiting' };
  return { connect: true, status: 'connecting' };
}
