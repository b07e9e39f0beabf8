import { describe, expect, it } from 'vitest';
import { jobFailure } from '../../shared/study/engine/rung-end.js';

/** A failed job's reason as a trial keeps it: the status and the end of the log, where the error is. */
describe('jobFailure', () => {
  it("keeps a long traceback's last line, which the first 500 characters of the job's JSON used to cut off", () => {
    // Prepare: Batch's description of the failed job, with the log's last lines as the container's reason.
    const traceback = [
      ...Array.from({ length: 60 }, (_, i) => `  File "/opt/train.py", line ${i}, in <module>`),
      "ModuleNotFoundError: No module named 'timm'",
    ];
    const cause = JSON.stringify({
      JobName: 'study-t3-r0',
      StartedAt: 1,
      StoppedAt: 2,
      LogPath: '/tmp/logs/study-t3-r0.log',
      Attempts: [{ StartedAt: 1, StoppedAt: 2, StatusReason: 'exit code 1', Container: { ExitCode: 1 } }],
      Status: 'FAILED',
      StatusReason: 'exit code 1',
      Container: { ExitCode: 1, Reason: traceback.join('\n') },
    });

    // Act
    const why = jobFailure({ Error: 'States.TaskFailed', Cause: cause });

    // Assess
    expect(why.startsWith('job failed: States.TaskFailed: exit code 1\n')).toBe(true);
    expect(why.endsWith("ModuleNotFoundError: No module named 'timm'")).toBe(true);
    expect(why.length).toBeLessThanOrEqual(2100);
  });

  it('names the exit code beside a status reason that lacks it, and keeps a Cause that is no job description', () => {
    // Act / Assess
    expect(
      jobFailure({
        Error: 'States.TaskFailed',
        Cause: JSON.stringify({ StatusReason: 'Essential container in task exited', Container: { ExitCode: 137 } }),
      }),
    ).toBe('job failed: States.TaskFailed: Essential container in task exited, exit code 137');
    expect(jobFailure({ Error: 'States.Timeout' })).toBe('job failed: States.Timeout');
    expect(jobFailure({ Error: 'States.TaskFailed', Cause: 'exit code 2' })).toBe('job failed: States.TaskFailed: exit code 2');
  });
});
