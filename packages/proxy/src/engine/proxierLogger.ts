/** A structured logger (pino's shape), as the proxier and its helpers log. */
export interface ProxierLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: ProxierLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
