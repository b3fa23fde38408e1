/**
 * Option resolution and validation, independent of Effect: defaults applied, every value checked, each
 * problem naming the option it is about. Durations arrive in milliseconds.
 */
import type { Gates } from "./state.js"
import { staleAfterMillis } from "./state.js"

/** The name of the check a `RedisClient` adds. */
export const redisCheckName = "redis"

/** Whether `name` can name a check: 1 to 64 letters, digits, `-`, `_` or `.` (a URL path segment). */
export const isValidCheckName = (name: string): boolean => /^[A-Za-z0-9_.-]{1,64}$/.test(name)

export const defaults = {
  checkIntervalMillis: 5_000,
  checkTimeoutMillis: 1_000,
  failureThreshold: 3,
  successThreshold: 1,
  initialState: "healthy",
  exposeDetails: false,
  host: "127.0.0.1",
  port: 9090,
  shutdownDelayMillis: 0,
  stopTimeoutMillis: 10_000
} as const

export interface CheckInput {
  readonly name: string
  readonly timeoutMillis?: number | undefined
  readonly failureThreshold?: number | undefined
  readonly successThreshold?: number | undefined
}

export interface Input {
  readonly checks: ReadonlyArray<CheckInput>
  readonly checkIntervalMillis?: number | undefined
  readonly checkTimeoutMillis?: number | undefined
  readonly failureThreshold?: number | undefined
  readonly successThreshold?: number | undefined
  readonly livenessChecks?: ReadonlyArray<string> | undefined
  readonly initialState?: "healthy" | "starting" | undefined
  readonly exposeDetails?: boolean | undefined
}

export interface CheckSettings {
  readonly name: string
  readonly timeoutMillis: number
  readonly failureThreshold: number
  readonly successThreshold: number
  readonly staleAfterMillis: number
}

/** Everything the state, the loop and the routes need, resolved. */
export interface Settings {
  readonly intervalMillis: number
  readonly checks: ReadonlyArray<CheckSettings>
  readonly gates: Gates
  readonly exposeDetails: boolean
}

/** What is wrong with which option. */
export interface OptionProblem {
  readonly option: string
  readonly problem: string
}

class Invalid {
  constructor(readonly problem: OptionProblem) {}
}

const threshold = (option: string, value: number): number => {
  if (Number.isInteger(value) && value >= 1) return value
  throw new Invalid({ option, problem: `must be an integer >= 1, got ${value}` })
}

const positive = (option: string, millis: number): number => {
  if (millis > 0) return millis
  throw new Invalid({ option, problem: "must be greater than zero" })
}

const resolveUnsafe = (input: Input): Settings => {
  const intervalMillis = positive("checkInterval", input.checkIntervalMillis ?? defaults.checkIntervalMillis)
  const timeoutMillis = positive("checkTimeout", input.checkTimeoutMillis ?? defaults.checkTimeoutMillis)
  const failureThreshold = threshold("failureThreshold", input.failureThreshold ?? defaults.failureThreshold)
  const successThreshold = threshold("successThreshold", input.successThreshold ?? defaults.successThreshold)
  const checks: Array<CheckSettings> = []
  for (const check of input.checks) {
    const option = `checks[${check.name}]`
    if (!isValidCheckName(check.name)) {
      throw new Invalid({ option, problem: "a check name is 1 to 64 letters, digits, '-', '_' or '.'" })
    }
    if (checks.some((other) => other.name === check.name)) {
      throw new Invalid({ option, problem: "two checks have this name" })
    }
    const checkTimeout = positive(`${option}.timeout`, check.timeoutMillis ?? timeoutMillis)
    checks.push({
      name: check.name,
      timeoutMillis: checkTimeout,
      failureThreshold: threshold(`${option}.failureThreshold`, check.failureThreshold ?? failureThreshold),
      successThreshold: threshold(`${option}.successThreshold`, check.successThreshold ?? successThreshold),
      staleAfterMillis: staleAfterMillis(intervalMillis, checkTimeout)
    })
  }
  const names = new Set(checks.map((check) => check.name))
  const liveness = input.livenessChecks ?? defaultLivenessChecks([...names])
  for (const name of liveness) {
    if (!names.has(name)) {
      throw new Invalid({
        option: "livenessChecks",
        problem: `no check is named "${name}" (the checks are: ${[...names].join(", ") || "none"})`
      })
    }
  }
  return {
    intervalMillis,
    checks,
    gates: { liveness: new Set(liveness), initialState: input.initialState ?? defaults.initialState },
    exposeDetails: input.exposeDetails ?? defaults.exposeDetails
  }
}

/** The checks that gate liveness when none are named: `redis`, when there is such a check. */
export const defaultLivenessChecks = (names: ReadonlyArray<string>): ReadonlyArray<string> =>
  names.includes(redisCheckName) ? [redisCheckName] : []

/** Resolves `input`, or says what is wrong with the first invalid option. */
export const resolve = (input: Input): { readonly settings: Settings } | { readonly problem: OptionProblem } => {
  try {
    return { settings: resolveUnsafe(input) }
  } catch (error) {
    if (error instanceof Invalid) return { problem: error.problem }
    throw error
  }
}

/**
 * What the probe routes need of the settings besides the state, in a form any `HealthState` can carry: which
 * checks gate liveness, whether readiness waits for every check to pass once, whether failure reasons and
 * details are shown.
 */
export interface ProbeSettings {
  readonly livenessChecks: ReadonlyArray<string>
  readonly initialState: "healthy" | "starting"
  readonly exposeDetails: boolean
}

/** The probe settings of resolved `settings`. */
export const probeSettings = (settings: Settings): ProbeSettings => ({
  livenessChecks: [...settings.gates.liveness],
  initialState: settings.gates.initialState,
  exposeDetails: settings.exposeDetails
})

/** What the responses read of the settings. */
export type AnswerSettings = Pick<Settings, "gates" | "exposeDetails">

const answerSettingsCache = new WeakMap<ProbeSettings, AnswerSettings>()

/**
 * The answer settings of `probe` (converted once per settings object), or, for a state that carries none (a test
 * double), the library's defaults over its `checks`: `redis` gates liveness when there is such a check, readiness
 * follows the state, details withheld.
 */
export const answerSettings = (
  probe: ProbeSettings | undefined,
  checks: ReadonlyArray<{ readonly name: string }>
): AnswerSettings => {
  if (probe === undefined) {
    return {
      gates: {
        liveness: new Set(defaultLivenessChecks(checks.map((check) => check.name))),
        initialState: defaults.initialState
      },
      exposeDetails: defaults.exposeDetails
    }
  }
  let settings = answerSettingsCache.get(probe)
  if (settings === undefined) {
    settings = {
      gates: { liveness: new Set(probe.livenessChecks), initialState: probe.initialState },
      exposeDetails: probe.exposeDetails
    }
    answerSettingsCache.set(probe, settings)
  }
  return settings
}
