/**
 * Every environment variable the library reads, parsed and validated in one place, independent of Effect: the
 * health server's options (`SG_HEALTH_*`), the Redis topology (`REDIS_*`) and what the runner reads. Each
 * package reads the raw strings through its own Effect `Config` (so a `ConfigProvider` still decides where they
 * come from) and turns a `Problem` into an error naming the variable: the option's error where a layer reads the
 * environment (`HealthServerLive`, `RedisClientLive`, the runner), a `ConfigError` from the public `Config`s.
 */
import type { OptionFields, RedisOptionFields } from "./errors.js"
import { defaults, isValidCheckName } from "./options.js"
import { isRedisUrl } from "./redis.js"
import type { Address } from "./redisTopology.js"
import { defaultSentinelName, defaultUrl, parseAddressList } from "./redisTopology.js"

/** The value of a variable, `undefined` when it is not set. */
export type Lookup = (variable: string) => string | undefined

/** A variable whose value cannot be used, and why. */
export interface Problem {
  readonly variable: Variable
  readonly message: string
}

export type Result<A> = { readonly value: A } | { readonly problem: Problem }

class Invalid {
  constructor(readonly problem: Problem) {}
}

const attempt = <A>(read: () => A): Result<A> => {
  try {
    return { value: read() }
  } catch (error) {
    if (error instanceof Invalid) return { problem: error.problem }
    throw error
  }
}

const fail = (variable: Variable, message: string): never => {
  throw new Invalid({ variable, message })
}

/** Every variable any reader below looks up, for adapters that read them all at once. */
export const variables = [
  "SG_HEALTH_PORT",
  "SG_HEALTH_HOST",
  "SG_HEALTH_CHECK_INTERVAL",
  "SG_HEALTH_PING_INTERVAL",
  "SG_HEALTH_CHECK_TIMEOUT",
  "SG_HEALTH_PING_TIMEOUT",
  "SG_HEALTH_FAILURE_THRESHOLD",
  "SG_HEALTH_SUCCESS_THRESHOLD",
  "SG_HEALTH_LIVENESS_CHECKS",
  "SG_HEALTH_INITIAL_STATE",
  "SG_HEALTH_EXPOSE_DETAILS",
  "SG_HEALTH_SHUTDOWN_DELAY",
  "SG_HEALTH_STOP_TIMEOUT",
  "SG_HEALTH_METRICS",
  "SG_HEALTH_ENABLED",
  "REDIS_URL",
  "REDIS_CLUSTER_NODES",
  "REDIS_SENTINELS",
  "REDIS_SENTINEL_NAME",
  "REDIS_PASSWORD"
] as const

export type Variable = typeof variables[number]

/**
 * The option each variable gives: the health server's (`port`), the runner's (`stopTimeout`, `enabled`) or, for
 * `REDIS_*`, the Redis client's (`cluster.nodes`).
 */
export const optionOf: Readonly<Record<Variable, string>> = {
  SG_HEALTH_PORT: "port",
  SG_HEALTH_HOST: "host",
  SG_HEALTH_CHECK_INTERVAL: "checkInterval",
  SG_HEALTH_PING_INTERVAL: "checkInterval",
  SG_HEALTH_CHECK_TIMEOUT: "checkTimeout",
  SG_HEALTH_PING_TIMEOUT: "checkTimeout",
  SG_HEALTH_FAILURE_THRESHOLD: "failureThreshold",
  SG_HEALTH_SUCCESS_THRESHOLD: "successThreshold",
  SG_HEALTH_LIVENESS_CHECKS: "livenessChecks",
  SG_HEALTH_INITIAL_STATE: "initialState",
  SG_HEALTH_EXPOSE_DETAILS: "exposeDetails",
  SG_HEALTH_SHUTDOWN_DELAY: "shutdownDelay",
  SG_HEALTH_STOP_TIMEOUT: "stopTimeout",
  SG_HEALTH_METRICS: "metrics",
  SG_HEALTH_ENABLED: "enabled",
  REDIS_URL: "url",
  REDIS_CLUSTER_NODES: "cluster.nodes",
  REDIS_SENTINELS: "sentinel.sentinels",
  REDIS_SENTINEL_NAME: "sentinel.name",
  REDIS_PASSWORD: "password"
}

/** A problem as the fields of the error of the option the variable gives. */
export const optionFields = (problem: Problem): OptionFields => ({
  option: optionOf[problem.variable],
  problem: problem.message,
  variable: problem.variable
})

/** A problem with a `REDIS_*` variable as the fields of the Redis client's option error. */
export const redisOptionFields = (problem: Problem): RedisOptionFields => ({
  reason: problem.variable === "REDIS_URL" ? "InvalidUrl" : "InvalidOption",
  ...optionFields(problem)
})

