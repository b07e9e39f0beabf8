import { InvalidArgumentError } from 'commander';

/** `--port`: a whole number from 0 to 65535; anything else is bad input (commander prints it, exit 2). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535.');
  return port;
}
