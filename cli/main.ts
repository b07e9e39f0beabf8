#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { InvalidInputError } from '../shared/errors.js';
import { errorBody } from '../functions/api/errors.js';
import { ApiAnswerError, errorEnvelope, errorText, exitCodeOf, exitCodes } from './errors.js';
import { dataFolder } from './data-dir.js';
import { parsePort } from './options.js';
import { loadSpecFile } from './spec-file.js';
import { importanceText, paretoText, plural, studiesTable, trialsTable } from './output.js';
import { retrainAdvice } from '../shared/study/retrain-advice.js';
import { sweepSize } from '../shared/study/retrain.js';
import { creationIssues } from '../shared/study/creation-issues.js';

// The embedded runtime loads aws-cdk-lib to render the state machines: only the commands that
// need it pay for that (validate stays instant).
const connect = async (dataDir: string) => (await import('./connection.js')).connect(dataDir);
const runCommand = async (...args: Parameters<typeof import('./run.js').runCommand>) => (await import('./run.js')).runCommand(...args);
const serveCommand = async (...args: Parameters<typeof import('./serve.js').serveCommand>) =>
  (await import('./serve.js')).serveCommand(...args);

// The AWS SDK warns on every start that it will need Node 22 from 2027; the README says so once.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'NodeVersionSupportWarning' || String(warning).includes('NodeVersionSupportWarning')) return;
  emitWarning(warning as string, ...(rest as []));
}) as typeof process.emitWarning;

// A reader that stops early (`rung export ... | head`) closes the pipe: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Under `--json`, errors are JSON too: the API's envelope, one line on stderr. */
const json = process.argv.includes('--json');

const program = new Command()
  .name('rung')
  .version(version, '-V, --version', "print rung's version")
  .description('Hyperparameter optimization and neural architecture search, on your AWS account or on this machine')
  .showHelpAfterError()
  // A mistyped command or option is bad input (exit 2); the error is JSON under --json.
  .exitOverride()
  .configureOutput({
    outputError: (text, write) =>
      json ? process.stderr.write(`${JSON.stringify(errorBody('InvalidInput', text.trim().replace(/^error: /, '')))}\n`) : write(text),
    // Under --json, the help that follows an error would break the one line of JSON.
    ...(json ? { writeErr: () => undefined } : {}),
  })
  .addHelpText(
    'after',
    `
Exit codes: 0 success, 1 the study, the request or the environment failed (a port in use, a
read-only data folder), 2 bad input (a spec, an option, a --data folder that does not exist).
With --json, the result is JSON on stdout and an error is one line on stderr in the API's error
envelope: {"error":{"code":"InvalidInput","message":"...","details":[{"path":"...","message":"..."}]}}.`,
  );

const dataOption = () => new Option('--data <dir>', 'where the embedded runtime keeps its database, checkpoints and logs').default('.rung');
const jsonOption = (what = 'machine-readable output') =>
  new Option('--json', `${what}; an error is {"error":{"code","message","details"}} on stderr`);

function fail(e: unknown, asJson: boolean): never {
  if (asJson) process.stderr.write(`${JSON.stringify(errorEnvelope(e))}\n`);
  else for (const line of errorText(e)) console.error(line);
  process.exit(exitCodeOf(e));
}

program
  .command('validate')
  .description('check a study spec and print every problem with its path and rule (exit code 2 if any)')
  .argument('<spec>', 'study spec, YAML or JSON')
  .addOption(jsonOption())
  .action(async (file: string, opts: { json?: boolean }) => {
    try {
      const { spec } = await loadSpecFile(file);
      // What `rung run` and `POST /studies` check beyond the schema (budget, history-event limit).
      const issues = creationIssues(spec);
      if (issues.length > 0) throw new InvalidInputError(issues, 'invalid study spec');
      if (opts.json) console.log(JSON.stringify({ valid: true, spec }));
      else {
        const retrain = spec.retrain ? `, then retrains up to ${spec.retrain.topK * sweepSize(spec.retrain.sweep)} from scratch` : '';
        console.log(
          `${file}: valid (${plural(Object.keys(spec.parameters).length, 'parameter')}, ${spec.strategy.scheduler.type}, up to ${plural(spec.limits.maxTrials, 'trial')}${retrain})`,
        );
        const advice = retrainAdvice(spec);
        if (advice) console.error(`note: ${advice}`);
      }
    } catch (e) {
      // The verdict is the command's result (stdout); the error follows as for any command.
      if (opts.json && e instanceof InvalidInputError) console.log(JSON.stringify({ valid: false, issues: e.issues }));
      fail(e, Boolean(opts.json));
    }
  });

