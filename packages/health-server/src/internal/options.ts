/**
 * Resolution and validation of the options given in code: durations decoded, then `core/options` applies
 * the defaults and checks every value. An invalid option fails with `HealthServerOptionsError` naming it.
 *
 * @internal
 */
import type { Settings } from "@stargazer/health-core/options"
import * as Core from "@stargazer/health-core/options"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HealthServer from "../HealthServer.js"
import type { Check } from "./checkLoop.js"
import { HealthServerOptionsError } from "./errors.js"

const millis = (input: Duration.DurationInput | undefined) =>
  input === undefined ? undefined : Duration.toMillis(Duration.decode(input))

/** The settings and the checks to run. @internal */
export interface Resolved {
  readonly settings: Settings
  readonly checks: ReadonlyArray<Check>
}

/**
 * Resolves `options`; each check runs with the services it needs, taken from the context of the caller (the
 * health server being built).
 */
export const resolve = <R>(
  options: HealthServer.StateOptions<R>
): Effect.Effect<Resolved, HealthServerOptionsError, R> =>
  Effect.flatMap(Effect.context<R>(), (context) => {
    const given = options.checks ?? []
    const result = Core.resolve({
      checks: given.map((check) => ({
        name: check.name,
        timeoutMillis: millis(check.timeout),
        failureThreshold: check.failureThreshold,
        successThreshold: check.successThreshold
      })),
      checkIntervalMillis: millis(options.checkInterval),
      checkTimeoutMillis: millis(options.checkTimeout),
      failureThreshold: options.failureThreshold,
      successThreshold: options.successThreshold,
      livenessChecks: options.livenessChecks,
      initialState: options.initialState,
      exposeDetails: options.exposeDetails
    })
    if ("problem" in result) return Effect.fail(new HealthServerOptionsError(result.problem))
    const { settings } = result
    return Effect.succeed({
      settings,
      checks: settings.checks.map((check, i) => ({ settings: check, run: Effect.provide(given[i].check, context) }))
    })
  })
