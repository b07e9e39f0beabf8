/**
 * The quickstart's training job: a one-hidden-layer tanh network that learns to tell apart three
 * interleaved spirals (the data and the network are in spirals.ts), with SGD or Adam and weight
 * decay. Hyperparameters decide whether it learns at all, which makes it a fair small tuning problem.
 *
 * It follows the job contract: read the trial, resume from the checkpoint, train epochs
 * RUNG_RESOURCE_FROM+1 .. RUNG_RESOURCE_TO, report val_accuracy each epoch, save the checkpoint.
 */
import { Trainer } from '../../trainer/client.js';
import { accuracy, batches, generator, gradients, initialWeights, spirals, tanh, type Net } from './spirals.js';

interface State {
  epoch: number;
  w1: number[];
  b1: number[];
  w2: number[];
  b2: number[];
  /** Optimizer slots (momentum, or Adam's first and second moments), same layout as the weights. */
  m: number[][];
  v: number[][];
  step: number;
  seed: number;
}

function initialState(hidden: number, seed: number): State {
  const [w1, b1, w2, b2] = initialWeights(hidden, seed, 1);
  const zeros = () => [w1, b1, w2, b2].map((p) => new Array(p.length).fill(0));
  return { epoch: 0, w1, b1, w2, b2, m: zeros(), v: zeros(), step: 0, seed };
}

async function main() {
  const trainer = new Trainer();
  const { params, resourceFrom, resourceTo, trialId } = trainer.trial;
  const lr = Number(params.lr);
  const hidden = Number(params.hidden);
  const batchSize = Number(params.batch_size);
  const weightDecay = Number(params.weight_decay);
  const optimizer = String(params.optimizer);
  const momentum = Number(params.momentum ?? 0);

  const train = spirals(300, 7);
  const val = spirals(100, 8);
  const state = trainer.loadCheckpoint<State>() ?? initialState(hidden, 1000 + Number(trialId));
  // A retried attempt may find a checkpoint ahead of RESOURCE_FROM; one behind it is a broken contract.
  if (state.epoch < resourceFrom) throw new Error(`checkpoint holds epoch ${state.epoch}, expected at least ${resourceFrom}`);
  const first = state.epoch + 1;
  console.log(`trial ${trialId}: epochs ${first}..${resourceTo} (resumed from ${state.epoch})`);

  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
  });

  const net: Net = { hidden, activation: tanh, weights: [state.w1, state.b1, state.w2, state.b2] };
  const shuffle = generator(state.seed + state.epoch);
  for (let epoch = first; epoch <= resourceTo && !stopping; epoch++) {
    for (const batch of batches(train.x.length, batchSize, shuffle)) {
      const grads = gradients(net, train, batch);
      state.step++;
      net.weights.forEach((p, pi) => {
        for (let q = 0; q < p.length; q++) {
          const g = grads[pi][q] + weightDecay * p[q];
          if (optimizer === 'adam') {
            state.m[pi][q] = 0.9 * state.m[pi][q] + 0.1 * g;
            state.v[pi][q] = 0.999 * state.v[pi][q] + 0.001 * g * g;
            const mh = state.m[pi][q] / (1 - 0.9 ** state.step);
            const vh = state.v[pi][q] / (1 - 0.999 ** state.step);
            p[q] -= (lr * mh) / (Math.sqrt(vh) + 1e-8);
          } else {
            state.m[pi][q] = momentum * state.m[pi][q] + g;
            p[q] -= lr * state.m[pi][q];
          }
        }
      });
    }
    state.epoch = epoch;
    const valAccuracy = accuracy(net, val);
    await trainer.report(epoch, { val_accuracy: valAccuracy, train_accuracy: accuracy(net, train) });
  }
  trainer.saveCheckpoint(state);
  // SIGTERM (Spot reclaim, stop): the checkpoint is saved; exit with a code the retry strategy retries.
  if (stopping) process.exit(143);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
