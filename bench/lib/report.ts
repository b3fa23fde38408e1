/** results.md: the tables, the targets with PASS/FAIL, the machine, the versions and the settings. */
import type { LongChecks } from "./long.js"
import type { Metric, Results } from "./results.js"
import { added, over, ratio, reference, relative, within } from "./results.js"
import type { Summary } from "./stats.js"
import type { Target } from "./targets.js"
import { packages } from "./targets.js"

const number = (value: number): string => {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** Median, then [min–max] when there was more than one round. */
const cell = (summary: Summary | undefined, format: (value: number) => string = number): string =>
  summary === undefined
    ? "–"
    : summary.count > 1
    ? `${format(summary.median)} [${format(summary.min)}–${format(summary.max)}]`
    : format(summary.median)

const times = (value: number) => `${value.toFixed(2)}×`

/** A markdown table; the first column left-aligned, the others right-aligned if `numeric`. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, numeric = true): string =>
  [
    `| ${header.join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 || !numeric ? "---" : "--:")).join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`)
  ].join("\n")

/** A table of servers (those with probes, unless `all`), one column per metric, ×baseline where asked. */
const serverTable = (
  results: Results,
  columns: ReadonlyArray<{ readonly title: string; readonly metric: Metric; readonly ratio?: boolean }>,
  all = false
): string =>
  table(
    ["server", ...columns.flatMap((column) => (column.ratio ? [column.title, "× baseline"] : [column.title]))],
    results.servers
      .filter(({ name }) => all || over(results, name, columns[0].metric) !== undefined)
      .map(({ name }) => [
        name,
        ...columns.flatMap((column) => {
          const value = cell(over(results, name, column.metric))
          return column.ratio ? [value, cell(ratio(results, name, column.metric), times)] : [value]
        })
      ])
  )

const targetsTable = (targets: ReadonlyArray<Target>): string =>
  table(
    ["subject", "target", "threshold", "measured", "result"],
    targets.map((target) => [
      target.subject,
      target.target,
      target.threshold,
      target.measured,
      target.pass === undefined ? "not run" : target.pass ? "**PASS**" : "**FAIL**"
    ]),
    false
  )

const list = (record: Readonly<Record<string, string>>): string =>
  Object.entries(record).map(([key, value]) => `- ${key}: ${value}`).join("\n")

const warnings = (results: Results): Array<string> =>
  results.servers.flatMap(({ name }) => {
    const errors = over(results, name, "healthyErrors")
    return errors !== undefined && errors.max > 0
      ? [`- ${name}: ${errors.max} non-2xx responses or socket errors in a healthy load (expected 0)`]
      : []
  })

/** The Effect 4 package beside the Effect 3 one: each one's figure, and the per-round ratio of the two. */
const sideBySide = (results: Results): string => {
  const [v3, v4] = packages
  const rows: ReadonlyArray<
    { readonly title: string; readonly server: "standalone" | "appHealth"; readonly metric: Metric }
  > = [
    { title: "req/s at 50 connections", server: "standalone", metric: "rps50" },
    { title: "p99 ms at 50 connections", server: "standalone", metric: "p99at50Ms" },
    { title: "CPU µs/req at 50 connections", server: "standalone", metric: "cpuPerRequest50Us" },
    { title: "req/s at 1 connection", server: "standalone", metric: "rps1" },
    { title: "idle RSS MiB", server: "standalone", metric: "idleRssMiB" },
    { title: "RSS after load MiB", server: "standalone", metric: "loadRssMiB" },
    { title: "spawn → first 200 ms", server: "standalone", metric: "startupMs" },
    { title: "p99 ms at 50 connections, Redis frozen", server: "standalone", metric: "frozenP99Ms" },
    { title: "killed → first 5xx ms", server: "standalone", metric: "detectionMs" },
    { title: "restarted → first 200 ms", server: "standalone", metric: "recoveryMs" },
    { title: "in the app: req/s at 50 connections", server: "appHealth", metric: "rps50" },
    { title: "in the app: idle RSS MiB", server: "appHealth", metric: "idleRssMiB" },
    { title: "in the app: spawn → first 200 ms", server: "appHealth", metric: "startupMs" }
  ]
  return table(
    ["figure", `${v3.standalone} / ${v3.appHealth}`, `${v4.standalone} / ${v4.appHealth}`, "Effect 4 ÷ Effect 3"],
    rows.map(({ metric, server, title }) => [
      title,
      cell(over(results, v3[server], metric)),
      cell(over(results, v4[server], metric)),
      cell(relative(results, v4[server], v3[server], metric), times)
    ])
  )
}

/** Each package's app alone, with its own ioredis client, with the health server, and the differences. */
const appTable = (results: Results): string =>
  table(
    ["", "idle RSS MiB", "spawn → first 200 ms"],
    packages.flatMap(({ app, appHealth, appWithRedis }) => [
      ...[app, appWithRedis, appHealth].map((
        name
      ) => [name, cell(over(results, name, "idleRssMiB")), cell(over(results, name, "startupMs"))]),
      ...[app, appWithRedis].map((reference) => [
        `added (per-round difference, ${appHealth} − ${reference})`,
        cell(added(results, appHealth, reference, "idleRssMiB")),
        cell(added(results, appHealth, reference, "startupMs"))
      ])
    ])
  )

const freezeText = ({ freeze }: LongChecks): string =>
  `RSS ${freeze.rssBeforeMiB.toFixed(1)} → ${freeze.rssEndMiB.toFixed(1)} MiB (max ${
    freeze.rssMaxMiB.toFixed(1)
  }); ${freeze.probes} probes, slowest ${
    freeze.probeMaxMs.toFixed(1)
  } ms; PINGs executed from the freeze to the first 200 after it: ${freeze.pingsAtThaw}`

const millionText = ({ million }: LongChecks): string =>
  million === undefined
    ? "not run (full run only)"
    : `RSS ${million.rssAfterFirstMiB.toFixed(1)} MiB after ${million.firstRequests.toLocaleString("en-US")}, ${
      million.rssAfterTotalMiB.toFixed(1)
    } MiB after ${million.totalRequests.toLocaleString("en-US")}`

/** The long checks, a row of each per server they ran for. */
const longTable = (results: Results): string =>
  table(
    ["server", "check", "result"],
    Object.entries(results.long).flatMap(([name, long]) => [
      [name, "1,000,000 probes at 50 connections", millionText(long)],
      [name, `then Redis frozen ${long.freeze.seconds} s (RSS each second, a probe every 100 ms)`, freezeText(long)]
    ]),
    false
  )

export const markdown = (results: Results, targets: ReadonlyArray<Target>): string => {
  const rounds = results.rounds.length
  const aa = (metric: Metric) => cell(ratio(results, "baseline-aa", metric), times)
  const warned = warnings(results)
  const passed = targets.filter((target) => target.pass === true).length
  const failed = targets.filter((target) => target.pass === false).length
  return `# @stargazer/health-server and @stargazer/health-server-effect4 benchmark (${results.mode})

Generated by \`pnpm bench${results.mode === "quick" ? " --quick" : ""}\` on ${results.startedAt} in ${
    results.durationSeconds.toFixed(0)
  } s: ${rounds} round${rounds > 1 ? "s" : ""}, every server once per round in a rotated order. Figures are ${
    rounds > 1 ? "medians [min–max] over the rounds" : "from the single round (no spread: indicative only)"
  }; "× baseline" is the ratio to \`${reference}\` in the same round (median of the per-round ratios). See
[README.md](README.md) for what each figure means.

## Load at 50 connections (GET of the readiness path, keep-alive)

${
    serverTable(results, [
      { title: "req/s", metric: "rps50", ratio: true },
      { title: "p50 ms", metric: "p50at50Ms" },
      { title: "p99 ms", metric: "p99at50Ms", ratio: true },
      { title: "CPU µs/req", metric: "cpuPerRequest50Us", ratio: true }
    ])
  }

## Load at 1 connection

${
    serverTable(results, [
      { title: "req/s", metric: "rps1", ratio: true },
      { title: "p50 ms", metric: "p50at1Ms" },
      { title: "p99 ms", metric: "p99at1Ms", ratio: true },
      { title: "CPU µs/req", metric: "cpuPerRequest1Us", ratio: true }
    ])
  }

## Memory and start-up

${
    serverTable(results, [
      { title: "idle RSS MiB", metric: "idleRssMiB", ratio: true },
      { title: "RSS after load MiB", metric: "loadRssMiB" },
      { title: "spawn → first 200 ms", metric: "startupMs", ratio: true }
    ], true)
  }

\`baseline+effect\` and \`baseline+effect4\` are \`baseline\` loading \`effect/Effect\` and \`effect/Layer\` first: the
start-up and memory any program on that Effect line pays before its own code runs, the floor under the library's
servers. The \`+compile-cache\` rows are servers run with \`NODE_COMPILE_CACHE\` (Node's on-disk cache of compiled
modules, written by their unmeasured first start), as a user may run them.

## Redis: PINGs, freeze, kill and restart

${
    table(
      [
        "server",
        "PINGs /10k probes",
        "PINGs caused by probes",
        "p99 frozen ms",
        "frozen ÷ healthy p99",
        "killed → first 5xx ms",
        "restarted → reconnected ms",
        "reconnected → first 200 ms",
        "restarted → first 200 ms"
      ],
      results.servers.filter(({ name }) => over(results, name, "rps50") !== undefined).map(({ name }) => [
        name,
        cell(over(results, name, "pingsPer10k")),
        cell(over(results, name, "probePings"), (value) => value.toFixed(0)),
        cell(over(results, name, "frozenP99Ms")),
        cell(within(results, name, "frozenP99Ms", "p99at50Ms"), times),
        cell(over(results, name, "detectionMs")),
        cell(over(results, name, "reconnectMs")),
        cell(over(results, name, "afterReconnectMs")),
        cell(over(results, name, "recoveryMs"))
      ])
    )
  }

## The health server added to an Effect app

${appTable(results)}

The start-up of an app with the health server is until both \`/app\` and \`/readyz\` answer 200. The targets take the
difference to the app alone; the app with an ioredis client of its own (\`+ioredis\`: the client connected, not
used) is the app the library is made for, whose Redis client it checks: the difference to it is what the health
server itself adds, without the ioredis module it brings to an app that had none.

## Effect 3 and Effect 4 packages side by side

${sideBySide(results)}

The first ten rows are the standalone servers, the last three the apps with the health server. "Effect 4 ÷
Effect 3" is the median of the per-round ratios, so it compares two servers measured in the same round.

## Long checks

${longTable(results)}

## Targets

${targetsTable(targets)}

${passed} passed, ${failed} failed${
    targets.some((target) => target.pass === undefined) ? ", the rest not run in this mode" : ""
  }.

A/A control (\`baseline-aa\` is the same file as \`baseline\`): req/s ${aa("rps50")}, p99 ${
    aa("p99at50Ms")
  }, CPU/request ${aa("cpuPerRequest50Us")}, idle RSS ${aa("idleRssMiB")}, first 200 ${
    aa("startupMs")
  } of baseline. Departures from 1.00× of that size are noise, not differences between servers.
${warned.length > 0 ? `\n## Warnings\n\n${warned.join("\n")}\n` : ""}
## Servers

${results.servers.map((server) => `- \`${server.name}\` (${server.file}): ${server.description}`).join("\n")}

## Machine

${list(results.machine)}

## Versions

${list(results.versions)}

## Settings

${list(results.settings)}
`
}