program
  .command('estimate')
  .description("forecast a study's cost before launch: every planned job, seconds per resource unit, instance prices")
  .argument('<spec>', 'study spec, YAML or JSON')
  .option('--seconds-per-resource <seconds>', 'seconds one resource unit (epoch) takes; default: trial.secondsPerResource', (v) =>
    Number(v),
  )
  .addOption(jsonOption())
  .action(async (file: string, opts: { secondsPerResource?: number; json?: boolean }) => {
    try {
      process.exitCode = await (await import('./estimate.js')).estimateCommand(file, opts);
    } catch (e) {
      fail(e, Boolean(opts.json));
    }
  });

program
  .command('run')
  .description('run a study end to end on the embedded runtime (no AWS account needed)')
  .argument('<spec>', 'study spec, YAML or JSON')
  .addOption(dataOption())
  .option('--port <port>', 'port of the local API (default: any free port)', parsePort)
  .addOption(jsonOption('print the finished study as JSON instead of tables'))
  .action(async (file: string, opts: { data: string; port?: number; json?: boolean }) => {
    try {
      process.exitCode = await runCommand(file, opts);
    } catch (e) {
      fail(e, Boolean(opts.json));
    }
  });

program
  .command('serve')
  .description('serve the REST API on 127.0.0.1 and run the studies it receives on the embedded runtime')
  .addOption(dataOption())
  .option('--port <port>', 'port to listen on', parsePort, 8787)
  .action(async (opts: { data: string; port: number }) => {
    try {
      await serveCommand(opts);
    } catch (e) {
      fail(e, json);
    }
  });

program
  .command('dashboard')
  .description("open the deployed dashboard: a proxy on 127.0.0.1 that signs the browser's requests (SigV4) with your AWS credentials")
  .requiredOption('--api <url>', "the stack's ApiUrl output (https://{id}.execute-api.{region}.amazonaws.com/v1)")
  .option('--region <region>', 'region of the API (default: from the URL)')
  .option('--profile <profile>', 'AWS profile to sign with (default: the SDK default chain)')
  .option('--port <port>', 'port to listen on', parsePort, 8788)
  .option(
    '--id-token <jwt>',
    'a stack with rung:auth = cognito: your Cognito ID token, sent instead of a signature (default: $RUNG_ID_TOKEN)',
  )
  .action(async (opts: { api: string; region?: string; profile?: string; port: number; idToken?: string }) => {
    try {
      await (await import('./dashboard-proxy.js')).dashboardCommand(opts);
    } catch (e) {
      fail(e, json);
    }
  });

/**
 * Runs a read command against the local API: `get(route)` answers the body of a 200 and throws
 * the API's error message otherwise; errors end the process with the right exit code.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers are JSON of many shapes; each command reads the fields it prints
async function withApi(opts: { data: string; json?: boolean }, read: (get: (route: string) => Promise<any>) => Promise<void>) {
  await withConnection(opts.data, Boolean(opts.json), (api) =>
    read(async (route) => {
      const res = await api.request('GET', route);
      if (res.status !== 200) throw new ApiAnswerError(res.status, res.body);
      return res.body;
    }),
  );
}

/** Opens the API on an existing data folder (a missing one is bad input), runs `use`, ends on any error with its exit code. */
async function withConnection(data: string, asJson: boolean, use: (api: Awaited<ReturnType<typeof connect>>) => Promise<void>) {
  let api: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    api = await connect(dataFolder(data, 'existing'));
    await use(api);
  } catch (e) {
    await api?.close().catch(() => undefined);
    fail(e, asJson);
  }
  await api.close();
}

