/**
 * The messages of the library's errors, independent of Effect: each Effect line's error classes carry the same
 * fields and word their `message` with these, so that both lines say the same thing.
 */

/** Why the probe server could not listen: `address already in use` for `EADDRINUSE`, else the cause's message. */
export const listenFailure = (host: string, port: number, cause: unknown): string => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined
  const why = code === "EADDRINUSE"
    ? "address already in use"
    : cause instanceof Error
    ? cause.message
    : String(cause)
  return `Health server cannot listen on ${host}:${port}: ${why}`
}

/** An option that cannot be used, naming the environment variable it was read from when it was. */
export const invalidOption = (option: string, problem: string, variable?: string | undefined): string => {
  const source = variable === undefined ? "" : ` (${variable})`
  return `Invalid health server option ${option}${source}: ${problem}`
}

/** A failed run of the `redis` check. */
export const redisCheckFailed = (reason: string): string => `Redis check failed: ${reason}`

/** A Redis client option that cannot be used (`problem` never holds its value when that may hold a password). */
export const invalidRedisOption = (option: string, problem: string): string =>
  `Invalid Redis client option ${option}: ${problem}`
