/**
 * Every change to the health state, as pure transitions independent of Effect: `(settings, state, input)` to
 * the change, which holds the new state and what it says (the log lines, the condition a check left and
 * entered), or `undefined` when nothing changed. Each package keeps the state in its Effect line's
 * `SubscriptionRef` and only applies, publishes, measures and logs the changes. Also the watchdog's sweep.
 */
import type { CheckSettings, Settings } from "./options.js"
import type { Check, State } from "./state.js"
import { condition, derive, initial, markStale } from "./state.js"

/** A log line a change asks for. */
export interface LogLine {
  readonly level: "Info" | "Warning"
  readonly message: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/** A check's condition changed (for the transitions counter). */
export interface Transition {
  readonly name: string
  readonly from: string
  readonly to: string
}

/** A change applied: the new state, the check's transition if any, the lines to log (in order). */
export interface Change {
  readonly state: State
  readonly transition: Transition | undefined
  readonly lines: ReadonlyArray<LogLine>
}

export type Flag = "markedNotReady" | "draining"

/** The state a server starts in: every check healthy and not yet run. */
export const initialState = (settings: Settings): State =>
  initial(settings.checks.map((check) => check.name), settings.gates)

/** `health_state_changed` when the check's condition changed, with why. */
const transitionLines = (before: Check, after: Check, state: State): {
  readonly transition: Transition | undefined
  readonly lines: Array<LogLine>
} => {
  const from = condition(before)
  const to = condition(after)
  if (from === to) return { transition: undefined, lines: [] }
  const annotations = {
    check: after.name,
    from,
    to,
    reason: to === "stale" ? "stale" : after.lastError ?? "recovered",
    live: state.live,
    ready: state.ready
  }
  const line: LogLine = to === "healthy"
    ? { level: "Info", message: "health_state_changed", annotations }
    : {
      level: "Warning",
      message: "health_state_changed",
      annotations: { ...annotations, consecutiveFailures: after.consecutiveFailures }
    }
  return { transition: { name: after.name, from, to }, lines: [line] }
}

/** `f` applied to the check at `index` of `state`, the probes re-derived; `undefined` when nothing changed. */
export const updateCheck = (
  settings: Settings,
  state: State,
  index: number,
  f: (check: Check) => Check
): Change | undefined => {
  const before = state.checks[index]
  const after = f(before)
  if (after === before) return undefined
  const checks = state.checks.slice()
  checks[index] = after
  const next = derive({ ...state, checks }, settings.gates)
  const { lines, transition } = transitionLines(before, after, next)
  // `health_started` once every check has passed once (readiness follows, in initial state `starting`).
  if (!state.started && next.started) {
    lines.push({ level: "Info", message: "health_started", annotations: { live: next.live, ready: next.ready } })
  }
  return { state: next, transition, lines }
}

/** `flag` set to `value` in `state`, logged as `message`; `undefined` when it was already set so. */
export const setFlag = (
  settings: Settings,
  state: State,
  flag: Flag,
  value: boolean,
  message: string
): Change | undefined => {
  if (state[flag] === value) return undefined
  const next = derive({ ...state, [flag]: value }, settings.gates)
  return {
    state: next,
    transition: undefined,
    lines: [{ level: "Info", message, annotations: { from: state.ready, to: next.ready } }]
  }
}

/**
 * Every check of `state` whose last result (or `startedAt`) is older than its staleness bound at `now`, marked
 * stale: the changes in order (each on the state the one before left), and how long until the next check could
 * turn stale.
 */
export const sweep = (settings: Settings, state: State, now: number, startedAt: number): {
  readonly changes: ReadonlyArray<Change>
  readonly nextMillis: number
} => {
  const changes: Array<Change> = []
  let current = state
  let nextMillis = settings.intervalMillis
  settings.checks.forEach((check: CheckSettings, index) => {
    const change = updateCheck(settings, current, index, (status) => {
      // Stale once "longer than" the bound: the first millisecond past it.
      const deadline = (status.lastCheckedAt ?? startedAt) + check.staleAfterMillis + 1
      if (status.stale) return status
      if (now >= deadline) return markStale(status)
      nextMillis = Math.min(nextMillis, deadline - now)
      return status
    })
    if (change !== undefined) {
      changes.push(change)
      current = change.state
    }
  })
  return { changes, nextMillis }
}
