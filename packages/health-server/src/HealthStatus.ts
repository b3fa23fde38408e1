/**
 * The health state as the application reads it (`HealthServer.status`, `HealthServer.changes`).
 *
 * Each check starts healthy, turns unhealthy exactly at its `failureThreshold`-th consecutive failure and
 * healthy again at its `successThreshold`-th consecutive success (hysteresis), so a transient blip never fails
 * a probe. A check whose results have stopped coming is `stale` and counts as failing. The probes:
 *
 * - liveness (`/healthz`, `/livez`): every liveness check healthy, and no check stale;
 * - readiness (`/readyz`): every check healthy and not stale, not marked not ready, not draining, and (initial
 *   state `starting`) every check has passed once;
 * - startup (`/startupz`): every check has passed once since start (then it stays so).
 *
 * @since 0.1.0
 */
import type * as Core from "@stargazer/health-core/state"
import type * as DateTime from "effect/DateTime"
import type * as Duration from "effect/Duration"
import type * as Option from "effect/Option"

/**
 * The state of one check: `name`, `healthy`, `stale` (no result for longer than the staleness bound: failing
 * for every probe), `passedOnce`, the consecutive failures and successes, and the times and reason below.
 *
 * @since 0.1.0
 * @category models
 */
export interface CheckStatus
  extends Omit<Core.Check, "lastCheckedAt" | "lastSuccessAt" | "lastDurationMillis" | "lastError" | "details">
{
  /** When the last run ended (success or failure); `None` before the first one. */
  readonly lastCheckedAt: Option.Option<DateTime.Utc>
  readonly lastSuccessAt: Option.Option<DateTime.Utc>
  /** How long the last run took (a timed-out run: the timeout). */
  readonly lastDuration: Option.Option<Duration.Duration>
  /** The reason of the most recent failure of the current failure streak; `None` after a success. */
  readonly lastError: Option.Option<string>
  /** What the last run reported besides its outcome (see `HealthCheck.details`). */
  readonly details: Option.Option<Core.Details>
}

/**
 * The whole cached state: the probe answers (`live`, `ready`, `started`), the flags (`markedNotReady`,
 * `draining`) and every check, in the order they were given (`redis` first under `HealthServerLive` and `Runner.layer`).
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthStatus extends Omit<Core.State, "checks"> {
  readonly checks: ReadonlyArray<CheckStatus>
}
