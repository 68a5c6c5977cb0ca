import { describe, expect, it } from 'vitest';
import { livePolicy } from './live-policy';

const on = { supported: true, wanted: true, visible: true, started: true };

describe('livePolicy', () => {
  it('connects only when a visible page shows live data and the stream has started', () => {
    expect(livePolicy(on)).toEqual({ connect: true, status: 'connecting' });
  });
  it('stays off for a page about the past, however long it is open', () => {
    expect(livePolicy({ ...on, wanted: false })).toEqual({ connect: false, status: 'off' });
  });
  it('stays off while the page is hidden', () => {
    expect(livePolicy({ ...on, visible: false })).toEqual({ connect: false, status: 'off' });
  });
  it('waits for an interaction or the start delay', () => {
    expect(livePolicy({ ...on, started: false })).toEqual({ connect: false, status: 'waiting' });
  });
  it('says when the browser cannot stream', () => {
    expect(livePolicy({ ...on, supported: false })).toEqual({ connect: false, status: 'unsupported' });
  });
});
