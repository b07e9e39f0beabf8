import { SearchSpace, isChoice } from '../space/space.js';
import type { ParamValue } from '../space/schema.js';
import { readAll, type StudyStore } from '../store/port.js';
import { searchTrials } from '../study/retrain.js';
import { NotFoundError } from '../errors.js';
import { evaluations, importanceRows } from './evaluations.js';
import { parameterImportance, type ParameterImportance } from './importance.js';

export interface ChoiceEffect {
  value: ParamValue;
  /** Mean objective of the trials that chose it (at the resource the explanation uses). */
  mean: number;
  count: number;
}

export interface Explanation {
  /** The resource whose results the explanation uses (values at different budgets are not comparable). */
  resource?: number;
  n: number;
  parameters: (ParameterImportance & { effects?: ChoiceEffect[] })[];
}

/**
 * What mattered in a study: each parameter's importance (shared/analysis/importance.ts), and for
 * a choice parameter (an operation on a cell edge, an optimizer, ...) the mean objective of each
 * of its values, best first, so that a NAS study says which operations paid off where.
 */
export async function explainStudy(store: StudyStore, team: string, studyId: string): Promise<Explanation> {
  const study = await store.getStudy(team, studyId);
  if (!study) throw new NotFoundError(`study ${studyId} not found`);
  // What the search learned; retraining trials train other budgets (and fixed values).
  const trials = searchTrials(await readAll((p) => store.listTrials(team, studyId, p)));
  const space = new SearchSpace(study.spec.parameters);
  const { resource, rows } = importanceRows(evaluations(study, trials), trials);
  const importance = parameterImportance(space, rows);
  const sign = study.spec.objective.goal === 'maximize' ? -1 : 1;
  return {
    resource,
    n: importance.n,
    parameters: importance.parameters.map((p) => {
      const spec = space.spec(p.name);
      if (!isChoice(spec)) return p;
      const effects = (spec.values as ParamValue[])
        .map((value) => {
          const values = rows.filter((r) => r.params[p.name] === value).map((r) => r.value);
          return { value, count: values.length, mean: values.reduce((a, b) => a + b, 0) / (values.length || 1) };
        })
        .filter((e) => e.count > 0)
        .sort((a, b) => sign * (a.mean - b.mean));
      return { ...p, effects };
    }),
  };
}
