#!/usr/bin/env node
// Entry of the CDK app (cdk.json: `npx tsx infra/app.ts`). Synthesis fails on any cdk-nag
// AwsSolutions finding that is not acknowledged in code with a reason.
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createRungApp } from './rung-app.js';

const { app } = createRungApp();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
