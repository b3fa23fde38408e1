/**
 * The messages of the library's errors, independent of Effect: each Effect line's error classes carry the same
 * fields and word their `message` with these, so that both lines say the same thing. Each message is one line
 * that names what to change: the environment variable when the value came from the environment, else the option.
 */

/** What a failed `listen` says, as the fields of the health server's error. */
export interface ListenFault {
  /** The system error's code (`EADDRINUSE`, `EACCES`, `ENOTFOUND`, ...), when it has one. */
  readonly code?: string | undefined
  /** Why, in words: `address already in use` for `EADDRINUSE`, the system error's message for a rarer code. */
  readonly reason: string
  /** The option to change: `port` for a port in use or not allowed, `host` for any other failure. */
  readonly option: "host" | "port"
}

/** The fields of the health server's error: where it tried to listen, what failed, and what to change. */
export interface ListenFailureFields extends ListenFault {
  readonly host: string
  readonly port: number
  /** The environment variable `option` was read from, when it was. */
  readonly variable?: string | undefined
}

/** The fields of an option's error: which option, what is wrong with it, and the variable it came from. */
export interface OptionFields {
  /** The option, e.g. `checkInterval`, `checks[db].failureThreshold`, `cluster.nodes[1].port`. */
  readonly option: string
  /** What is wrong with it; never its value when that may hold a password. */
  readonly problem: string
  /** The environment variable the option was read from, when it was. */
  readonly variable?: string | undefined
}

/** The fields of the Redis client's option error. */
export interface RedisOptionFields extends OptionFields {
  /** `InvalidUrl`: `url` is not a Redis URL; `InvalidOption`: another option cannot be used. */
  readonly reason: "InvalidUrl" | "InvalidOption"
  readonly cause?: unknown
}

const portCodes: ReadonlySet<string> = new Set(["EADDRINUSE", "EACCES"])

/** The system's words for the codes `listen` fails with most, without the address Node repeats after them. */
const reasons: Readonly<Record<string, string>> = {
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available",
  EACCES: "permission denied",
  ENOTFOUND: "host not found"
}

/** The fields of the health server's error from what `listen` failed with. */
export const listenFault = (cause: unknown): ListenFault => {
  const code = typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined
  const reason = (code === undefined ? undefined : reasons[code]) ??
    (cause instanceof Error ? cause.message : String(cause))
  return { code, reason, option: code !== undefined && portCodes.has(code) ? "port" : "host" }
}

/** What to set, and to what, after a failed `listen`. */
const listenAdvice = (fault: ListenFault, setting: string): string => {
  switch (fault.code) {
    case "EADDRINUSE":
      return `set ${setting} to a free port, or 0 for any`
    case "EACCES":
      return `set ${setting} to a port this process may bind (1024 or above without privileges)`
    default:
      return fault.option === "port"
        ? `check ${setting}`
        : `set ${setting} to an address of this machine (127.0.0.1, or 0.0.0.0 for every interface)`
  }
}

/**
 * Why the probe server could not listen and what to change, e.g. `Health server cannot listen on
 * 127.0.0.1:9090: address already in use; set SG_HEALTH_PORT to a free port, or 0 for any`.
 */
export const listenFailure = (
  host: string,
  port: number,
  fault: ListenFault,
  variable?: string | undefined
): string =>
  `Health server cannot listen on ${host}:${port}: ${fault.reason}; ${
    listenAdvice(fault, variable ?? `the option ${fault.option}`)
  }`

/**
 * An option that cannot be used: `Invalid SG_HEALTH_PORT: ...` when it was read from an environment variable,
 * `Invalid health server option port: ...` otherwise.
 */
export const invalidOption = (option: string, problem: string, variable?: string | undefined): string =>
  variable === undefined ? `Invalid health server option ${option}: ${problem}` : `Invalid ${variable}: ${problem}`

/** A failed run of the `redis` check. */
export const redisCheckFailed = (reason: string): string => `Redis check failed: ${reason}`

/**
 * A Redis client option that cannot be used (`problem` never holds its value when that may hold a password):
 * `Invalid REDIS_URL: ...` when it was read from an environment variable.
 */
export const invalidRedisOption = (option: string, problem: string, variable?: string | undefined): string =>
  variable === undefined ? `Invalid Redis client option ${option}: ${problem}` : `Invalid ${variable}: ${problem}`

/**
 * Gives `error` a stack of its first line only. The library's errors are about what a user gave it (an option, a
 * variable, a port): a stack of the library's and Effect's internal frames tells them nothing, and Effect's
 * printers show a stack under the message.
 */
export const withoutStack = <E extends Error>(error: E): E => {
  error.stack = `${error.name}: ${error.message}`
  return error
}
