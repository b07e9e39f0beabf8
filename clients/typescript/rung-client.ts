/**
 * A TypeScript client for the rung REST API v1, for ask/tell workers outside Batch and for
 * scripts that steer studies. No dependencies (global fetch, Node 18+ or a browser).
 *
 * ```ts
 * const rung = new RungClient({ apiUrl: 'http://127.0.0.1:8787/v1', token });
 * const study = await rung.createStudy({ ...spec, strategy: { execution: 'external' } });
 * await optimize(rung, study.studyId, 'worker-1', async (params, trial) => {
 *   for (let epoch = 1; epoch <= trial.maxResource; epoch++) {
 *     if ((await trial.report(epoch, { loss: train(params) })).shouldStop) return { pruned: true };
 *   }
 *   return {};                      // completes with the last reported loss
 * });
 * ```
 * On AWS, pass `headers` that sign each request with SigV4 (e.g. with @smithy/signature-v4).
 */
// The API types below (Params, Trial, ParetoReport, ...) repeat shared/ on purpose: the client has no dependencies and works outside this repo.
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface Trial {
  studyId: string;
  trialId: string;
  number: number;
  params: Params;
  state: string;
  resource: number;
  value?: number;
  [field: string]: unknown;
}

export interface SuggestResult {
  trial: Trial | null;
  done: boolean;
  resource?: { name: string; max: number; levels: number[] };
}

export interface CompleteOptions {
  metrics?: Record<string, number>;
  step?: number;
  infeasible?: boolean;
  pruned?: boolean;
  reason?: string;
}

/** One trial on the objectives' axes (`GET /studies/{id}/pareto`). */
export interface ParetoPoint {
  trialId: string;
  number: number;
  params: Params;
  values: Record<string, number>;
}

export interface ParetoReport {
  objectives: { metric: string; goal: 'maximize' | 'minimize' }[];
  reference: Record<string, number>;
  /** Two or more objectives: the volume the front dominates above `reference`. */
  hypervolume?: number;
  /** Non-dominated feasible trials, best first on the first objective. */
  front: ParetoPoint[];
  dominated: ParetoPoint[];
  infeasible: ParetoPoint[];
}

export class RungApiError extends Error {
  override name = 'RungApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

export interface RungClientOptions {
  /** Base URL with the version: `http://127.0.0.1:8787/v1` or `https://{api}.execute-api.{region}.amazonaws.com/v1`. */
  apiUrl: string;
  /** Bearer token of `rung serve` (.rung/credentials.json). */
  token?: string;
  /** Extra headers per request (SigV4 signing on AWS). */
  headers?: (request: { method: string; url: string; body?: string }) => Record<string, string> | Promise<Record<string, string>>;
  /** Attempts on network errors and 5xx (default 5). */
  attempts?: number;
}

export class RungClient {
  constructor(private readonly options: RungClientOptions) {}

