/**
 * The three interleaved spirals (a classic problem a linear model cannot solve) and a
 * one-hidden-layer network on them, in plain TypeScript so that it runs anywhere Node runs. Shared
 * by the quickstart's training job (train.ts) and the multi-objective example's
 * (../multi-objective/train.ts); each keeps its own optimizer, checkpoint and metrics.
 */

export const classes = 3;

export interface Data {
  x: number[][];
  y: number[];
}

/** A small deterministic generator (mulberry32): the data and the initial weights must be the same in every run. */
export function generator(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `perClass` points of each spiral, with a little angular noise. */
export function spirals(perClass: number, seed: number): Data {
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

/** The hidden layer's activation, and its derivative written in terms of the activation's output. */
export interface Activation {
  fn: (z: number) => number;
  derivative: (h: number) => number;
}

export const tanh: Activation = { fn: Math.tanh, derivative: (h) => 1 - h * h };
export const relu: Activation = { fn: (z) => Math.max(0, z), derivative: (h) => (h > 0 ? 1 : 0) };

/** The network: `weights` are w1 (2 x hidden), b1, w2 (hidden x classes), b2, updated in place by training. */
export interface Net {
  hidden: number;
  activation: Activation;
  weights: number[][];
}

/**
 * Fresh weights [w1, b1, w2, b2] for `seed`: Gaussian w1 with variance 1, Gaussian w2 with
 * variance `gain / hidden`, zero biases.
 */
export function initialWeights(hidden: number, seed: number, gain: number): number[][] {
  const rand = generator(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const w1 = Array.from({ length: 2 * hidden }, () => gauss() * Math.sqrt(2 / 2));
  const w2 = Array.from({ length: hidden * classes }, () => gauss() * Math.sqrt(gain / hidden));
  return [w1, new Array(hidden).fill(0), w2, new Array(classes).fill(0)];
}

/** The hidden activations and the softmax class probabilities of one point. */
export function forward({ hidden, activation, weights: [w1, b1, w2, b2] }: Net, x: number[]) {
  const h = new Array<number>(hidden);
  for (let j = 0; j < hidden; j++) h[j] = activation.fn(x[0] * w1[j] + x[1] * w1[hidden + j] + b1[j]);
  const logits = new Array<number>(classes).fill(0);
  for (let k = 0; k < classes; k++) {
    let z = b2[k];
    for (let j = 0; j < hidden; j++) z += h[j] * w2[j * classes + k];
    logits[k] = z;
  }
  const max = Math.max(...logits);
  const exp = logits.map((z) => Math.exp(z - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return { h, p: exp.map((e) => e / sum) };
}

/** The fraction of `data` whose most probable class is the right one. */
export function accuracy(net: Net, data: Data): number {
  let right = 0;
  data.x.forEach((x, i) => {
    const { p } = forward(net, x);
    if (p.indexOf(Math.max(...p)) === data.y[i]) right++;
  });
  return right / data.x.length;
}

/** One epoch's mini-batches: the indices of `n` points in an order that `shuffle` draws, cut in batches of `batchSize`. */
export function batches(n: number, batchSize: number, shuffle: () => number): number[][] {
  const order = Array.from({ length: n }, (_, i) => i).sort(() => shuffle() - 0.5);
  const out: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) out.push(order.slice(start, start + batchSize));
  return out;
}

/** The cross-entropy gradient of one batch (its mean over the batch), in the layout of `net.weights`. */
export function gradients(net: Net, data: Data, batch: number[]): number[][] {
  const { hidden, activation, weights } = net;
  const w2 = weights[2];
  const grads = weights.map((w) => new Array<number>(w.length).fill(0));
  for (const i of batch) {
    const x = data.x[i];
    const { h, p } = forward(net, x);
    const dz = p.map((pk, k) => (pk - (k === data.y[i] ? 1 : 0)) / batch.length);
    for (let k = 0; k < classes; k++) grads[3][k] += dz[k];
    for (let j = 0; j < hidden; j++) {
      let dh = 0;
      for (let k = 0; k < classes; k++) {
        grads[2][j * classes + k] += h[j] * dz[k];
        dh += w2[j * classes + k] * dz[k];
      }
      const da = dh * activation.derivative(h[j]);
      grads[0][j] += x[0] * da;
      grads[0][hidden + j] += x[1] * da;
      grads[1][j] += da;
    }
  }
  return grads;
}
