/**
 * The health metrics as Effect `Metric`s, in the registry of the fiber that records them (the default, global
 * one unless the application provides its own): any app that exports Effect metrics gets them with no setup.
 * Gauges are set on each state change, run counters and durations per run, and the probe request counter from
 * counters prebuilt per probe and status code (an increment, no allocation).
 *
 * @internal
 */
import * as Core from "@stargazer/health-core/metrics"
import type { Endpoint } from "@stargazer/health-core/responses"
import { endpoints } from "@stargazer/health-core/responses"
import type { Gates, State } from "@stargazer/health-core/state"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"

const descriptions = {
  check: "Whether the check passes for the probe type (1) or fails it (0); stale counts as failing",
  probe: "The probe's answer: 1 for 200, 0 for 503",
  runs: "Runs of each check, by result",
  duration: "How long each run of a check took, in seconds",
  requests: "Probe requests answered, by probe and status code",
  transitions: "Changes of a check's condition"
} as const

/** @internal */
export const check: Metric.Gauge<number> = Metric.gauge(Core.names.check, { description: descriptions.check })
/** @internal */
export const probe: Metric.Gauge<number> = Metric.gauge(Core.names.probe, { description: descriptions.probe })
/** @internal */
export const runs: Metric.Counter<number> = Metric.counter(Core.names.runs, {
  description: descriptions.runs,
  incremental: true
})
/** @internal */
export const duration: Metric.Histogram<number> = Metric.histogram(Core.names.duration, {
  description: descriptions.duration,
  boundaries: Metric.boundariesFromIterable(Core.durationBoundaries)
})
/** @internal */
export const requests: Metric.Counter<number> = Metric.counter(Core.names.requests, {
  description: descriptions.requests,
  incremental: true
})
/** @internal */
export const transitions: Metric.Counter<number> = Metric.counter(Core.names.transitions, {
  description: descriptions.transitions,
  incremental: true
})

/** Sets every gauge to its value in `state`. @internal */
export const setGauges = (state: State, gates: Gates): Effect.Effect<void> =>
  Effect.contextWith((context: Context.Context<never>) => {
    const values = Core.gauges(state, gates)
    for (const gauge of values.checks) Metric.withAttributes(check, gauge.labels).updateUnsafe(gauge.value, context)
    for (const gauge of values.probes) Metric.withAttributes(probe, gauge.labels).updateUnsafe(gauge.value, context)
    return Effect.void
  })

/** Counts one run of check `name`. @internal */
export const recordRun = (
  name: string,
  status: "success" | "failure" | "timeout",
  durationMillis: number
): Effect.Effect<void> =>
  Effect.contextWith((context: Context.Context<never>) => {
    Metric.withAttributes(runs, { name, status }).updateUnsafe(1, context)
    Metric.withAttributes(duration, { name }).updateUnsafe(durationMillis / 1000, context)
    return Effect.void
  })

/** Counts a change of check `name`'s condition. @internal */
export const recordTransition = (name: string, from: string, to: string): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(transitions, { name, from, to }), 1)

/**
 * The request counter of one probe and status code: a counter of its own with the attributes fixed, so that an
 * increment finds its series by a cached key and allocates nothing.
 */
const requestCounter = (endpoint: Endpoint, code: number): Metric.Counter<number> =>
  Metric.counter(Core.names.requests, {
    description: descriptions.requests,
    incremental: true,
    attributes: { probe: endpoint.word, code: String(code) }
  })

const codes = [200, 404, 405, 503] as const
const requestCounters = new Map<Endpoint, Map<number, Metric.Counter<number>>>(
  endpoints.map((endpoint) => [endpoint, new Map(codes.map((code) => [code, requestCounter(endpoint, code)]))])
)

/** The context the synchronous request counter records in: the default (global) metric registry. */
const defaultContext = Context.empty()

/**
 * Counts a probe request answered with `status`, synchronously, in the default (global) metric registry (the
 * one `Prometheus.layer` and `@effect/opentelemetry` read unless the application provides another). The
 * counters are built once per probe and code, so the increment allocates nothing.
 *
 * @internal
 */
export const countRequest = (endpoint: Endpoint, status: number): void => {
  const byCode = requestCounters.get(endpoint)!
  let counter = byCode.get(status)
  if (counter === undefined) {
    counter = requestCounter(endpoint, status)
    byCode.set(status, counter)
  }
  counter.updateUnsafe(1, defaultContext)
}