program
  .command('status')
  .description('list studies, or show one study')
  .argument('[studyId]')
  .addOption(dataOption())
  .addOption(jsonOption())
  .action((studyId: string | undefined, opts: { data: string; json?: boolean }) =>
    withApi(opts, async (get) => {
      const body = await get(studyId ? `/studies/${encodeURIComponent(studyId)}` : '/studies?limit=100');
      if (opts.json) console.log(JSON.stringify(body));
      else if (studyId) {
        const s = body;
        console.log(`${s.studyId}  ${s.name}  ${s.state}`);
        console.log(
          `trials: ${
            Object.entries(s.trialCounts ?? {})
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || 'none yet'
          }`,
        );
        if (s.best)
          console.log(
            `best: trial ${s.best.trialId} ${s.spec.objective.metric}=${s.best.value} at ${s.best.resource} ${s.spec.strategy.scheduler.resource}`,
          );
        if (s.utilization) console.log(`workers busy: ${Math.round(s.utilization.busyFraction * 100)}% of the time`);
        if (s.error) console.log(`error: ${s.error}`);
      } else console.log(studiesTable(body.items));
    }),
  );

program
  .command('importance')
  .description('what mattered in a study: the importance of each parameter, and the mean objective of each choice')
  .argument('<studyId>')
  .addOption(dataOption())
  .addOption(jsonOption())
  .action((studyId: string, opts: { data: string; json?: boolean }) =>
    withApi(opts, async (get) => {
      const body = await get(`/studies/${encodeURIComponent(studyId)}/importance`);
      console.log(opts.json ? JSON.stringify(body) : importanceText(body));
    }),
  );

program
  .command('pareto')
  .description(
    "a study's Pareto front over its objectives (the best trial for one objective), its hypervolume, and the dominated and infeasible trials",
  )
  .argument('<studyId>')
  .addOption(dataOption())
  .addOption(jsonOption())
  .action((studyId: string, opts: { data: string; json?: boolean }) =>
    withApi(opts, async (get) => {
      const body = await get(`/studies/${encodeURIComponent(studyId)}/pareto`);
      console.log(opts.json ? JSON.stringify(body) : paretoText(body));
    }),
  );

program
  .command('trials')
  .description("list a study's trials")
  .argument('<studyId>')
  .addOption(dataOption())
  .addOption(jsonOption())
  .action((studyId: string, opts: { data: string; json?: boolean }) =>
    withApi(opts, async (get) => {
      const study = await get(`/studies/${encodeURIComponent(studyId)}`);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows of several listings, printed as they come
      const items: any[] = [];
      let nextToken: string | undefined;
      do {
        const page = await get(
          `/studies/${encodeURIComponent(studyId)}/trials?limit=100${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`,
        );
        items.push(...page.items);
        nextToken = page.nextToken;
      } while (nextToken);
      console.log(opts.json ? JSON.stringify(items) : trialsTable(items, study.spec.objective.metric));
    }),
  );

program
  .command('report')
  .description('write a self-contained HTML report of a study: charts as inline SVG, best trials, parameter importance')
  .argument('<studyId>')
  .addOption(dataOption())
  .option('--out <file>', 'where to write the report', 'report.html')
  .action((studyId: string, opts: { data: string; out: string }) =>
    withConnection(opts.data, json, async (api) => {
      const { loadStudyData, reportFor } = await import('./report.js');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(opts.out, reportFor(await loadStudyData(api, studyId)));
      console.log(`wrote ${opts.out}`);
    }),
  );

program
  .command('export')
  .description("export a study's trials as CSV (a column per parameter) or JSON lines (with measurements)")
  .argument('<studyId>')
  .addOption(dataOption())
  .addOption(new Option('--format <format>', 'csv or jsonl').choices(['csv', 'jsonl']).default('csv'))
  .option('--out <file>', 'write to a file instead of standard output')
  .action((studyId: string, opts: { data: string; format: 'csv' | 'jsonl'; out?: string }) =>
    withConnection(opts.data, json, async (api) => {
      const { loadStudyData } = await import('./report.js');
      const { trialsCsv, trialsJsonl } = await import('./export.js');
      const data = await loadStudyData(api, studyId);
      const text = opts.format === 'csv' ? trialsCsv(data) : trialsJsonl(data);
      if (opts.out) (await import('node:fs')).writeFileSync(opts.out, text);
      else process.stdout.write(text);
    }),
  );

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has printed its message (and the help); --help and --version end here too, with 0.
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? exitCodes.ok : exitCodes.invalid);
  fail(e, json);
}
