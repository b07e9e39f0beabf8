/**
 * The multi-objective example's training job: a one-hidden-layer network on the quickstart's three
 * spirals, where a bigger or smoother network is more accurate but costs parameters and latency.
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

const classes = 3;

interface State {
  epoch: number;
  /** w1 (2 x hidden), b1, w2 (hidden x classes), b2, then Adam's moments in the same layout. */
  weights: number[][];
  m: number[][];
  v: number[][];
  step: number;
}

/** mulberry32: the data and the initial weights must be the same in every run. */
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
  const act = activation === 'tanh' ? Math.tanh : (z: number) => Math.max(0, z);
  const grad = activation === 'tanh' ? (h: number) => 1 - h * h : (h: number) => (h > 0 ? 1 : 0);

  const train = spirals(200, 7);
  const val = spirals(80, 8);
  const rand = generator(1000 + Number(trialId));
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const sizes = [2 * hidden, hidden, hidden * classes, classes];
  const fresh = (): State => ({
    epoch: 0,
    weights: [sizes[0], sizes[1], sizes[2], sizes[3]].map((n, i) => Array.from({ length: n }, () => (i % 2 === 0 ? gauss() * Math.sqrt(2 / (i === 0 ? 2 : hidden)) : 0))),
    m: sizes.map((n) => new Array(n).fill(0)),
    v: sizes.map((n) => new Array(n).fill(0)),
    step: 0,
  });
  const state = trainer.loadCheckpoint<State>() ?? fresh();
  if (state.epoch < resourceFrom) throw new Error(`checkpoint holds epoch ${state.epoch}, expected at least ${resourceFrom}`);
  const [w1, b1, w2, b2] = state.weights;

  const forward = (x: number[]) => {
    const h = new Array<number>(hidden);
    for (let j = 0; j < hidden; j++) h[j] = act(x[0] * w1[j] + x[1] * w1[hidden + j] + b1[j]);
    const logits = Array.from({ length: classes }, (_, k) => h.reduce((z, hj, j) => z + hj * w2[j * classes + k], b2[k]));
    const max = Math.max(...logits);
    const e = logits.map((z) => Math.exp(z - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return { h, p: e.map((v) => v / sum) };
  };
  const accuracy = (data: { x: number[][]; y: number[] }) =>
    data.x.filter((x, i) => {
      const { p } = forward(x);
      return p.indexOf(Math.max(...p)) === data.y[i];
    }).length / data.x.length;

  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  const count = sizes.reduce((a, b) => a + b, 0);
  const latencyMs = (100 * cycles(hidden, activation)) / 80e3;
  const shuffle = generator(77 + state.epoch);
  for (let epoch = state.epoch + 1; epoch <= resourceTo && !stopping; epoch++) {
    const order = train.x.map((_, i) => i).sort(() => shuffle() - 0.5);
    for (let start = 0; start < order.length; start += 32) {
      const batch = order.slice(start, start + 32);
      const g = sizes.map((n) => new Array<number>(n).fill(0));
      for (const i of batch) {
        const x = train.x[i];
        const { h, p } = forward(x);
        const dz = p.map((pk, k) => (pk - (k === train.y[i] ? 1 : 0)) / batch.length);
        for (let k = 0; k < classes; k++) g[3][k] += dz[k];
        for (let j = 0; j < hidden; j++) {
          let dh = 0;
          for (let k = 0; k < classes; k++) {
            g[2][j * classes + k] += h[j] * dz[k];
            dh += w2[j * classes + k] * dz[k];
          }
          const da = dh * grad(h[j]);
          g[0][j] += x[0] * da;
          g[0][hidden + j] += x[1] * da;
          g[1][j] += da;
        }
      }
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
    await trainer.report(epoch, { val_accuracy: accuracy(val), params: count, latency_ms: latencyMs });
  }
  trainer.saveCheckpoint(state);
  if (stopping) process.exit(143);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
