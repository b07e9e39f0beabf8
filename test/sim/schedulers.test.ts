import { describe, expect, it } from 'vitest';
import { ashaScheduler } from '../../shared/schedulers/asha.js';
import { fifoScheduler } from '../../shared/schedulers/fifo.js';
import { syncHalvingScheduler } from '../../shared/schedulers/hyperband.js';
import { rungLevels } from '../../shared/schedulers/rungs.js';
import type { TrialRecord, TrialStatus } from '../../shared/schedulers/scheduler.js';

/** A trial that reported `scores` (epochs 1..n) and is now in `status`. */
function trial(id: number, scores: number[], status: TrialStatus, bracket = 0): TrialRecord {
  return { id, params: { id }, bracket, resource: scores.length, status, scores };
}

describe('rung levels', () => {
  it('grows geometrically from min and ends at max', () => {
    // Act / Assess
    expect(rungLevels(1, 52, 3)).toEqual([1, 3, 9, 27, 52]);
    expect(rungLevels(3, 52, 3)).toEqual([3, 9, 27, 52]);
    expect(rungLevels(1, 27, 3)).toEqual([1, 3, 9, 27]);
  });
});

describe('fifo', () => {
  it('always starts new trials and lets them run', () => {
    // Prepare
    const s = fifoScheduler(10);
    const t = trial(0, [1], 'RUNNING');
    // Act / Assess
    expect(s.next([t])).toEqual({ decision: 'NEW', bracket: 0 });
    expect(s.onReport([t], t, 1)).toBe('CONTINUE');
  });
});

describe('ASHA, promotion variant', () => {
  const s = ashaScheduler({ type: 'promotion', minResource: 1, maxResource: 9, eta: 3 });

  it('pauses a trial at each rung below the top and continues between rungs', () => {
    // Prepare
    const t = trial(0, [4], 'RUNNING');
    // Act / Assess
    expect(s.onReport([t], t, 1)).toBe('PAUSE');
    const t2 = trial(1, [4, 5], 'RUNNING');
    expect(s.onReport([t2], t2, 2)).toBe('CONTINUE');
  });

  it('promotes the best paused trial once it ranks in the top 1/eta of its rung', () => {
    // Prepare: three trials paused at rung 1 (floor(3 / 3) = 1 may go on).
    const trials = [trial(0, [5], 'PAUSED'), trial(1, [9], 'PAUSED'), trial(2, [7], 'PAUSED')];
    // Act / Assess
    expect(s.next(trials)).toEqual({ decision: 'PROMOTE', trialId: 1 });
    expect(s.next(trials.slice(0, 2))).toEqual({ decision: 'NEW', bracket: 0 });
  });

  it('does not promote a trial twice and prefers the highest rung', () => {
    // Prepare: trial 1 already went on to rung 3 (and reported it); three trials sit at rung 3.
    const trials = [
      trial(0, [5], 'PAUSED'),
      trial(1, [9, 9, 9], 'PAUSED'),
      trial(2, [7], 'PAUSED'),
      trial(3, [8, 8, 10], 'PAUSED'),
      trial(4, [6, 6, 8], 'PAUSED'),
    ];
    // Act / Assess: rung 3 has three results, the best (trial 3, 10) goes to rung 9 first.
    expect(s.next(trials)).toEqual({ decision: 'PROMOTE', trialId: 3 });
  });
});

describe('ASHA, stopping variant', () => {
  const s = ashaScheduler({ type: 'stopping', minResource: 1, maxResource: 9, eta: 3 });

  it('stops a trial that is not in the top 1/eta of the results recorded at the rung', () => {
    // Prepare: three results at rung 1 (5, 9, 7) plus the reporting trial.
    const done = [trial(0, [5], 'STOPPED'), trial(1, [9, 9], 'RUNNING'), trial(2, [7], 'STOPPED')];
    const weak = trial(3, [6], 'RUNNING');
    const strong = trial(4, [10], 'RUNNING');
    // Act / Assess: floor(4 / 3) = 1 may continue.
    expect(s.onReport([...done, weak], weak, 1)).toBe('STOP');
    expect(s.onReport([...done, strong], strong, 1)).toBe('CONTINUE');
    expect(s.onReport([...done, strong], strong, 2)).toBe('CONTINUE');
  });

  it('never pauses, so workers always start new trials', () => {
    // Act / Assess
    expect(s.next([trial(0, [5], 'RUNNING')])).toEqual({ decision: 'NEW', bracket: 0 });
  });
});

