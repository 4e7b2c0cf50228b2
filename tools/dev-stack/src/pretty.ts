import { prettyFactory } from 'pino-pretty';

/** Nest's own start-up chatter (modules loaded, each route mapped): some 80 lines per start. */
const NEST_BOOT_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestMicroservice',
  'NestApplication',
]);

/**
 * Turns each process's JSON log lines into pino-pretty's one-line form (time, level, the Nest
 * context, the message; error stacks and extra fields below it), prefixed with the process name.
 * Lines that are not JSON objects (the gateway's "listening on", a crash trace) pass through. Nest's
 * start-up chatter at info is left out unless `verbose` (LOG_LEVEL debug or trace); the launcher
 * still keeps it among each process's last lines.
 */
export function prettyLines(options: { colorize: boolean; verbose?: boolean }): (name: string, line: string) => string | undefined {
  const pretty = prettyFactory({
    colorize: options.colorize,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,service,version,context',
    messageFormat: '{if context}{context}: {end}{msg}',
    singleLine: true,
  });
  return (name, line) => {
    const prefix = `[${name}]`.padEnd(11);
    if (!line.startsWith('{')) return `${prefix}${line}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return `${prefix}${line}`;
    }
    if (typeof parsed !== 'object' || parsed === null) return `${prefix}${line}`;
    const { level, context } = parsed as { level?: unknown; context?: unknown };
    if (!options.verbose && typeof level === 'number' && level <= 30 && typeof context === 'string' && NEST_BOOT_CONTEXTS.has(context)) {
      return undefined;
    }
    return pretty(parsed)
      .trimEnd()
      .split('\n')
      .map((part, index) => (index === 0 ? `${prefix}${part}` : `${' '.repeat(prefix.length)}${part}`))
      .join('\n');
  };
}
