/** A structured logger (pino's shape); the router logs one line per failure, with the route. */
export interface IngressLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  error?(obj: Record<string, unknown>, msg: string): void;
  info?(obj: Record<string, unknown>, msg: string): void;
}
