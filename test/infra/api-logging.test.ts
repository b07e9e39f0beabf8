import { describe, expect, it } from 'vitest';
import { synthRung, type Resources } from './synth.js';

/** The stage's execution-log level and whether the stack rewrites the account's API Gateway settings. */
function apiLogging(context?: Record<string, unknown>) {
  const resources = synthRung(context).template.toJSON().Resources as Resources;
  const stage = Object.values(resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!;
  const settings = (stage.Properties.MethodSettings ?? []) as { LoggingLevel?: string }[];
  return {
    loggingLevel: settings.find((m) => m.LoggingLevel)?.LoggingLevel,
    accounts: Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Account'),
  };
}

describe('API Gateway execution logs (rung:apiExecutionLogs)', () => {
  it('leaves the region-wide API Gateway account setting alone by default: no AWS::ApiGateway::Account, execution logs off', () => {
    // Act
    const { loggingLevel, accounts } = apiLogging();

    // Assess
    expect(accounts).toEqual([]);
    expect(loggingLevel ?? 'OFF').toBe('OFF');
  });

  it('logs errors without creating the account role when the account already has one (account)', () => {
    // Act
    const { loggingLevel, accounts } = apiLogging({ 'rung:apiExecutionLogs': 'account' });

    // Assess
    expect(accounts).toEqual([]);
    expect(loggingLevel).toBe('ERROR');
  });

  it('creates the account role only when asked (create), and says CloudFormation keeps it', () => {
    // Act
    const { loggingLevel, accounts } = apiLogging({ 'rung:apiExecutionLogs': 'create' });

    // Assess
    expect(loggingLevel).toBe('ERROR');
    expect(accounts).toHaveLength(1);
    expect(accounts[0]!.DeletionPolicy).toBe('Retain');
  });

  it('refuses an unknown value with the key and the allowed values', () => {
    // Act / Assess
    expect(() => synthRung({ 'rung:apiExecutionLogs': 'yes' })).toThrow(/rung:apiExecutionLogs must be off, account or create, got "yes"/);
  });
});
