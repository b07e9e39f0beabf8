import { executionName } from './service.js';
import { loadStudy, type StepContext } from './engine/step-context.js';
import { finalize } from './workflow.js';

/** What Step Functions says of a StudyMachine execution that ended (the EventBridge status-change event). */
export interface ExecutionEnded {
  team: string;
  studyId: string;
  /** The execution's name: the study's current attempt has its own (service.ts executionName). */
  executionName: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  error?: string;
  cause?: string;
}

/**
 * Ends a study whose execution ended past every Catch: `States.DataLimitExceeded`, a timeout of the
 * whole execution, a StopExecution, or a Finalize / MarkFailed that failed. Step Functions then
 * runs nothing more of the definition, so on AWS an EventBridge rule on the execution's status
 * calls this, and the embedded runtime does the same when an execution ends that way. An
 * execution of an earlier attempt (the study was resumed since) and a study that already ended
 * are left alone; so is a SUCCEEDED execution, whose Finalize ran. A stopped study
 * (STOPPING) ends STOPPED; any other ends FAILED, which can be resumed.
 */
export async function executionEnded(
  ctx: StepContext,
  event: ExecutionEnded,
): Promise<{ studyId: string; state: string; ignored?: string }> {
  const study = await loadStudy(ctx, event);
  const ignore = (why: string) => ({ studyId: study.studyId, state: study.state, ignored: why });
  if (event.status === 'SUCCEEDED') return ignore('the execution succeeded: Finalize ran');
  if (executionName(study) !== event.executionName) return ignore(`execution ${event.executionName} belongs to an earlier attempt`);
  if (study.state === 'COMPLETED' || study.state === 'STOPPED' || study.state === 'FAILED')
    return ignore(`the study is already ${study.state}`);
  if (study.state === 'STOPPING') return await finalize(ctx, { team: event.team, studyId: event.studyId, outcome: 'COMPLETED' });
  const reason =
    event.status === 'TIMED_OUT' ? 'States.Timeout' : event.status === 'ABORTED' ? 'ExecutionAborted' : (event.error ?? 'States.Runtime');
  const cause = event.cause ?? `the study's workflow execution ended ${event.status}`;
  return await finalize(ctx, {
    team: event.team,
    studyId: event.studyId,
    outcome: 'FAILED',
    error: { Error: reason, Cause: `${reason}: ${cause}` },
  });
}
