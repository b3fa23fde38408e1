/**
 * Named health checks. Each check is an Effect that succeeds when the dependency is fine; the health server
 * runs every check in its background loop (concurrently, each bounded by its own timeout, never on the probe
 * path) and keeps a per-check state with hysteresis. A check may need services of the application (`R`): the
 * health server that runs it then needs them too, and runs the check with them. `RedisClient.healthCheck` is the
 * check named `redis`, over the `RedisClient` in context.
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
import * as options from "@stargazer/health-core/options"
import * as state from "@stargazer/health-core/state"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"

/**
 * A named check, whose effect needs the services `R` (none by default).
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthCheck<R = never> {
  /** Unique among the server's checks; letters, digits, `-`, `_` and `.` (it is a URL path segment). */
  readonly name: string
  /**
   * Succeeds when the dependency is fine. Any failure or defect, or running past `timeout`, is a failure; a run
   * that cannot be interrupted (uninterruptible) is not cut off by its timeout and turns the check stale.
   */
  readonly check: Effect.Effect<unknown, unknown, R>
  /** Bound on each run; default: the server's `checkTimeout`. */
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
export const make = <R = never>(options: HealthCheck<R>): HealthCheck<R> => ({ ...options })

/**
 * The name of the check over a `RedisClient` (`RedisClient.healthCheck`, `/readyz/redis`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const redisCheckName: "redis" = options.redisCheckName

/**
 * Facts a check reports with its outcome (e.g. a Redis Cluster's `cluster_state` and slot counts): shown in
 * the JSON body of the probes, and in `?verbose` when details are exposed.
 *
 * @since 0.1.0
 * @category models
 */
export type Details = state.Details

/**
 * A success value that reports `details`: `check: Effect.as(query, HealthCheck.details({ rows: 3 }))`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const details: (details: Details) => unknown = state.withDetails
