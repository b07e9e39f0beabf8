/**
 * The rules AWS enforces on an execution that the embedded executor (aws-local-stepfunctions)
 * does not: a state's input or output over 256 KiB fails the execution with
 * `States.DataLimitExceeded`, which no Catch handles, and a Standard execution stops at 25,000
 * history events. ExecutionLimits reads an execution's event log as it runs, counts the history
 * events Step Functions would write for it, measures each state's payload, and stops the
 * execution at the first rule it breaks, naming the rule as AWS would.
 */

/** Step Functions' payload quota: a state's input, output or result, as UTF-8 JSON. */
export const maxStatePayloadBytes = 256 * 1024;
/** History events of one Standard workflow execution. */
export const maxHistoryEvents = 25_000;
/** Iterations of an inline Map that run at once, whatever MaxConcurrency asks for. */
export const maxInlineMapConcurrency = 40;

type Definition = { States: Record<string, Record<string, unknown>> };

/** The events an execution's log carries (aws-local-stepfunctions' EventLog, the fields read here). */
export interface LoggedEvent {
  type: string;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
}

/** What broke a rule: the error and cause an execution that AWS stopped would report. */
export interface LimitViolation {
  Error: 'States.DataLimitExceeded' | 'States.Runtime';
  Cause: string;
}

const bytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8'));

/** Task state name -> its Resource, through Map iterations too (state names are unique per machine here). */
function taskResources(definition: Definition, out = new Map<string, string>()): Map<string, string> {
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') out.set(name, String(state.Resource));
    const inner = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
    if (inner) taskResources(inner, out);
    for (const branch of (state.Branches as Definition[] | undefined) ?? []) taskResources(branch, out);
  }
  return out;
}

/**
 * History events per logged event, as Step Functions writes them: a state's Entered and Exited
 * events; a Task's scheduled, started and succeeded or failed events in between (and Submitted
 * for a `.sync` integration, which waits for the job); a Map's Started and Succeeded and each
 * iteration's Started and Succeeded.
 */
export class HistoryCounter {
  private readonly resources: Map<string, string>;
  count = 0;

  constructor(definition: Definition) {
    this.resources = taskResources(definition);
  }

  add(event: LoggedEvent): number {
    const n = this.eventsOf(event);
    this.count += n;
    return n;
  }

  private eventsOf(event: LoggedEvent): number {
    const state = event.state;
    switch (event.type) {
      case 'ExecutionStarted':
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimeout':
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        return 1;
      case 'StateEntered':
        // Entered; a Task's TaskScheduled + TaskStarted (+ TaskSubmitted while a .sync job runs); a Map's MapStateStarted.
        if (state?.type === 'Task') return 3 + (this.resources.get(state.name)?.includes('.sync') ? 1 : 0);
        return state?.type === 'Map' ? 2 : 1;
      case 'StateExited':
        // TaskSucceeded or MapStateSucceeded, then Exited.
        return state?.type === 'Task' || state?.type === 'Map' ? 2 : 1;
      case 'StateFailed':
        return 1;
      case 'StateRetried':
        // A retry schedules and starts the task again.
        return state?.type === 'Task' ? 2 + (this.resources.get(state.name)?.includes('.sync') ? 1 : 0) : 0;
      default:
        return 0;
    }
  }
}

/** Checks one execution's log against the payload and history rules; the first violation wins. */
export class ExecutionLimits {
  readonly history: HistoryCounter;
  violation: LimitViolation | undefined;

  constructor(
    definition: Definition,
    private readonly limits: { historyEvents?: number; payloadBytes?: number } = {},
  ) {
    this.history = new HistoryCounter(definition);
  }

  /** The violation this event causes, if it is the first. */
  check(event: LoggedEvent): LimitViolation | undefined {
    if (this.violation) return undefined;
    this.history.add(event);
    const historyLimit = this.limits.historyEvents ?? maxHistoryEvents;
    if (this.history.count > historyLimit) {
      return (this.violation = {
        Error: 'States.Runtime',
        Cause: `the execution reached ${historyLimit} history events, the most a Standard workflow keeps`,
      });
    }
    const payloadLimit = this.limits.payloadBytes ?? maxStatePayloadBytes;
    const payload = event.type === 'StateExited' ? event.state?.output : event.type === 'StateEntered' ? event.state?.input : undefined;
    const size = bytes(payload);
    if (size > payloadLimit) {
      const which = event.type === 'StateExited' ? 'output' : 'input';
      return (this.violation = {
        Error: 'States.DataLimitExceeded',
        Cause: `the ${which} of state ${event.state!.name} is ${size} bytes, more than the ${payloadLimit} Step Functions allows`,
      });
    }
    return undefined;
  }

  /** Reads an execution's event log until it ends, calling `stop` at the first violation. */
  async watch(events: AsyncIterable<LoggedEvent>, stop: (violation: LimitViolation) => void): Promise<void> {
    for await (const event of events) {
      const violation = this.check(event);
      if (violation) stop(violation);
    }
  }
}
