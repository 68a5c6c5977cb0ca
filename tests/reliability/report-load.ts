/**
 * A steady (open-loop) load of single reports through POST /v1/reports, as many users pressing
 * the button would make it: every report has its own id and reporter, and its "client" keeps
 * trying until it gets a 202 or gives up. What each client got is recorded, so that a drill can
 * check that every 202 is stored exactly once.
 *
 * Open loop: reports start on schedule whatever the server does (a slow server does not slow the
 * arrivals down, as in real life). Retries reuse the same id, as a real client retrying would.
 */
export interface LoadPhase {
  /** Reports started per second. */
  ratePerS: number;
  durationMs: number;
}

export interface ReportLoadOptions {
  ingestUrl: string;
  /** Every id starts with it (the drill's own reports are found by it). */
  idPrefix: string;
  services: string[];
  phases: LoadPhase[];
  /** Which statuses a client retries (same id). Others end the client. */
  retryOn: { 503: boolean; 429: boolean; network: boolean };
  /** A client gives up this long after its first attempt. */
  giveUpAfterMs: number;
  /** Longest wait between tries (Retry-After is honoured up to this). */
  maxRetryWaitMs: number;
  /**
   * Client addresses (X-Forwarded-For; ingest must trust the proxy): 'unique' = one per report,
   * like distinct users; a number = a pool of that many addresses shared round-robin.
   */
  clientAddresses: 'unique' | number;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
}

export interface ClientRecord {
  id: string;
  firstAttemptAt: number;
  acceptedAt?: number;
  /** When the client stopped trying (accepted or not). */
  endedAt?: number;
  attempts: number;
  /** Status of the last answer (or 0 for a network error). */
  last: number;
}

export interface LoadResult {
  records: ClientRecord[];
  accepted: Set<string>;
  /** Answers by status (0 = network error or timeout). */
  statuses: Record<string, number>;
  /** Network errors and timeouts by cause. */
  errors: Record<string, number>;
  /** Clients that ended without a 202 (gave up, or a status they do not retry). */
  notAccepted: ClientRecord[];
  startedAt: number;
  endedAt: number;
}

export interface RunningLoad {
  /** Clients started so far. */
  readonly started: number;
  /** 202s so far. */
  readonly acceptedCount: number;
  /** Clients still trying. */
  readonly pending: number;
  /** Records so far (live view). */
  readonly records: readonly ClientRecord[];
  /** Resolves when every phase has run and every client has finished. */
  done: Promise<LoadResult>;
  /** Stop starting new clients now (running ones finish). */
  stop(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startReportLoad(o: ReportLoadOptions): RunningLoad {
  const records: ClientRecord[] = [];
  const accepted = new Set<string>();
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let pending = 0;
  let stopped = false;
  let seq = 0;
  const startedAt = Date.now();
  const clients: Promise<void>[] = [];
  const timeoutMs = o.requestTimeoutMs ?? 15_000;

  const addressOf = (n: number): string => {
    const k = o.clientAddresses === 'unique' ? n : n % o.clientAddresses;
    return `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
  };

  async function client(n: number): Promise<void> {
    const id = `${o.idPrefix}-${n}`;
    const rec: ClientRecord = { id, firstAttemptAt: Date.now(), attempts: 0, last: -1 };
    records.push(rec);
    const body = JSON.stringify({ id, serviceId: o.services[n % o.services.length], problem: 'server_connection', reporterId: `${o.idPrefix}-reporter-${n}` });
    const headers = { 'content-type': 'application/json', 'x-forwarded-for': addressOf(n) };
    pending++;
    try {
      for (;;) {
        rec.attempts++;
        let status = 0;
        let retryAfterS = 0;
        try {
          const res = await fetch(`${o.ingestUrl}/v1/reports`, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
          status = res.status;
          retryAfterS = Number(res.headers.get('retry-after') ?? 0) || 0;
          await res.arrayBuffer();
        } catch (err) {
          status = 0;
          const e = err as Error & { cause?: { code?: string; message?: string } };
          const why = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.message);
          errors[why] = (errors[why] ?? 0) + 1;
        }
        rec.last = status;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status === 202) {
          rec.acceptedAt = Date.now();
          accepted.add(id);
          return;
        }
        const retriable = (status === 503 && o.retryOn[503]) || (status === 429 && o.retryOn[429]) || (status === 0 && o.retryOn.network);
        if (!retriable || Date.now() - rec.firstAttemptAt > o.giveUpAfterMs) return;
        // Retry-After when given, else a short exponential backoff; jitter spreads the herd.
        const backoff = retryAfterS > 0 ? retryAfterS * 1000 : Math.min(o.maxRetryWaitMs, 250 * 2 ** Math.min(rec.attempts, 5));
        await sleep(Math.min(o.maxRetryWaitMs, backoff) * (0.5 + Math.random() * 0.5));
      }
    } finally {
      rec.endedAt = Date.now();
      pending--;
    }
  }

  const done = (async (): Promise<LoadResult> => {
    let phaseStart = Date.now();
    for (const phase of o.phases) {
      let startedInPhase = 0;
      // A phase starts all of its reports: a generator that falls behind (a starved process on
      // a busy machine wakes up late) catches up, it does not drop the arrivals it was late for.
      // It used to stop at each phase's end in wall time: on a busy machine the burst drill's
      // 8,150 reports went out as 4,308, too few per address for the rate limit it checks.
      const planned = Math.round((phase.durationMs / 1000) * phase.ratePerS);
      while (!stopped && startedInPhase < planned) {
        const elapsed = Date.now() - phaseStart;
        const due = Math.min(planned, Math.floor((elapsed / 1000) * phase.ratePerS));
        for (; startedInPhase < due; startedInPhase++) clients.push(client(seq++));
        if (startedInPhase < planned) await sleep(5);
      }
      phaseStart += phase.durationMs;
    }
    await Promise.all(clients);
    return {
      records,
      accepted,
      statuses,
      errors,
      notAccepted: records.filter((r) => r.acceptedAt === undefined),
      startedAt,
      endedAt: Date.now(),
    };
  })();

  return {
    get started() {
      return seq;
    },
    get acceptedCount() {
      return accepted.size;
    },
    get pending() {
      return pending;
    },
    records,
    done,
    stop() {
      stopped = true;
    },
  };
}
