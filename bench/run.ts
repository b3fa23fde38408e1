/**
 * `pnpm bench [--quick]`: @stargazer/health-server (Effect 3) and @stargazer/health-server-effect4 (Effect 4)
 * against a node:http baseline (and an A/A copy of it), terminus, lightship and an Effect app of each line,
 * interleaved: every server once per round, the order rotated each round; then the long checks of each
 * package's standalone server. Runs on Node >= 22.19 (the Effect 4 package's floor; `pnpm bench` runs it under
 * `scripts/node-line.sh 22+`), every server spawned with the same node. Starts its own redis-server on a free
 * loopback port; kills every child it started when it ends, fails or is interrupted. Writes bench/results.{md,json} (--quick: bench/results-quick.{md,json}).
 * What each figure means: bench/README.md.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { killAllOnExit, pinSelf, stopAll } from "./lib/children.js"
import { generator } from "./lib/load.js"
import type { LongChecks } from "./lib/long.js"
import { longChecks } from "./lib/long.js"
import { machine, versions } from "./lib/machine.js"
import type { Figures } from "./lib/measure.js"
import { measureServer } from "./lib/measure.js"
import type { Mode } from "./lib/options.js"
import { health, longCheckServers, parseArgs } from "./lib/options.js"
import { RedisServer } from "./lib/redis.js"
import { markdown } from "./lib/report.js"
import type { Results, Round } from "./lib/results.js"
import { summaries } from "./lib/results.js"
import { clearCompileCaches, freePort, servers, ServerStartError, startServer } from "./lib/servers.js"
import { evaluate } from "./lib/targets.js"

const settings = (mode: Mode): Record<string, string> => ({
  rounds: `${mode.rounds}, every server once per round, the order rotated by one each round`,
  "health behaviour (every server)":
    `Redis PING every ${health.pingIntervalMs} ms (after the previous one ends), ${health.pingTimeoutMs} ms timeout, unhealthy after ${health.failureThreshold} consecutive failures, healthy at the first success, starts healthy`,
  "load at 50 connections":
    `${generator.name} -t1 -c50 -d${mode.loadSeconds}s --latency, after a ${mode.warmupSeconds} s warm-up at 50 connections`,
  "load at 1 connection": `${generator.name} -t1 -c1 -d${mode.singleSeconds}s --latency`,
  "idle RSS": `VmRSS ${mode.settleMs} ms after the first 200`,
  "Redis frozen": `SIGSTOP for the ${mode.freezeSeconds} s of a load at 50 connections, then SIGCONT`,
  "Redis killed / restarted":
    "SIGKILL of the bench's redis-server, then a new one on the same port; probes polled every 2 ms",
  "long checks": `${
    longCheckServers.join(" and ")
  }, each on a fresh process: ${mode.longFreezeSeconds} s freeze; 1,000,000 probes ${
    mode.millionProbes ? "run" : "not run (full only)"
  }`
})

const progress = (name: string, figures: Figures): string => {
  const parts = [`first 200 ${figures.startupMs.toFixed(0)} ms`, `idle ${figures.idleRssMiB.toFixed(1)} MiB`]
  if (figures.rps50 !== undefined) {
    parts.push(
      `${figures.rps50.toFixed(0)} req/s p99 ${figures.p99at50Ms?.toFixed(2)} ms @50`,
      `${figures.cpuPerRequest50Us?.toFixed(1)} µs CPU/req`,
      `killed → 5xx ${figures.detectionMs?.toFixed(0) ?? "never"} ms`,
      `restarted → 200 ${figures.recoveryMs?.toFixed(0) ?? "never"} ms`
    )
  }
  return `  ${name.padEnd(22)} ${parts.join(", ")}`
}

/** The Effect 4 package's floor: every server runs on the runner's node. */
const requireNode22 = () => {
  const [major, minor] = process.versions.node.split(".").map(Number)
  if (major > 22 || (major === 22 && minor >= 19)) return
  console.error(
    `bench: Node ${process.version}; the Effect 4 servers need >= 22.19: run \`pnpm bench\` (or \`scripts/node-line.sh 22+ tsx bench/run.ts\`)`
  )
  process.exit(2)
}

const main = async () => {
  const mode = parseArgs(process.argv.slice(2))
  requireNode22()
  killAllOnExit()
  pinSelf()
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${mode.maxMinutes} minutes, giving up`)
    process.exit(1)
  }, mode.maxMinutes * 60_000)
  watchdog.unref()

  const started = performance.now()
  const startedAt = new Date().toISOString()
  const machineInfo = machine()
  console.log(`bench (${mode.name}): ${mode.rounds} round(s) of ${servers.length} servers; ${machineInfo.pinning}`)

  const redis = new RedisServer(await freePort())
  await redis.start()
  // Start and stop each server once, unmeasured: the first to run would otherwise pay for a cold file cache (and
  // the compile-cache servers for an empty cache).
  console.log("priming: starting each server once, unmeasured")
  clearCompileCaches()
  for (const spec of servers) {
    const server = await startServer(spec, redis.url)
    // A compile cache is written when the process exits normally, not when it is killed.
    await (spec.compileCache === true ? server.terminate() : server.stop())
  }

  const rounds: Array<Round> = []
  for (let index = 0; index < mode.rounds; index++) {
    const order = [...servers.slice(index % servers.length), ...servers.slice(0, index % servers.length)]
    console.log(`round ${index + 1}/${mode.rounds}`)
    const figures: Record<string, Figures> = {}
    for (const spec of order) {
      figures[spec.name] = await measureServer(spec, redis, mode)
      console.log(progress(spec.name, figures[spec.name]))
    }
    rounds.push({ round: index + 1, order: order.map((spec) => spec.name), figures })
  }
  const long: Record<string, LongChecks> = {}
  for (const name of longCheckServers) {
    console.log(
      `${name} long checks (${mode.longFreezeSeconds} s freeze${mode.millionProbes ? ", 1,000,000 probes" : ""})`
    )
    long[name] = await longChecks(redis, mode, name)
  }
  await redis.kill()

  const results: Results = {
    mode: mode.name,
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    machine: machineInfo,
    versions: versions(),
    settings: settings(mode),
    servers: servers.map(({ description, file, name }) => ({ name, file, description })),
    rounds,
    long
  }
  const targets = evaluate(results)
  const report = markdown(results, targets)
  Fs.writeFileSync(Path.join(import.meta.dirname, mode.outputs.markdown), report)
  Fs.writeFileSync(
    Path.join(import.meta.dirname, mode.outputs.json),
    JSON.stringify({ ...results, summaries: summaries(results), targets }, null, 2) + "\n"
  )
  console.log(`\n${report}`)
  console.log(`written: bench/${mode.outputs.markdown}, bench/${mode.outputs.json}`)
}

main().then(
  () => stopAll().finally(() => process.exit(0)),
  (error: unknown) => {
    console.error(error instanceof ServerStartError ? `bench: ${error.message}` : error)
    return stopAll().finally(() => process.exit(1))
  }
)
