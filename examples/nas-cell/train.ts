/**
 * The nas-cell example's job: reads the composed NAS-Bench-201 cell string the trial receives under
 * `cell` and derives a toy validation accuracy from it instead of training a network (the point is
 * the contract, not the network): convolutions on the paths from input to output help, a cell whose
 * every path is a bare skip connection helps little, and a learning rate near 1e-2 is best.
 * It follows the job contract like the quickstart: resume, report each epoch, checkpoint.
 */
import { Trainer } from '../../trainer/client.js';

/** `|conv3x3~0|+|skip~0|none~1|+...` -> edges into each node (NAS-Bench-201 order). */
function parseCell(cell: string): { from: number; to: number; op: string }[] {
  return cell.split('+').flatMap((group, i) =>
    group
      .split('|')
      .filter(Boolean)
      .map((entry) => {
        const [op, from] = entry.split('~');
        return { from: Number(from), to: i + 1, op };
      }),
  );
}

const worth: Record<string, number> = { conv3x3: 1, conv1x1: 0.7, avgpool3x3: 0.3, skip: 0.15, none: 0 };

/** Sum over input-to-output paths of the mean worth of their operations (a path through `none` is cut). */
function cellQuality(edges: { from: number; to: number; op: string }[]): number {
  const out = Math.max(...edges.map((e) => e.to));
  const walk = (node: number, ops: string[]): number =>
    node === out
      ? ops.reduce((a, o) => a + worth[o], 0) / ops.length
      : edges.filter((e) => e.from === node && e.op !== 'none').reduce((a, e) => a + walk(e.to, [...ops, e.op]), 0);
  return walk(0, []);
}

async function main() {
  const trainer = new Trainer();
  const { params, resourceFrom, resourceTo, trialId } = trainer.trial;
  const cell = String(params.cell);
  const quality = cellQuality(parseCell(cell));
  const lrFit = 1 - Math.abs(Math.log10(Number(params.lr)) + 2) / 2;
  const state = trainer.loadCheckpoint<{ epoch: number }>() ?? { epoch: 0 };
  if (state.epoch < resourceFrom) throw new Error(`checkpoint holds epoch ${state.epoch}, expected at least ${resourceFrom}`);
  console.log(`trial ${trialId}: ${cell} (quality ${quality.toFixed(3)})`);
  for (let epoch = state.epoch + 1; epoch <= resourceTo; epoch++) {
    // A learning curve that saturates at a ceiling set by the architecture and the learning rate.
    const ceiling = 0.5 + 0.45 * Math.tanh(quality / 2) * (0.6 + 0.4 * lrFit);
    const valAccuracy = ceiling * (1 - 0.5 ** epoch);
    await trainer.report(epoch, { val_accuracy: Number(valAccuracy.toFixed(4)) });
    state.epoch = epoch;
  }
  trainer.saveCheckpoint(state);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
