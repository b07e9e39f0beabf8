import { nasSamplers } from '../samplers/registry-nas.js';
import { architectureTypes } from '../space/architecture.js';

const architectureKinds = new Set<string>(architectureTypes);

/**
 * A note for an architecture search (a NAS sampler or an architecture parameter) without a
 * retraining phase: its answer would be a search result (often a short or weight-shared
 * training), not a network trained from scratch.
 */
export function retrainAdvice(spec: {
  strategy: { sampler: string };
  parameters: Record<string, { type: string }>;
  retrain?: unknown;
}): string | undefined {
  if (spec.retrain) return undefined;
  const nas = spec.strategy.sampler in nasSamplers || Object.values(spec.parameters).some((p) => architectureKinds.has(p.type));
  return nas
    ? 'an architecture search without `retrain`: its answer will be a search result, not retrained from scratch (add retrain: { topK, max })'
    : undefined;
}
