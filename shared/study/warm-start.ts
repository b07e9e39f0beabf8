import { InvalidInputError, type Issue } from '../errors.js';
import { SearchSpace } from '../space/space.js';
import { readAll, type StudyStore } from '../store/port.js';
import { searchTrials } from './retrain.js';
import { orient } from './best.js';
import type { StudySpec } from './spec.js';
import { maxWaitingConfigs } from './enqueue.js';
import type { EnqueuedConfig } from './types.js';

/**
 * Warm start from the top performers of earlier studies (`strategy.warmStart`): the best `topK`
 * trials of each named study of the same team, ranked by their objective at the largest resource
 * they reached, become the new study's first configurations (enqueued, so they run before the
 * sampler's). Only studies whose configurations fit the new space are accepted.
 */
export async function warmStartConfigs(store: StudyStore, team: string, spec: StudySpec, at: string): Promise<EnqueuedConfig[]> {
  const warm = spec.strategy.warmStart;
  if (!warm) return [];
  const space = new SearchSpace(spec.parameters);
  const issues: Issue[] = [];
  const configs: EnqueuedConfig[] = [];
  const seen = new Set<string>();
  for (const [i, studyId] of warm.studies.entries()) {
    const path = `strategy.warmStart.studies.${i}`;
    // Another team's study looks the same as a missing one.
    const earlier = await store.getStudy(team, studyId);
    if (!earlier) {
      issues.push({ path, message: `no study ${studyId}` });
      continue;
    }
    if (earlier.spec.objective.metric !== spec.objective.metric || earlier.spec.objective.goal !== spec.objective.goal) {
      issues.push({
        path,
        message: `study ${studyId} optimizes ${earlier.spec.objective.goal} ${earlier.spec.objective.metric}, not ${spec.objective.goal} ${spec.objective.metric}`,
      });
      continue;
    }
    const goal = spec.objective.goal;
    // Normalized as an enqueued configuration is: a trial that kept only an architecture's composed
    // value is expanded, and every configuration carries the composed values of the new space.
    const ranked = searchTrials(await readAll((p) => store.listTrials(team, studyId, p)))
      .filter((t) => t.value !== undefined && Number.isFinite(t.value))
      .map((t) => ({ t, fit: space.normalize(t.params) }))
      .filter(({ fit }) => fit.issues.length === 0)
      .sort((a, b) => b.t.resource - a.t.resource || orient(goal, b.t.value!) - orient(goal, a.t.value!) || a.t.number - b.t.number);
    for (const { t, fit } of ranked) {
      if (configs.filter((c) => c.id.startsWith(`warm-${studyId}-`)).length >= warm.topK) break;
      const key = JSON.stringify(fit.config);
      if (seen.has(key)) continue;
      seen.add(key);
      configs.push({ id: `warm-${studyId}-${t.trialId}`, params: fit.config, at });
    }
  }
  if (issues.length > 0) throw new InvalidInputError(issues, 'invalid warm start');
  // The queue holds at most maxWaitingConfigs; the best of the first studies come first.
  return configs.slice(0, maxWaitingConfigs);
}
