/**
 * The health metrics as Effect `Metric`s, in the global registry: any app that exports Effect metrics gets
 * them with no setup. Gauges are set on each state change, run counters and durations per run, and the probe
 * request counter with prebuilt labels (an increment, no allocation).
 *
 * @internal
 */
import * as Core from "@stargazer/health-core/metrics"
import type { Endpoint } from "@stargazer/health-core/responses"
import { endpoints } from "@stargazer/health-core/responses"
import type { Gates, State } from "@stargazer/health-core/state"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

/** @internal */
export const check = Metric.gauge(Core.names.check, {
  description: "Whether the check passes for the probe type (1) or fails it (0); stale counts as failing"
})
/** @internal */
export const probe = Metric.gauge(Core.names.probe, {
  description: "The probe's answer: 1 for 200, 0 for 503"
})
/** @internal */
export const runs = Metric.counter(Core.names.runs, {
  description: "Runs of each check, by result",
  incremental: true
})
/** @internal */
export const duration = Metric.histogram(
  Core.names.duration,
  MetricBoundaries.fromIterable(Core.durationBoundaries),
  "How long each run of a check took, in seconds"
)
/** @internal */
export const requests = Metric.counter(Core.names.requests, {
  description: "Probe requests answered, by probe and status code",
  incremental: true
})
/** @internal */
export const transitions = Metric.counter(Core.names.transitions, {
  description: "Changes of a check's condition",
  incremental: true
})

const labels = (record: Readonly<Record<string, string>>) =>
  Object.entries(record).map(([key, value]) => MetricLabel.make(key, value))

/** Sets every gauge to its value in `state`. @internal */
export const setGauges = (state: State, gates: Gates): Effect.Effect<void> =>
  Effect.sync(() => {
    const values = Core.gauges(state, gates)
    for (const gauge of values.checks) check.unsafeUpdate(gauge.value, labels(gauge.labels))
    for (const gauge of values.probes) probe.unsafeUpdate(gauge.value, labels(gauge.labels))
  })

/** Counts one run of check `name`. @internal */
export const recordRun = (
  name: string,
  status: "success" | "failure" | "timeout",
  durationMillis: number
): Effect.Effect<void> =>
  Effect.sync(() => {
    runs.unsafeUpdate(1, labels({ name, status }))
    duration.unsafeUpdate(durationMillis / 1000, labels({ name }))
  })

/** Counts a change of check `name`'s condition. @internal */
export const recordTransition = (name: string, from: string, to: string): Effect.Effect<void> =>
  Effect.sync(() => transitions.unsafeUpdate(1, labels({ name, from, to })))

const codes = [200, 404, 405, 503] as const
const requestLabels = new Map<Endpoint, Map<number, ReadonlyArray<MetricLabel.MetricLabel>>>(
  endpoints.map((endpoint) => [
    endpoint,
    new Map(codes.map((code) => [code, labels({ probe: endpoint.word, code: String(code) })]))
  ])
)

/**
 * Counts a probe request answered with `status`. The labels are built once per probe and code, so that the
 * counter's hook is found by identity and the increment allocates nothing.
 *
 * @internal
 */
export const countRequest = (endpoint: Endpoint, status: number): void => {
  const byCode = requestLabels.get(endpoint)!
  let prebuilt = byCode.get(status)
  if (prebuilt === undefined) {
    prebuilt = labels({ probe: endpoint.word, code: String(status) })
    byCode.set(status, prebuilt)
  }
  requests.unsafeUpdate(1, prebuilt)
}
