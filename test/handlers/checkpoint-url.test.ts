import { describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/app.js';
import { checkpointUrlSeconds } from '../../functions/api/checkpoint-route.js';
import type { CheckpointUrls } from '../../functions/api/deps.js';
import { bearerIdentity } from '../../runtime/local-api.js';
import { issueJobToken } from '../../shared/study/job-token.js';
import { memoryContexts } from '../support/contexts.js';
import { makeStudy, makeTrial } from '../support/factories.js';

/**
 * A job's storage is its own trial's checkpoint folder: the API hands out short-lived URLs for it
 * on the job's token, for that trial only, and the job role itself reaches no checkpoint.
 */
async function world(options: { signer?: false } = {}) {
  const { store, service, steps } = memoryContexts();
  for (const team of ['team-a', 'team-b']) await store.createStudy(makeStudy({ team, studyId: 'study-1', state: 'RUNNING' }));
  for (const [team, trialId] of [
    ['team-a', '0'],
    ['team-a', '1'],
    ['team-b', '0'],
  ])
    await store.createTrial(makeTrial({ team, studyId: 'study-1', trialId, number: Number(trialId), state: 'RUNNING' }));
  const a0 = await issueJobToken(steps, (await store.getTrial('team-a', 'study-1', '0'))!);
  const signed: { uri: string; method: string; seconds: number }[] = [];
  const fake: CheckpointUrls = {
    base: 's3://artifacts',
    async url(uri, method, seconds) {
      signed.push({ uri, method, seconds });
      return `https://signed.example/${encodeURIComponent(uri)}?method=${method}`;
    },
  };
  const api = createApi({
    service,
    starter: { start: async () => {} },
    identify: bearerIdentity({ tokens: { person: { team: 'team-a' } } }),
    publicUrl: () => undefined,
    ...(options.signer === false ? {} : { checkpoints: fake }),
  });
  const ask = async (token: string, trialId: string, body: unknown) => {
    const res = await api.request(`/studies/study-1/trials/${trialId}/checkpoint-url`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return { a0, ask, signed, store, steps };
}

describe('checkpoint URLs', () => {
  it("sign the trial's own checkpoint object for its job, for 15 minutes", async () => {
    // Prepare
    const { a0, ask, signed } = await world();
    // Act
    const put = await ask(a0.token, '0', { name: 'checkpoint.pt', method: 'PUT' });
    const get = await ask(a0.token, '0', { name: 'meta.json', method: 'GET' });
    // Assess
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ uri: 's3://artifacts/teams/team-a/studies/study-1/trials/0/checkpoint/checkpoint.pt', method: 'PUT' });
    expect(get.status).toBe(200);
    expect(signed).toEqual([
      {
        uri: 's3://artifacts/teams/team-a/studies/study-1/trials/0/checkpoint/checkpoint.pt',
        method: 'PUT',
        seconds: checkpointUrlSeconds,
      },
      { uri: 's3://artifacts/teams/team-a/studies/study-1/trials/0/checkpoint/meta.json', method: 'GET', seconds: checkpointUrlSeconds },
    ]);
  });

  it('refuse another trial (403), a bad name or method (400), and sign nothing for them', async () => {
    // Prepare
    const { a0, ask, signed } = await world();
    // Act
    const results = {
      otherTrial: (await ask(a0.token, '1', { name: 'checkpoint.pt', method: 'GET' })).status,
      dotdot: (await ask(a0.token, '0', { name: '..', method: 'GET' })).status,
      slash: (await ask(a0.token, '0', { name: '../1/checkpoint.pt', method: 'GET' })).status,
      hidden: (await ask(a0.token, '0', { name: '.env', method: 'GET' })).status,
      method: (await ask(a0.token, '0', { name: 'checkpoint.pt', method: 'DELETE' })).status,
      extra: (await ask(a0.token, '0', { name: 'checkpoint.pt', method: 'GET', key: 'teams/team-b' })).status,
      forged: (await ask(`${a0.token.slice(0, -4)}AAAA`, '0', { name: 'checkpoint.pt', method: 'GET' })).status,
    };
    // Assess
    expect(results).toEqual({ otherTrial: 403, dotdot: 400, slash: 400, hidden: 400, method: 400, extra: 400, forged: 401 });
    expect(signed).toEqual([]);
  });

  it('a person of the team may ask; an unknown trial is 404, and so is every request without a signer (the embedded runtime)', async () => {
    // Prepare
    const { ask } = await world();
    const local = await world({ signer: false });
    // Act
    const person = await ask('person', '0', { name: 'checkpoint.pt', method: 'GET' });
    // Assess
    expect(person.status).toBe(200);
    expect(person.body.uri).toBe('s3://artifacts/teams/team-a/studies/study-1/trials/0/checkpoint/checkpoint.pt');
    const unsigned = await local.ask('person', '0', { name: 'checkpoint.pt', method: 'GET' });
    expect(unsigned.status).toBe(404);
    expect(unsigned.body.error.message).toMatch(/issued on AWS only/);
    expect((await ask('person', '9', { name: 'checkpoint.pt', method: 'GET' })).status).toBe(404);
  });
});
