/** The TypeScript twin of checkpoint_job.py (periodic-checkpoints.test.ts). */
import { setTimeout as sleep } from 'node:timers/promises';
import { Trainer } from '../../trainer/client.js';

const trainer = new Trainer();
const attempt = Number(process.env.AWS_BATCH_JOB_ATTEMPT ?? 1);
const state = trainer.loadCheckpoint<{ step: number; trained: number[] }>() ?? { step: 0, trained: [] };
console.log(
  `trial ${trainer.trial.trialId}: steps ${state.step + 1}..${trainer.trial.resourceTo} (resumed from ${state.step}, attempt ${attempt})`,
);
for (let step = state.step + 1; step <= trainer.trial.resourceTo; step++) {
  await sleep(Number(process.env.STEP_SECONDS) * 1000);
  state.trained.push(step);
  state.step = step;
  console.log(`trained step ${step}`);
  await trainer.report(step, { loss: 1 / step, attempt });
  trainer.checkpointIfDue(step, () => state);
}
trainer.saveCheckpoint(state);
