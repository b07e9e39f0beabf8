import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/store/memory.js';
import { enqueueConfigs } from '../../shared/study/enqueue.js';
import { createStudy } from '../../shared/study/service.js';
import { minimalSpecInput } from '../support/factories.js';

describe('enqueue retried after its answer was lost', () => {
  it('adds the configurations once and answers the same entries; another key adds them again', async () => {
    // Prepare: the idempotency record is written after the request, so a lost answer leaves none: only the study item can tell.
    const ctx = { store: new MemoryStore(), now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.25 };
    const study = await createStudy(ctx, 'team-a', minimalSpecInput);
    const body = { configs: [{ lr: 0.01 }, { lr: 0.02 }] };
    // Act
    const first = await enqueueConfigs(ctx, 'team-a', study.studyId, body, { idempotencyKey: 'k-1' });
    const retried = await enqueueConfigs(ctx, 'team-a', study.studyId, body, { idempotencyKey: 'k-1' });
    const other = await enqueueConfigs(ctx, 'team-a', study.studyId, body, { idempotencyKey: 'k-2' });
    // Assess
    expect(retried).toEqual(first);
    expect(first.enqueued.map((e) => e.id)).toEqual(['q0', 'q1']);
    expect(other.enqueued.map((e) => e.id)).toEqual(['q2', 'q3']);
    expect((await ctx.store.getStudy('team-a', study.studyId))!.enqueued!.map((e) => e.id)).toEqual(['q0', 'q1', 'q2', 'q3']);
  });
});
