/**
 * The quickstart's training job: a one-hidden-layer network that learns to tell apart three
 * interleaved spirals (a classic problem a linear model cannot solve), in plain TypeScript so
 * that it runs anywhere Node runs. Hyperparameters decide whether it learns at all, which makes it
 * a fair small tuning problem.
 *
 * It follows the job contract: read the trial, resume from the checkpoint, train epochs
 * RUNG_RESOURCE_FROM+1 .. RUNG_RESOURCE_TO, report val_accuracy each epoch, save the checkpoint.
 */
import { Trainer } from '../../trainer/client.js';

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

const classes = 3;

/** A small deterministic generator (mulberry32): the data must be the same in every trial. */
function generator(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function spirals(perClass: number, seed: number) {
  const rand = generator(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const r = i / perClass;
      const angle = (c * 2 * Math.PI) / classes + r * 4 + (rand() - 0.5) * 0.5;
      x.push([r * Math.sin(angle), r * Math.cos(angle)]);
      y.push(c);
    }
  }
  return { x, y };
}

function initialState(hidden: number, seed: number): State {
  const rand = generator(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const w1 = Array.from({ length: 2 * hidden }, () => gauss() * Math.sqrt(2 / 2));
  const w2 = Array.from({ length: hidden * classes }, () => gauss() * Math.sqrt(1 / hidden));
  const b1 = new Array(hidden).fill(0);
  const b2 = new Array(classes).fill(0);
  const zeros = () => [w1, b1, w2, b2].map((p) => new Array(p.length).fill(0));
  return { epoch: 0, w1, b1, w2, b2, m: zeros(), v: zeros(), step: 0, seed };
}

function forward(s: State, hidden: number, x: number[]) {
  const h = new Array(hidden);
  for (let j = 0; j < hidden; j++) h[j] = Math.tanh(x[0] * s.w1[j] + x[1] * s.w1[hidden + j] + s.b1[j]);
  const logits = new Array(classes).fill(0);
  for (let k = 0; k < classes; k++) {
    let z = s.b2[k];
    for (let j = 0; j < hidden; j++) z += h[j] * s.w2[j * classes + k];
    logits[k] = z;
  }
  const max = Math.max(...logits);
  const exp = logits.map((z) => Math.exp(z - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return { h, p: exp.map((e) => e / sum) };
}

function accuracy(s: State, hidden: number, data: { x: number[][]; y: number[] }) {
  let right = 0;
  data.x.forEach((x, i) => {
    const { p } = forward(s, hidden, x);
    if (p.indexOf(Math.max(...p)) === data.y[i]) right++;
  });
  return right / data.x.length;
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

  const params4 = [state.w1, state.b1, state.w2, state.b2];
  const shuffle = generator(state.seed + state.epoch);
  for (let epoch = first; epoch <= resourceTo && !stopping; epoch++) {
    const order = train.x.map((_, i) => i).sort(() => shuffle() - 0.5);
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      const grads = params4.map((p) => new Array(p.length).fill(0));
      for (const i of batch) {
        const x = train.x[i];
        const { h, p } = forward(state, hidden, x);
        const dz = p.map((pk, k) => (pk - (k === train.y[i] ? 1 : 0)) / batch.length);
        for (let k = 0; k < classes; k++) grads[3][k] += dz[k];
        for (let j = 0; j < hidden; j++) {
          let dh = 0;
          for (let k = 0; k < classes; k++) {
            grads[2][j * classes + k] += h[j] * dz[k];
            dh += state.w2[j * classes + k] * dz[k];
          }
          const da = dh * (1 - h[j] * h[j]);
          grads[0][j] += x[0] * da;
          grads[0][hidden + j] += x[1] * da;
          grads[1][j] += da;
        }
      }
      state.step++;
      params4.forEach((p, pi) => {
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
    const valAccuracy = accuracy(state, hidden, val);
    await trainer.report(epoch, { val_accuracy: valAccuracy, train_accuracy: accuracy(state, hidden, train) });
  }
  trainer.saveCheckpoint(state);
  // SIGTERM (Spot reclaim, stop): the checkpoint is saved; exit with a code the retry strategy retries.
  if (stopping) process.exit(143);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