/** The variable each option of the health server's address is read from. */
export const addressVariables = { host: "SG_HEALTH_HOST", port: "SG_HEALTH_PORT" } as const

const units: Readonly<Record<string, number>> = {
  nano: 1e-6,
  micro: 1e-3,
  milli: 1,
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000
}

/**
 * Milliseconds from a duration as Effect's `Duration` reads one from text (`500 millis`, `5 seconds`,
 * `1.5 minutes`), or `undefined`.
 */
export const parseDurationMillis = (text: string): number | undefined => {
  const match = /^(-?\d+(?:\.\d+)?)\s+(nano|micro|milli|second|minute|hour|day|week)s?$/.exec(text.trim())
  return match === null ? undefined : Number(match[1]) * units[match[2]]
}

/** Whether a variable's value means true or false, as Effect's `Config.boolean` reads it; `undefined` otherwise. */
export const parseBoolean = (text: string): boolean | undefined => {
  switch (text.trim().toLowerCase()) {
    case "true":
    case "yes":
    case "on":
    case "1":
      return true
    case "false":
    case "no":
    case "off":
    case "0":
      return false
    default:
      return undefined
  }
}

const integer = (lookup: Lookup, variable: Variable, valid: (n: number) => boolean, expected: string) => {
  const text = lookup(variable)
  if (text === undefined) return undefined
  const value = /^\s*[-+]?\d+\s*$/.test(text) ? Number(text) : Number.NaN
  return Number.isInteger(value) && valid(value) ? value : fail(variable, `${expected}, got ${JSON.stringify(text)}`)
}

const duration = (lookup: Lookup, variable: Variable, valid: (millis: number) => boolean, expected: string) => {
  const text = lookup(variable)
  if (text === undefined) return undefined
  const millis = parseDurationMillis(text)
  return millis !== undefined && valid(millis)
    ? millis
    : fail(variable, `${expected} (e.g. "500 millis" or "5 seconds"), got ${JSON.stringify(text)}`)
}

/** A duration greater than zero from `variable`, or from its `former` name when `variable` is not set. */
const positiveDuration = (lookup: Lookup, variable: Variable, former?: Variable) => {
  const name = former !== undefined && lookup(variable) === undefined ? former : variable
  return duration(lookup, name, (millis) => millis > 0, "Expected a duration greater than zero")
}

const boolean = (lookup: Lookup, variable: Variable): boolean | undefined => {
  const text = lookup(variable)
  if (text === undefined) return undefined
  return parseBoolean(text) ?? fail(variable, `Expected true or false, got ${JSON.stringify(text)}`)
}

const commaList = (list: string): Array<string> =>
  list.split(",").map((name) => name.trim()).filter((name) => name !== "")

/** The health server's options from `SG_HEALTH_*`, defaults where a variable is not set; durations in millis. */
export interface HealthOptions {
  readonly port: number
  readonly host: string
  readonly checkIntervalMillis: number
  readonly checkTimeoutMillis: number
  readonly failureThreshold: number
  readonly successThreshold: number
  readonly livenessChecks: ReadonlyArray<string>
  readonly initialState: "healthy" | "starting"
  readonly exposeDetails: boolean
  readonly shutdownDelayMillis: number
  /** Whether `/metrics` (the Prometheus endpoint) is served: `SG_HEALTH_METRICS`. */
  readonly metrics: boolean
}

const shutdownDelay = (lookup: Lookup): number =>
  duration(lookup, "SG_HEALTH_SHUTDOWN_DELAY", (millis) => millis >= 0, "Expected a duration") ??
    defaults.shutdownDelayMillis

const atLeastOne = (lookup: Lookup, variable: Variable): number | undefined =>
  integer(lookup, variable, (n) => n >= 1, "Expected an integer >= 1")

/** The variable behind each option that can only be checked against the checks, not on its own. */
export const variableOf: Readonly<Record<string, string>> = { livenessChecks: "SG_HEALTH_LIVENESS_CHECKS" }

