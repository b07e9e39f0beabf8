import { readAll } from '../shared/store/port.js';
import type { StepContext } from '../shared/study/engine/step-context.js';
import { executionEnded } from '../shared/study/execution-ended.js';
import { isExternal } from '../shared/study/ladder.js';
import { executionName } from '../shared/study/service.js';

/** The Cause an orphaned study's error carries: what happened, and how to go on. */
export const orphanCause =
  'the process that ran its workflow ended without finishing it (killed, or the machine stopped): resume it with POST /studies/{id}/resume';

/**
 * Ends the studies whose workflow ran in an earlier process on this data folder. Executions live
 * in the process that started them, and one process at a time holds the folder's database
 * (LevelDB), so a study still PENDING, RUNNING or STOPPING here has nothing running it: it ends
 * as AWS ends an aborted execution (shared/study/execution-ended.ts), STOPPED when it was
 * stopping, else FAILED with {@link orphanCause}, which resume continues from its trials and
 * checkpoints. Ask/tell studies run no workflow and are left as they are. Returns the ids ended.
 */
export async function endOrphans(ctx: StepContext, teams: string[]): Promise<string[]> {
  const ended: string[] = [];
  for (const team of new Set(teams)) {
    for (const study of await readAll((p) => ctx.store.listStudies(team, p))) {
      if (!['PENDING', 'RUNNING', 'STOPPING'].includes(study.state) || isExternal(study)) continue;
      const result = await executionEnded(ctx, {
        team,
        studyId: study.studyId,
        executionName: executionName(study),
        status: 'FAILED',
        error: 'Orphaned',
        cause: orphanCause,
      });
      if (!result.ignored) ended.push(study.studyId);
    }
  }
  return ended;
}
