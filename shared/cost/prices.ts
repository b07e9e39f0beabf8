/**
 * Hourly prices of the EC2 instance types a study may train on, for cost forecasts and for the
 * cost recorded on each trial. Edit this table for your region and discounts: it is plain data,
 * dated, and nothing else in rung hard-codes a price.
 *
 * On-demand: the Linux list price in us-east-1. Spot: a typical recent Spot price in us-east-1
 * (Spot prices move daily; take the figure as an estimate, not a bill).
 */
export const pricesAsOf = '2025-06-01';
export const pricesRegion = 'us-east-1';

export interface InstancePrice {
  /** USD per hour, on demand. */
  onDemand: number;
  /** USD per hour, Spot (typical). */
  spot: number;
}

export const instancePrices: Readonly<Record<string, InstancePrice>> = {
  'g4dn.xlarge': { onDemand: 0.526, spot: 0.2 },
  'g4dn.2xlarge': { onDemand: 0.752, spot: 0.3 },
  'g5.xlarge': { onDemand: 1.006, spot: 0.42 },
  'g5.2xlarge': { onDemand: 1.212, spot: 0.5 },
  'g5.4xlarge': { onDemand: 1.624, spot: 0.65 },
  'g5.12xlarge': { onDemand: 5.672, spot: 2.2 },
  'g5.48xlarge': { onDemand: 16.288, spot: 6.5 },
  'g6.xlarge': { onDemand: 0.805, spot: 0.36 },
  'g6.2xlarge': { onDemand: 0.978, spot: 0.42 },
  'g6.12xlarge': { onDemand: 4.602, spot: 1.9 },
  'g6e.xlarge': { onDemand: 1.861, spot: 0.8 },
  'g6e.2xlarge': { onDemand: 2.242, spot: 0.95 },
  'p3.2xlarge': { onDemand: 3.06, spot: 1.1 },
  'p4d.24xlarge': { onDemand: 32.773, spot: 13.0 },
  'p5.48xlarge': { onDemand: 55.04, spot: 25.0 },
};

/** The instance types of the stack when a spec names none (infra/settings.ts DEFAULT_SETTINGS). */
export const defaultInstanceTypes: readonly string[] = ['g5.xlarge', 'g6.xlarge'];
