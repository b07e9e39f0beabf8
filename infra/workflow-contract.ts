/**
 * Names from docs/workflow.md that the synthesized state machines must carry: the embedded
 * runtime overrides Task states by name, and the job environment is the job contract.
 * This file holds constants only, so that any part of the project may import it.
 */

export const STUDY_MACHINE_STATES = {
  plan: 'Plan',
  useLanes: 'UseLanes',
  runLanes: 'RunLanes',
  runLane: 'RunLane',
  replan: 'Replan',
  runBrackets: 'RunBrackets',
  runBracket: 'RunBracket',
  planRetrain: 'PlanRetrain',
  runRetrain: 'RunRetrain',
  retrainBracket: 'RetrainBracket',
  finalize: 'Finalize',
  markFailed: 'MarkFailed',
  studyFailed: 'StudyFailed',
  studyDone: 'StudyDone',
} as const;

export const BRACKET_MACHINE_STATES = {
  suggest: 'Suggest',
  isBracketDone: 'IsBracketDone',
  runRung: 'RunRung',
  startTrial: 'StartTrial',
  shouldTrain: 'ShouldTrain',
  trainTrial: 'TrainTrial',
  observe: 'Observe',
  trialSkipped: 'TrialSkipped',
  promote: 'Promote',
  bracketDone: 'BracketDone',
} as const;

export const LANE_MACHINE_STATES = {
  nextJob: 'NextJob',
  hasJob: 'HasJob',
  trainTrial: 'TrainTrial',
  observeJob: 'ObserveJob',
  laneDone: 'LaneDone',
} as const;

/** Environment of every training job, in the order of the contract table; each value is a string. */
export { jobEnvNames as JOB_ENVIRONMENT, type JobEnvName as JobEnvironmentName } from '../shared/study/job-environment.js';

/** Logical ids of the resources the embedded runtime looks for in the synthesized template. */
export const LOGICAL_IDS = {
  studyMachine: 'StudyMachine',
  bracketMachine: 'BracketMachine',
  laneMachine: 'LaneMachine',
  jobDefinition: 'TrainingJobDefinition',
  jobQueue: 'TrainingJobQueue',
} as const;
