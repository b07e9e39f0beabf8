/**
 * The multi-objective example's training job: a one-hidden-layer network on the quickstart's three
 * spirals (../quickstart/spirals.ts), where a bigger or smoother network is more accurate but costs parameters and latency.
 * It reports three metrics every epoch:
 *
 * - `val_accuracy` (an objective, maximized),
 * - `params`, the parameter count (an objective, minimized),
 * - `latency_ms`, the modeled time to classify a batch of 100 points on "device D", a
 *   microcontroller at 80 MHz that spends 1 cycle per multiply-add, 2 per ReLU and 200 per tanh
 *   (no hardware transcendental functions): a constraint keeps it under 5 ms. A model, not a
 *   measurement, so that the example gives the same numbers on every machine; a real job would
 *   time the exported network on the device.
 *
 * With the same parameter count, tanh is far slower than ReLU on that device, so the constraint
 * cuts the search space along a different line than the parameter objective.
 *
 * Job contract (docs/jobs.md): resume from the checkpoint, train epochs RUNG_RESOURCE_FROM+1 ..
 * RUNG_RESOURCE_TO, report each epoch, checkpoint, exit 0 (143 after SIGTERM).
 */
import { Trainer } from '../../trainer/client.js';
import { accuracy, batches, classes, generator, gradients, initialWeights, relu, spirals, tanh, type Net } from '../quickstart/spirals.js';

interface State {
  epoch: number;
  /** w1 (2 x hidden), b1, w2 (hidden x classes), b2, then Adam's moments in the same layout. */
  weights: number[][];
  m: number[][];
  v: number[][];
  step: number;
}

/** Cycles of one forward pass on device D (see the header), for the latency model. */
function cycles(hidden: number, activation: string): number {
  const macs = 2 * hidden + hidden * classes;
  return macs + hidden * (activation === 'tanh' ? 200 : 2);
}

async function main() {
  const trainer = new Trainer();
  const { params, resourceFrom, resourceTo, trialId } = trainer.trial;
  const hidden = Number(params.hidden);
  const lr = Number(params.lr);
  const activation = String(params.activation);

  const train = spirals(200, 7);
  const val = spirals(80, 8);
  const fresh = (): State => {
    const weights = initialWeights(hidden, 1000 + Number(trialId), 2);
    const zeros = () => weights.map((w) => new Array<number>(w.length).fill(0));
    return { epoch: 0, weights, m: zeros(), v: zeros(), step: 0 };
  };
  const state = trainer.loadCheckpoint<State>() ?? fresh();
  if (state.epoch < resourceFrom) throw new Error(`checkpoint holds epoch ${state.epoch}, expected at least ${resourceFrom}`);
  const net: Net = { hidden, activation: activation === 'tanh' ? tanh : relu, weights: state.weights };

  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  const count = state.weights.reduce((a, w) => a + w.length, 0);
  const latencyMs = (100 * cycles(hidden, activation)) / 80e3;
  const shuffle = generator(77 + state.epoch);
  for (let epoch = state.epoch + 1; epoch <= resourceTo && !stopping; epoch++) {
    for (const batch of batches(train.x.length, 32, shuffle)) {
      const g = gradients(net, train, batch);
      state.step++;
      state.weights.forEach((w, pi) => {
        for (let q = 0; q < w.length; q++) {
          state.m[pi][q] = 0.9 * state.m[pi][q] + 0.1 * g[pi][q];
          state.v[pi][q] = 0.999 * state.v[pi][q] + 0.001 * g[pi][q] ** 2;
          const mh = state.m[pi][q] / (1 - 0.9 ** state.step);
          const vh = state.v[pi][q] / (1 - 0.999 ** state.step);
          w[q] -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
        }
      });
    }
    state.epoch = epoch;
    await trainer.report(epoch, { val_accuracy: accuracy(net, val), params: count, latency_ms: latencyMs });
  }
  trainer.saveCheckpoint(state);
  if (stopping) process.exit(143);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