  async request<T>(method: string, route: string, body?: unknown): Promise<T> {
    const url = `${this.options.apiUrl.replace(/\/+$/, '')}${route}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    const attempts = this.options.attempts ?? 5;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      try {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
          ...((await this.options.headers?.({ method, url, body: text })) ?? {}),
        };
        const res = await fetch(url, { method, headers, body: text });
        if (res.status < 500) {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an error body of any server version; only `error.message` is read, if present
          const json = (await res.json()) as any;
          if (!res.ok)
            throw new RungApiError(res.status, json?.error?.code ?? 'Error', json?.error?.message ?? res.statusText, json?.error?.details);
          return json as T;
        }
        lastError = new RungApiError(res.status, 'ServerError', `HTTP ${res.status}`);
      } catch (e) {
        if (e instanceof RungApiError && e.status < 500) throw e;
        lastError = e;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
    throw lastError;
  }

  private study(studyId: string) {
    return `/studies/${encodeURIComponent(studyId)}`;
  }

  private trial(studyId: string, trialId: string) {
    return `${this.study(studyId)}/trials/${encodeURIComponent(trialId)}`;
  }

  createStudy(spec: object) {
    return this.request<{ studyId: string; [field: string]: unknown }>('POST', '/studies', spec);
  }

  getStudy(studyId: string) {
    return this.request<{
      studyId: string;
      state: string;
      best?: { trialId: string; value: number; params: Params };
      [field: string]: unknown;
    }>('GET', this.study(studyId));
  }

  /** The Pareto front over the study's objectives (the best trial for one objective) and its hypervolume. */
  pareto(studyId: string) {
    return this.request<ParetoReport>('GET', `${this.study(studyId)}/pareto`);
  }

  /** A trial for this worker: its active one until it completes it; `done` when the study needs no more. */
  suggest(studyId: string, clientId: string) {
    return this.request<SuggestResult>('POST', `${this.study(studyId)}/trials/suggest`, { clientId });
  }

  /** Reports one step; `shouldStop` asks the worker to end the trial (complete it with `pruned: true`). */
  report(studyId: string, trialId: string, step: number, metrics: Record<string, number>) {
    return this.request<{ stored: boolean; shouldStop: boolean }>('POST', `${this.trial(studyId, trialId)}/measurements`, {
      step,
      metrics,
    });
  }

  /** Ends the trial (idempotent): COMPLETE, PRUNED (`pruned`) or INFEASIBLE (`infeasible`). */
  complete(studyId: string, trialId: string, options: CompleteOptions = {}) {
    return this.request<{ trial: Trial; changed: boolean }>('POST', `${this.trial(studyId, trialId)}/complete`, options);
  }

  enqueue(studyId: string, configs: Params[]) {
    return this.request<{ enqueued: { id: string; params: Params }[]; waiting: number }>('POST', `${this.study(studyId)}/trials/enqueue`, {
      configs,
    });
  }

  setLimits(studyId: string, limits: { parallelism?: number; maxTrials?: number }) {
    return this.request<{ studyId: string; [field: string]: unknown }>('PATCH', this.study(studyId), { limits });
  }

  stopTrial(studyId: string, trialId: string) {
    return this.request<Trial>('POST', `${this.trial(studyId, trialId)}/stop`);
  }

  stopStudy(studyId: string) {
    return this.request<{ state: string }>('POST', `${this.study(studyId)}/stop`);
  }
}

export interface TrialHandle {
  trial: Trial;
  /** How far to train, in the study's resource. */
  maxResource: number;
  /**
   * Reports one step. A step this trial reported before with other values (a restarted worker
   * training it again) keeps the first: the API answers 409 MeasurementConflict, and this resolves
   * `{ stored: false, shouldStop: false, conflict }` (the API's message) so that the worker goes on.
   */
  report(step: number, metrics: Record<string, number>): Promise<{ stored: boolean; shouldStop: boolean; conflict?: string }>;
}

/** A step's report through a trial handle: a MeasurementConflict (the first report stands) is an answer, not an error. */
async function reportKeepingFirst(client: RungClient, studyId: string, trialId: string, step: number, metrics: Record<string, number>) {
  try {
    return await client.report(studyId, trialId, step, metrics);
  } catch (e) {
    if (!(e instanceof RungApiError) || e.status !== 409 || e.code !== 'MeasurementConflict') throw e;
    return { stored: false, shouldStop: false, conflict: e.message };
  }
}

/**
 * The ask/tell loop of one worker: asks for a trial, runs `objective` on it, tells the result,
 * until the study needs no more. `objective` returns the completion (final metrics, `pruned`,
 * `infeasible`); a thrown error completes the trial INFEASIBLE with the message and goes on.
 * Returns the trials this worker completed.
 */
export async function optimize(
  client: RungClient,
  studyId: string,
  clientId: string,
  objective: (params: Params, handle: TrialHandle) => Promise<CompleteOptions>,
): Promise<Trial[]> {
  const done: Trial[] = [];
  for (;;) {
    const next = await client.suggest(studyId, clientId);
    if (next.done || !next.trial) return done;
    const trial = next.trial;
    const handle: TrialHandle = {
      trial,
      maxResource: next.resource?.max ?? 1,
      report: (step, metrics) => reportKeepingFirst(client, studyId, trial.trialId, step, metrics),
    };
    let outcome: CompleteOptions;
    try {
      outcome = await objective(trial.params, handle);
    } catch (e) {
      outcome = { infeasible: true, reason: e instanceof Error ? e.message : String(e) };
    }
    done.push((await client.complete(studyId, trial.trialId, outcome)).trial);
  }
}
