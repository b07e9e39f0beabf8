import { InvalidInputError, RungError, type Issue } from '../shared/errors.js';
import { errorBody } from '../functions/api/errors.js';

/** Exit codes: 0 success, 1 the study, the request or the environment failed, 2 bad input. */
export const exitCodes = { ok: 0, failed: 1, invalid: 2 } as const;

/**
 * Bad input on the command line (an option's value, a missing data folder): fix it and run again.
 * An InvalidInputError whose one issue names the option, so that `--json` gives the API's shape.
 */
export class UsageError extends InvalidInputError {
  constructor(option: string, message: string) {
    super([{ path: option, message }], message);
    // One line, as the user reads it: not the `message: path: message` of InvalidInputError.
    this.message = message;
  }
}

/** The machine is in the way (a port in use, a folder that cannot be written): exit 1, no stack trace. */
export class EnvironmentError extends RungError {
  /** The envelope's code: `PortInUse`, `DataFolderNotWritable`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** An error answer of the API, kept whole so that `--json` prints it as the API sent it. */
export class ApiAnswerError extends RungError {
  readonly status: number;
  readonly body: { error?: { code?: string; message?: string; details?: Issue[] } };
  constructor(status: number, body: ApiAnswerError['body']) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body ?? {};
  }
}

export function exitCodeOf(e: unknown): number {
  if (e instanceof InvalidInputError) return exitCodes.invalid;
  if (e instanceof ApiAnswerError && e.status === 400) return exitCodes.invalid;
  return exitCodes.failed;
}

/** The API's error envelope (`{ error: { code, message, details? } }`) for any error the CLI ends on. */
export function errorEnvelope(e: unknown): ReturnType<typeof errorBody> {
  if (e instanceof ApiAnswerError && e.body.error?.code)
    return errorBody(e.body.error.code, e.body.error.message ?? e.message, e.body.error.details);
  if (e instanceof UsageError) return errorBody('InvalidInput', e.message, e.issues);
  if (e instanceof InvalidInputError) return errorBody('InvalidInput', e.message.split(':')[0], e.issues);
  if (e instanceof EnvironmentError) return errorBody(e.code, e.message);
  if (e instanceof RungError) return errorBody(e.name.replace(/Error$/, ''), e.message);
  return errorBody('Failed', e instanceof Error ? e.message : String(e));
}

/** The lines a person reads on stderr: the message, then one line per issue. */
export function errorText(e: unknown): string[] {
  if (e instanceof UsageError) return [e.message];
  if (e instanceof InvalidInputError) return [e.message.split(':')[0], ...e.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`)];
  return [e instanceof Error ? e.message : String(e)];
}

/** A failure to listen on `--port`, in words (EADDRINUSE, EACCES); any other error as it is. */
export function listenError(e: unknown, port: number | undefined): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE')
    return new EnvironmentError('PortInUse', `port ${port} on 127.0.0.1 is in use (--port): stop what holds it or choose another port`, {
      cause: e,
    });
  if (code === 'EACCES')
    return new EnvironmentError('PortNotAllowed', `this user may not listen on port ${port} (--port): choose one above 1023`, { cause: e });
  return e;
}
