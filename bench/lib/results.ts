/** The rounds' figures, and what the report says of them: medians, ratios to baseline, differences. */
import type { LongChecks } from "./long.js"
import type { Figures } from "./measure.js"
import type { Summary } from "./stats.js"
import { summarize } from "./stats.js"

export type Metric = keyof Figures

export interface Round {
  readonly round: number
  /** The order the servers ran in. */
  readonly order: ReadonlyArray<string>
  readonly figures: Readonly<Record<string, Figures>>
}

export interface Results {
  readonly mode: "full" | "quick"
  readonly startedAt: string
  readonly durationSeconds: number
  readonly machine: Readonly<Record<string, string>>
  readonly versions: Readonly<Record<string, string>>
  readonly settings: Readonly<Record<string, string>>
  readonly servers: ReadonlyArray<{ readonly name: string; readonly file: string; readonly description: string }>
  readonly rounds: ReadonlyArray<Round>
  /** By server (`longCheckServers`). */
  readonly long: Readonly<Record<string, LongChecks>>
}

export const reference = "baseline"

/** `metric` of `server` over the rounds. */
export const over = (results: Results, server: string, metric: Metric): Summary | undefined =>
  summarize(results.rounds.map((round) => round.figures[server]?.[metric]))

/** `metric` of `server` divided by that of `other` in the same round, over the rounds. */
export const relative = (results: Results, server: string, other: string, metric: Metric): Summary | undefined =>
  summarize(results.rounds.map((round) => {
    const value = round.figures[server]?.[metric]
    const base = round.figures[other]?.[metric]
    return value === undefined || base === undefined || base === 0 ? undefined : value / base
  }))

/** `metric` of `server` divided by baseline's in the same round, over the rounds. */
export const ratio = (results: Results, server: string, metric: Metric): Summary | undefined =>
  relative(results, server, reference, metric)

/** `numerator / denominator` of `server` per round, over the rounds. */
export const within = (results: Results, server: string, numerator: Metric, denominator: Metric) =>
  summarize(results.rounds.map((round) => {
    const figures = round.figures[server]
    const a = figures?.[numerator]
    const b = figures?.[denominator]
    return a === undefined || b === undefined || b === 0 ? undefined : a / b
  }))

/** `metric` of `server` minus that of `other` in the same round, over the rounds. */
export const added = (results: Results, server: string, other: string, metric: Metric): Summary | undefined =>
  summarize(results.rounds.map((round) => {
    const a = round.figures[server]?.[metric]
    const b = round.figures[other]?.[metric]
    return a === undefined || b === undefined ? undefined : a - b
  }))

/** Every summary of every server, for results.json. */
export const summaries = (results: Results) =>
  Object.fromEntries(results.servers.map(({ name }) => {
    const metrics = [...new Set(results.rounds.flatMap((round) => Object.keys(round.figures[name] ?? {})))] as Array<
      Metric
    >
    return [name, {
      medians: Object.fromEntries(metrics.map((metric) => [metric, over(results, name, metric)])),
      ratiosToBaseline: Object.fromEntries(metrics.map((metric) => [metric, ratio(results, name, metric)]))
    }]
  }))
