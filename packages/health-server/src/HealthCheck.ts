/**
 * Named health checks. Each check is an Effect that succeeds when the dependency is fine; the health server
 * runs every check in its background loop (concurrently, each bounded by its own timeout, never on the probe
 * path) and keeps a per-check state with hysteresis. Redis PING is the built-in check named `redis`.
 *
 * ```ts
 * const DatabaseCheck = HealthCheck.make({
 *   name: "database",
 *   check: Effect.tryPromise(() => pool.query("select 1")),
 *   timeout: "2 seconds"
 * })
 * ```
 *
 * A promise-based check should not pile up work while its dependency hangs: for a Redis, use
 * `RedisClient.makePing(client)`, which sends one PING at a time.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"

/**
 * A named check.
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthCheck {
  /** Unique among the server's checks; letters, digits, `-`, `_` and `.` (it is a URL path segment). */
  readonly name: string
  /**
   * Succeeds when the dependency is fine. Any failure or defect, or running past `timeout`, is a failure; a run
   * that cannot be interrupted (uninterruptible) is not cut off by its timeout and turns the check stale.
   */
  readonly check: Effect.Effect<unknown, unknown>
  /** Bound on each run; default: the server's `pingTimeout`. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Consecutive failures before the check turns unhealthy; default: the server's `failureThreshold`. */
  readonly failureThreshold?: number | undefined
  /** Consecutive successes before an unhealthy check turns healthy; default: the server's `successThreshold`. */
  readonly successThreshold?: number | undefined
}

/**
 * Builds a check. The name and thresholds are validated when the health server starts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: HealthCheck): HealthCheck => ({ ...options })

/**
 * The name of the built-in Redis PING check.
 *
 * @since 0.1.0
 * @category constructors
 */
export const redisCheckName = "redis"

/**
 * Whether `name` can name a check: 1 to 64 letters, digits, `-`, `_` or `.`.
 *
 * @since 0.1.0
 * @category utils
 */
export const isValidName = (name: string): boolean => /^[A-Za-z0-9_.-]{1,64}$/.test(name)
