/**
 * The one current health state and every change to it, independent of Effect: each change is applied at once
 * and returned with what it says (the log lines, the condition a check left and entered), so that each
 * package's Effect code only publishes, measures and logs it. Also the staleness sweep of the watchdog.
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

export interface Store {
  readonly settings: Settings
  /** The current state: a plain read, for the probe path. */
  readonly current: () => State
  /** Applies `f` to the check at `index` and re-derives the probes; `undefined` when nothing changed. */
  readonly updateCheck: (index: number, f: (check: Check) => Check) => Change | undefined
  /** Sets a flag, logged as `message`; `undefined` when it was already set so. */
  readonly setFlag: (flag: Flag, value: boolean, message: string) => Change | undefined
  /**
   * Marks stale every check whose last result (or `startedAt`) is older than its staleness bound, at `now`;
   * returns the changes and how long until the next check could turn stale.
   */
  readonly sweep: (now: number, startedAt: number) => {
    readonly changes: ReadonlyArray<Change>
    readonly nextMillis: number
  }
}

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

/** Creates the store, every check healthy and not yet run. */
export const make = (settings: Settings): Store => {
  const { gates } = settings
  let current = initial(settings.checks.map((check) => check.name), gates)

  const updateCheck = (index: number, f: (check: Check) => Check): Change | undefined => {
    const before = current.checks[index]
    const after = f(before)
    if (after === before) return undefined
    const checks = current.checks.slice()
    checks[index] = after
    const previous = current
    current = derive({ ...current, checks }, gates)
    const { lines, transition } = transitionLines(before, after, current)
    // `health_started` once every check has passed once (readiness follows, in initial state `starting`).
    if (!previous.started && current.started) {
      lines.push({
        level: "Info",
        message: "health_started",
        annotations: { live: current.live, ready: current.ready }
      })
    }
    return { state: current, transition, lines }
  }

  const setFlag = (flag: Flag, value: boolean, message: string): Change | undefined => {
    if (current[flag] === value) return undefined
    const from = current.ready
    current = derive({ ...current, [flag]: value }, gates)
    return {
      state: current,
      transition: undefined,
      lines: [{ level: "Info", message, annotations: { from, to: current.ready } }]
    }
  }

  const sweep = (now: number, startedAt: number) => {
    const changes: Array<Change> = []
    let nextMillis = settings.intervalMillis
    settings.checks.forEach((check: CheckSettings, index) => {
      const change = updateCheck(index, (status) => {
        // Stale once "longer than" the bound: the first millisecond past it.
        const deadline = (status.lastCheckedAt ?? startedAt) + check.staleAfterMillis + 1
        if (status.stale) return status
        if (now >= deadline) return markStale(status)
        nextMillis = Math.min(nextMillis, deadline - now)
        return status
      })
      if (change !== undefined) changes.push(change)
    })
    return { changes, nextMillis }
  }

  return { settings, current: () => current, updateCheck, setFlag, sweep }
}
