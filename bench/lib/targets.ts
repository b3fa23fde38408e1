/**
 * The targets, each PASS or FAIL (or not run), for each package of the library: standalone (stargazer,
 * stargazer-effect4) and inside an app (effect-app+health over effect-app, effect4-app+health over effect4-app).
 */
import type { LongChecks } from "./long.js"
import { health } from "./options.js"
import type { Metric, Results } from "./results.js"
import { added, over, ratio, within } from "./results.js"
import type { Summary } from "./stats.js"

export interface Target {
  readonly subject: string
  readonly target: string
  readonly threshold: string
  /** What was measured, as text. */
  readonly measured: string
  /** undefined: not measured in this run. */
  readonly pass: boolean | undefined
}

/** Slack for the 2 ms polling on either side of "reconnected → first 200". */
export const recoverySlackMs = 25
/** RSS growth over the long freeze still counted as none (page-granular RSS, GC timing). */
export const freezeGrowthToleranceMiB = 1

const detectionMinMs = (health.failureThreshold - 1) * health.pingIntervalMs
const detectionMaxMs = health.failureThreshold * (health.pingIntervalMs + health.pingTimeoutMs)

const times = (summary: Summary) => `${summary.median.toFixed(2)}×`
const range = (summary: Summary, unit: string, digits = 0) =>
  summary.count > 1
    ? `${summary.min.toFixed(digits)}–${summary.max.toFixed(digits)} ${unit}`
    : `${summary.min.toFixed(digits)} ${unit}`

const check = (
  subject: string,
  target: string,
  threshold: string,
  summary: Summary | undefined,
  measured: (summary: Summary) => string,
  pass: (summary: Summary) => boolean
): Target =>
  summary === undefined
    ? { subject, target, threshold, measured: "not measured", pass: undefined }
    : { subject, target, threshold, measured: measured(summary), pass: pass(summary) }

const ratioAtLeast = (results: Results, subject: string, metric: Metric, target: string, limit: number) =>
  check(subject, target, `≥ ${limit}× baseline`, ratio(results, subject, metric), times, (s) => s.median >= limit)

const ratioAtMost = (results: Results, subject: string, metric: Metric, target: string, limit: number) =>
  check(subject, target, `≤ ${limit}× baseline`, ratio(results, subject, metric), times, (s) => s.median <= limit)

/** The Redis targets, which apply to any server of the library. */
const redisTargets = (results: Results, subject: string): Array<Target> => [
  check(
    subject,
    "PINGs caused by probes",
    "0 (every round)",
    over(results, subject, "probePings"),
    (s) => `max ${s.max}`,
    (s) => s.max === 0
  ),
  check(
    subject,
    "Redis killed → first 503",
    `${detectionMinMs}–${detectionMaxMs} ms (every round)`,
    over(results, subject, "detectionMs"),
    (s) => range(s, "ms"),
    (s) => s.min >= detectionMinMs && s.max <= detectionMaxMs
  ),
  check(
    subject,
    "client reconnected → first 200",
    `≤ ${health.pingIntervalMs} ms (+${recoverySlackMs} ms polling slack, every round)`,
    over(results, subject, "afterReconnectMs"),
    (s) => range(s, "ms"),
    (s) => s.max <= health.pingIntervalMs + recoverySlackMs
  ),
  check(
    subject,
    "p99 while Redis is frozen",
    "≤ 1.3× its own healthy p99 at 50 connections",
    within(results, subject, "frozenP99Ms", "p99at50Ms"),
    times,
    (s) => s.median <= 1.3
  )
]

/** The targets of a library server run standalone, against baseline. */
const standaloneTargets = (results: Results, subject: string): Array<Target> => [
  ratioAtLeast(results, subject, "rps50", "requests/s at 50 connections", 0.9),
  ratioAtLeast(results, subject, "rps1", "requests/s at 1 connection", 0.9),
  ratioAtMost(results, subject, "cpuPerRequest50Us", "CPU time per request (50 connections)", 1.2),
  ratioAtMost(results, subject, "p99at50Ms", "p99 latency at 50 connections", 1.3),
  ratioAtMost(results, subject, "idleRssMiB", "idle RSS (standalone)", 1.5),
  ratioAtMost(results, subject, "startupMs", "spawn → first 200 (standalone)", 2),
  ...redisTargets(results, subject)
]

/** The long checks' targets; "not run" for a server they did not run for. */
const longTargets = (subject: string, long: LongChecks | undefined): Array<Target> => {
  const millionTarget = "RSS after 1,000,000 probes vs after 100,000"
  const million = long?.million
  const freeze = long?.freeze
  return [
    million === undefined
      ? {
        subject,
        target: millionTarget,
        threshold: "within 5 MiB",
        measured: long === undefined ? "not run (no long checks for it)" : "not run (full run only)",
        pass: undefined
      }
      : {
        subject,
        target: millionTarget,
        threshold: "within 5 MiB",
        measured: `${million.rssAfterFirstMiB.toFixed(1)} → ${million.rssAfterTotalMiB.toFixed(1)} MiB (${
          million.differenceMiB >= 0 ? "+" : ""
        }${million.differenceMiB.toFixed(1)})`,
        pass: Math.abs(million.differenceMiB) <= 5
      },
    freeze === undefined
      ? {
        subject,
        target: "RSS growth over a long Redis freeze",
        threshold: `none (≤ ${freezeGrowthToleranceMiB} MiB)`,
        measured: "not run (no long checks for it)",
        pass: undefined
      }
      : {
        subject,
        target: `RSS growth over a ${freeze.seconds} s Redis freeze`,
        threshold: `none (≤ ${freezeGrowthToleranceMiB} MiB)`,
        measured: `${freeze.rssBeforeMiB.toFixed(1)} → ${freeze.rssEndMiB.toFixed(1)} MiB (max ${
          freeze.rssMaxMiB.toFixed(1)
        })`,
        pass: freeze.growthMiB <= freezeGrowthToleranceMiB
      }
  ]
}

/** The targets of the health server built into an app (`subject`), against the app alone (`app`). */
const appTargets = (results: Results, subject: string, app: string): Array<Target> => [
  check(
    subject,
    `RSS added to ${app}`,
    "≤ 5 MiB",
    added(results, subject, app, "idleRssMiB"),
    (s) => `${s.median.toFixed(1)} MiB`,
    (s) => s.median <= 5
  ),
  check(
    subject,
    `start-up added to ${app}`,
    "≤ 50 ms",
    added(results, subject, app, "startupMs"),
    (s) => `${s.median.toFixed(0)} ms`,
    (s) => s.median <= 50
  ),
  ...redisTargets(results, subject)
]

/**
 * The library's servers, per package: standalone, and the app with the health server over the app alone (the
 * targets) and over the app with an ioredis client of its own (shown beside them).
 */
export const packages = [
  {
    label: "@stargazer/health-server (Effect 3)",
    standalone: "stargazer",
    app: "effect-app",
    appWithRedis: "effect-app+ioredis",
    appHealth: "effect-app+health"
  },
  {
    label: "@stargazer/health-server-effect4 (Effect 4)",
    standalone: "stargazer-effect4",
    app: "effect4-app",
    appWithRedis: "effect4-app+ioredis",
    appHealth: "effect4-app+health"
  }
] as const

/** Every target, package by package: standalone, then inside the app. */
export const evaluate = (results: Results): Array<Target> =>
  packages.flatMap(({ app, appHealth, standalone }) => [
    ...standaloneTargets(results, standalone),
    ...longTargets(standalone, results.long[standalone]),
    ...appTargets(results, appHealth, app)
  ])