export const health = (lookup: Lookup): Result<HealthOptions> =>
  attempt(() => {
    // An empty host counts as unset.
    const host = lookup("SG_HEALTH_HOST")?.trim() || undefined
    const liveness = lookup("SG_HEALTH_LIVENESS_CHECKS")
    if (liveness !== undefined && liveness.trim() !== "none" && !commaList(liveness).every(isValidCheckName)) {
      fail("SG_HEALTH_LIVENESS_CHECKS", "Expected a comma-separated list of check names")
    }
    const initialState = lookup("SG_HEALTH_INITIAL_STATE")
    if (initialState !== undefined && initialState !== "healthy" && initialState !== "starting") {
      fail("SG_HEALTH_INITIAL_STATE", `Expected healthy or starting, got ${JSON.stringify(initialState)}`)
    }
    return {
      port: integer(
        lookup,
        "SG_HEALTH_PORT",
        (port) => port >= 0 && port <= 65535,
        "Expected a port: an integer from 0 (any free port) to 65535"
      ) ?? defaults.port,
      host: host ?? defaults.host,
      checkIntervalMillis: positiveDuration(lookup, "SG_HEALTH_CHECK_INTERVAL", "SG_HEALTH_PING_INTERVAL") ??
        defaults.checkIntervalMillis,
      checkTimeoutMillis: positiveDuration(lookup, "SG_HEALTH_CHECK_TIMEOUT", "SG_HEALTH_PING_TIMEOUT") ??
        defaults.checkTimeoutMillis,
      failureThreshold: atLeastOne(lookup, "SG_HEALTH_FAILURE_THRESHOLD") ?? defaults.failureThreshold,
      successThreshold: atLeastOne(lookup, "SG_HEALTH_SUCCESS_THRESHOLD") ?? defaults.successThreshold,
      // `none`, or empty (the Effect 4 package reads a variable its ConfigProvider sees as empty as "").
      livenessChecks: liveness === undefined ? ["redis"] : liveness.trim() === "none" ? [] : commaList(liveness),
      initialState: (initialState as HealthOptions["initialState"] | undefined) ?? defaults.initialState,
      exposeDetails: boolean(lookup, "SG_HEALTH_EXPOSE_DETAILS") ?? defaults.exposeDetails,
      shutdownDelayMillis: shutdownDelay(lookup),
      metrics: boolean(lookup, "SG_HEALTH_METRICS") ?? false
    }
  })

/** What the runner reads: the readiness delay before the drain, and the bound on the layers' release. */
export interface ShutdownOptions {
  readonly shutdownDelayMillis: number
  readonly stopTimeoutMillis: number
}

export const shutdown = (lookup: Lookup): Result<ShutdownOptions> =>
  attempt(() => ({
    shutdownDelayMillis: shutdownDelay(lookup),
    stopTimeoutMillis: positiveDuration(lookup, "SG_HEALTH_STOP_TIMEOUT") ?? defaults.stopTimeoutMillis
  }))

/** Whether the runner starts the health server at all: `SG_HEALTH_ENABLED`, true by default. */
export const enabled = (lookup: Lookup): Result<boolean> => attempt(() => boolean(lookup, "SG_HEALTH_ENABLED") ?? true)

/** The Redis the library connects to: one topology, and the password when `REDIS_PASSWORD` is set. */
export type RedisOptions =
  & { readonly password?: string }
  & (
    | { readonly url: string }
    | { readonly cluster: { readonly nodes: ReadonlyArray<Address> } }
    | { readonly sentinel: { readonly sentinels: ReadonlyArray<Address>; readonly name: string } }
  )

const addressList = (lookup: Lookup, variable: Variable): ReadonlyArray<Address> | undefined => {
  const list = lookup(variable)
  if (list === undefined) return undefined
  const parsed = parseAddressList(list)
  return typeof parsed === "string" ? fail(variable, parsed) : parsed
}

/**
 * One topology among `REDIS_URL`, `REDIS_CLUSTER_NODES` and `REDIS_SENTINELS` (with `REDIS_SENTINEL_NAME`), a
 * single server at the default URL when none is set; `REDIS_PASSWORD`. No message repeats a value: a URL or a
 * list can hold a password.
 */
export const redis = (lookup: Lookup): Result<RedisOptions> =>
  attempt((): RedisOptions => {
    const url = lookup("REDIS_URL")
    if (url !== undefined && !isRedisUrl(url)) fail("REDIS_URL", "Expected a redis:// or rediss:// URL")
    const cluster = addressList(lookup, "REDIS_CLUSTER_NODES")
    const sentinels = addressList(lookup, "REDIS_SENTINELS")
    const set = ([["REDIS_URL", url], ["REDIS_CLUSTER_NODES", cluster], ["REDIS_SENTINELS", sentinels]] as const)
      .filter(([, value]) => value !== undefined)
      .map(([variable]) => variable)
    if (set.length > 1) {
      const problem = `Expected one Redis topology, got ${set.join(" and ")}`
      fail(set[1], `${problem}: set only one of REDIS_URL, REDIS_CLUSTER_NODES and REDIS_SENTINELS`)
    }
    const password = lookup("REDIS_PASSWORD")
    const common = password === undefined ? {} : { password }
    if (cluster !== undefined) return { ...common, cluster: { nodes: cluster } }
    if (sentinels !== undefined) {
      const name = lookup("REDIS_SENTINEL_NAME") ?? defaultSentinelName
      if (name.trim() === "") fail("REDIS_SENTINEL_NAME", "Expected the name the sentinels monitor")
      return { ...common, sentinel: { sentinels, name } }
    }
    return { ...common, url: url ?? defaultUrl }
  })