describe('synchronous successive halving', () => {
  // Rungs 1, 3, 9 and maxTrials 9: the one bracket starts 9 trials, promotes 3, then 1.
  const s = syncHalvingScheduler({ type: 'successive_halving', minResource: 1, maxResource: 9, eta: 3, maxTrials: 9 });
  const rung1 = (scores: number[]) => scores.map((v, i) => trial(i, [v], 'PAUSED'));

  it('fills the first rung of the bracket before anything else', () => {
    // Act / Assess
    expect(s.next(rung1([1, 2, 3]))).toEqual({ decision: 'NEW', bracket: 0 });
  });

  it('waits for the whole rung (barrier), as the BracketMachine does', () => {
    // Prepare: nine trials, one still running at epoch 1.
    const trials = rung1([1, 2, 3, 4, 5, 6, 7, 8]);
    trials.push({ ...trial(8, [], 'RUNNING') });
    // Act / Assess
    expect(s.next(trials)).toEqual({ decision: 'WAIT' });
  });

  it('promotes exactly the top third once the rung is complete, and ends with its one bracket', () => {
    // Prepare
    const trials = rung1([1, 9, 3, 4, 8, 6, 7, 2, 5]);
    // Act
    const first = s.next(trials);
    trials[1] = trial(1, [9, 9], 'RUNNING');
    const second = s.next(trials);
    trials[4] = trial(4, [8, 8], 'RUNNING');
    const third = s.next(trials);
    trials[6] = trial(6, [7, 7], 'RUNNING');
    const fourth = s.next(trials);
    trials[1] = trial(1, [9, 9, 9], 'PAUSED');
    trials[4] = trial(4, [8, 8, 8], 'PAUSED');
    trials[6] = trial(6, [7, 7, 7], 'PAUSED');
    const fifth = s.next(trials);
    trials[1] = trial(1, [9, 9, 9, 9, 9, 9, 9, 9, 9], 'COMPLETE');
    const last = s.next(trials);
    // Assess: trials 1, 4, 6 (scores 9, 8, 7), a barrier at rung 3, its best, then nothing: the study is done.
    expect([first, second, third]).toEqual([
      { decision: 'PROMOTE', trialId: 1 },
      { decision: 'PROMOTE', trialId: 4 },
      { decision: 'PROMOTE', trialId: 6 },
    ]);
    expect(fourth).toEqual({ decision: 'WAIT' });
    expect(fifth).toEqual({ decision: 'PROMOTE', trialId: 1 });
    expect(last).toEqual({ decision: 'WAIT' });
  });

  it('has no plan without maxTrials (its one bracket holds every trial)', () => {
    expect(() => syncHalvingScheduler({ type: 'successive_halving', minResource: 1, maxResource: 9, eta: 3 }).next([])).toThrow(
      /maxTrials/,
    );
  });
});

describe('synchronous Hyperband', () => {
  const s = syncHalvingScheduler({ type: 'hyperband', minResource: 1, maxResource: 9, eta: 3 });

  it('cycles brackets from the most aggressive to plain full training', () => {
    // Act / Assess
    expect([0, 1, 2, 3].map((b) => s.milestones(b))).toEqual([[1, 3, 9], [3, 9], [9], [1, 3, 9]]);
  });

  it('opens a bracket only once the one before is complete, and sizes it as Hyperband does: ceil((K+1)/(s+1) * eta^s)', () => {
    // Prepare: bracket 0 (s = 2) is 9 trials at 1, 3 at 3, 1 at 9; bracket 1 (s = 1) holds ceil(3/2 * 3) = 5 trials at rung 3.
    const bracket0 = Array.from({ length: 9 }, (_, i) => trial(i, [i], 'PAUSED'));
    for (const i of [6, 7]) bracket0[i] = trial(i, [i, i, i], 'PAUSED');
    bracket0[8] = trial(8, [8, 8, 8, 8, 8, 8, 8, 8], 'RUNNING');
    const bracket1 = Array.from({ length: 4 }, (_, i) => trial(9 + i, [], 'RUNNING', 1));
    // Act / Assess: the last rung of bracket 0 is still training, so no new bracket.
    expect(s.next(bracket0)).toEqual({ decision: 'WAIT' });
    bracket0[8] = trial(8, [8, 8, 8, 8, 8, 8, 8, 8, 8], 'COMPLETE');
    expect(s.next(bracket0)).toEqual({ decision: 'NEW', bracket: 1 });
    expect(s.next([...bracket0, ...bracket1])).toEqual({ decision: 'NEW', bracket: 1 });
    expect(s.next([...bracket0, ...bracket1, trial(13, [], 'RUNNING', 1)])).toEqual({ decision: 'WAIT' });
  });
});
