/**
 * The health metrics, independent of Effect: their names, and the gauges' values for a state. Named in the
 * manner of Kubernetes' `/metrics/slis` (`kubernetes_healthcheck{name,type}`).
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | `health_check` | gauge, 0/1 | `name` (check), `type` (`liveness`, `readiness`, `startup`) |
 * | `health_probe` | gauge, 0/1 | `type` |
 * | `health_checks_total` | counter | `name`, `status` (`success`, `failure`, `timeout`) |
 * | `health_check_duration_seconds` | histogram | `name` |
 * | `health_probe_requests_total` | counter | `probe` (`healthz`, `livez`, `readyz`, `startupz`), `code` |
 * | `health_check_transitions_total` | counter | `name`, `from`, `to` (`healthy`, `unhealthy`, `stale`) |
 */
import type { Gates, Probe, State } from "./state.js"
import { evaluate } from "./state.js"

export const names = {
  check: "health_check",
  probe: "health_probe",
  runs: "health_checks_total",
  duration: "health_check_duration_seconds",
  requests: "health_probe_requests_total",
  transitions: "health_check_transitions_total"
} as const

export const probes: ReadonlyArray<Probe> = ["liveness", "readiness", "startup"]

/** Bucket bounds of the run durations, in seconds: from a loopback PING to a timed-out run. */
export const durationBoundaries: ReadonlyArray<number> = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10
]

export interface GaugeValue {
  readonly labels: Readonly<Record<string, string>>
  readonly value: 0 | 1
}

/**
 * Every gauge's value in `state`: per check, its condition in each probe it gates (all of them for readiness
 * and startup, the liveness checks for liveness; stale counts as failing), and each probe's answer. The flags
 * (marked not ready, draining) show in `health_probe` only: they are not a check's condition.
 */
export const gauges = (state: State, gates: Gates): {
  readonly checks: ReadonlyArray<GaugeValue>
  readonly probes: ReadonlyArray<GaugeValue>
} => {
  const checks: Array<GaugeValue> = []
  const alone = { markedNotReady: false, draining: false }
  for (const check of state.checks) {
    for (const type of probes) {
      if (type === "liveness" && !gates.liveness.has(check.name)) continue
      const pass = evaluate({ ...alone, checks: [check] }, type, gates).pass
      checks.push({ labels: { name: check.name, type }, value: pass ? 1 : 0 })
    }
  }
  const answers = { liveness: state.live, readiness: state.ready, startup: state.started }
  return {
    checks,
    probes: probes.map((type) => ({ labels: { type }, value: answers[type] ? 1 : 0 }))
  }
}
