// Shared by the infra tests: in-process synth with bundling off (no esbuild) and without the
// built-in CloudFormation validation (the `cdk synth` CLI path runs both).
import { Template } from 'aws-cdk-lib/assertions';
import { createRungApp } from '../../infra/rung-app.js';

export function synthRung(context?: Record<string, unknown>) {
  const { app, stack } = createRungApp({ bundling: false, context });
  return { app, stack, template: Template.fromStack(stack) };
}

export type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;

/** The default app's template (cdk.json context), its resources by logical id, and those of one type. */
export function synthResources() {
  const { template } = synthRung();
  const resources = template.toJSON().Resources as Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  return { template, resources, ofType };
}

/** Parses the markdown tables of docs/workflow.md: the backticked first cell of each row, per `## ` section. */
export function contractNames(markdown: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current = '';
  for (const line of markdown.split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      current = heading[1]!.trim();
      sections.set(current, []);
      continue;
    }
    const row = /^\|\s*(?:[├└│]\s*)?`([^`]+)`\s*\|/.exec(line);
    if (row && current) sections.get(current)!.push(row[1]!);
  }
  return sections;
}
