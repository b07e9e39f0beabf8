import { describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.js';
import { callerOf } from '../../functions/api/identity.js';
import { bearerIdentity } from '../../runtime/local-api.js';
import { openJob } from '../../shared/study/engine/ledger.js';
import { issueJobToken, jobTokenHash, verifyJobToken } from '../../shared/study/job-token.js';
import { ForbiddenError, UnauthenticatedError } from '../../shared/errors.js';
import { memoryContexts } from '../support/contexts.js';
import { makeStudy, makeTrial } from '../support/factories.js';

/**
 * A job is trusted with its own trial and nothing else: its token (minted per slice, stored
 * hashed) names the team, study and trial, and the measurement route refuses any other.
 */
async function world() {
  const { store, service, steps } = memoryContexts();
  // Team B has a study of the same id, with a trial of the same id: only the token's team counts.
  for (const team of ['team-a', 'team-b']) await store.createStudy(makeStudy({ team, state: 'RUNNING' }));
  await store.createStudy(makeStudy({ team: 'team-a', studyId: 'study-2', state: 'RUNNING' }));
  for (const [team, studyId, trialId] of [
    ['team-a', 'study-1', '0'],
    ['team-a', 'study-1', '1'],
    ['team-a', 'study-2', '0'],
    ['team-b', 'study-1', '0'],
  ])
    await store.createTrial(makeTrial({ team, studyId, trialId, number: Number(trialId), state: 'RUNNING' }));
  const a0 = await issueJobToken(steps, (await store.getTrial('team-a', 'study-1', '0'))!);
  const personToken = 'f'.repeat(48);
  const api = createApi({
    service,
    starter: { start: async () => {} },
    // The embedded runtime's identity: its local bearer tokens, and the jobs' trial tokens.
    identify: bearerIdentity({ tokens: { [personToken]: { team: 'team-a' } } }),
    publicUrl: () => undefined,
  });
  const post = (token: string, studyId: string, trialId: string, step = 1) =>
    api.request(`/studies/${studyId}/trials/${trialId}/measurements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-rung-team': 'team-b' },
      body: JSON.stringify({ step, metrics: { loss: 0.5 } }),
    });
  const measured = async () =>
    Object.fromEntries(
      await Promise.all(
        [
          ['team-a', 'study-1', '0'],
          ['team-a', 'study-1', '1'],
          ['team-a', 'study-2', '0'],
          ['team-b', 'study-1', '0'],
        ].map(async ([team, s, t]) => [`${team}/${s}/${t}`, (await store.listMeasurements(team, s, t)).length]),
      ),
    );
  return { store, steps, api, a0, personToken, post, measured };
}

describe('job credentials', () => {
  it('store only the token’s hash on the trial, and never show it', async () => {
    // Prepare
    const { store, api, a0, personToken } = await world();
    // Act
    const stored = await store.getTrial('team-a', 'study-1', '0');
    const shown = await (await api.request('/studies/study-1/trials/0', { headers: { authorization: `Bearer ${personToken}` } })).json();
    // Assess
    expect(a0.token).toMatch(/^rjt1\.team-a\.study-1\.0\.[A-Za-z0-9_-]{43}$/);
    expect(stored!.jobTokenHash).toBe(jobTokenHash(a0.token));
    expect(JSON.stringify(stored)).not.toContain(a0.token.split('.').at(-1));
    expect(shown).not.toHaveProperty('jobTokenHash');
  });

  it('answer every delivery of one slice with the same token, from a job key the API never shows', async () => {
    // Prepare
    const { store, api, a0, steps, personToken } = await world();
    // Act: StartTrial or NextJob delivered again for the same slice; racing first jobs of another study.
    const again = await issueJobToken(steps, (await store.getTrial('team-a', 'study-1', '0'))!);
    const [b, c] = await Promise.all(['0', '0'].map(async (id) => issueJobToken(steps, (await store.getTrial('team-a', 'study-2', id))!)));
    const study = await store.getStudy('team-a', 'study-1');
    const shown = await (await api.request('/studies/study-1', { headers: { authorization: `Bearer ${personToken}` } })).json();
    // Assess
    expect(again.token).toBe(a0.token);
    expect(b.token).toBe(c.token);
    expect(b.token.split('.').at(-1)).not.toBe(a0.token.split('.').at(-1));
    expect(study!.jobKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(shown)).not.toContain(study!.jobKey);
    expect(shown).not.toHaveProperty('jobKey');
  });

  it('let a job report to its own trial only: another trial of its study, another study, another team’s are 403 with nothing stored', async () => {
    // Prepare
    const { post, a0, measured } = await world();
    // Act
    const own = await post(a0.token, 'study-1', '0');
    const sibling = await post(a0.token, 'study-1', '1');
    const otherStudy = await post(a0.token, 'study-2', '0');
    // Assess: the x-rung-team header (team-b) is ignored; the token's team is the one reported into.
    expect(own.status).toBe(201);
    expect(sibling.status).toBe(403);
    expect(otherStudy.status).toBe(403);
    expect(await measured()).toEqual({
      'team-a/study-1/0': 1,
      'team-a/study-1/1': 0,
      'team-a/study-2/0': 0,
      'team-b/study-1/0': 0,
    });
  });

  it('refuse a forged token, a token of an earlier slice, and a job token on any route but measurements', async () => {
    // Prepare
    const { post, a0, steps, store, api, measured } = await world();
    const forged = `${a0.token.slice(0, a0.token.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    const forgedForB = a0.token.replace('team-a', 'team-b');
    // Act: the next slice (a second job opened on the trial) gets a new token, which retires the first.
    const trial = (await store.getTrial('team-a', 'study-1', '0'))!;
    const sliced = await store.updateTrial({
      ...trial,
      jobs: [...(trial.jobs ?? []), openJob(steps, 0, undefined), openJob(steps, 1, undefined)],
    });
    const next = await issueJobToken(steps, sliced);
    const results = {
      forged: (await post(forged, 'study-1', '0')).status,
      forgedForB: (await post(forgedForB, 'study-1', '0')).status,
      earlier: (await post(a0.token, 'study-1', '0')).status,
      current: (await post(next.token, 'study-1', '0', 2)).status,
      list: (await api.request('/studies', { headers: { authorization: `Bearer ${next.token}` } })).status,
    };
    // Assess
    expect(results).toEqual({ forged: 401, forgedForB: 401, earlier: 401, current: 201, list: 404 });
    expect(await measured()).toMatchObject({ 'team-a/study-1/0': 1, 'team-b/study-1/0': 0 });
  });

  it('check the path before reading anything, and take the job role’s team from its token on AWS', async () => {
    // Prepare
    const { store, a0 } = await world();
    const reads: string[] = [];
    const spy = {
      ...store,
      getTrial: async (...args: Parameters<typeof store.getTrial>) => (reads.push(args.join('/')), store.getTrial(...args)),
    };
    const jobRoleArn = 'arn:aws:iam::123456789012:role/rung-jobs';
    const job = { userArn: 'arn:aws:sts::123456789012:assumed-role/rung-jobs/batch' };
    // Act / Assess
    await expect(verifyJobToken(spy as never, a0.token, { studyId: 'study-1', trialId: '1' })).rejects.toThrow(ForbiddenError);
    expect(reads).toEqual([]);
    await expect(verifyJobToken(spy as never, a0.token, { studyId: 'study-1', trialId: '0' })).resolves.toMatchObject({ team: 'team-a' });
    expect(callerOf('iam', { ...job, jobToken: a0.token }, jobRoleArn)).toEqual({ team: 'team-a', kind: 'job', jobToken: a0.token });
    expect(callerOf('cognito', { ...job, jobToken: a0.token }, jobRoleArn)).toMatchObject({ team: 'team-a', kind: 'job' });
    expect(() => callerOf('iam', job, jobRoleArn)).toThrow(UnauthenticatedError);
    expect(() => callerOf('iam', { ...job, jobToken: 'team-b' }, jobRoleArn)).toThrow(UnauthenticatedError);
  });
});
