/** One server, once: start-up, memory, load at 50 and 1 connections, and Redis frozen, killed, restarted. */
import { isOk, isUnavailable, pollingAgent, pollUntil } from "./http.js"
import { load } from "./load.js"
import type { Mode } from "./options.js"
import { health } from "./options.js"
import { cpuSeconds, rssMiB } from "./proc.js"
import type { RedisServer } from "./redis.js"
import type { RunningServer, ServerSpec } from "./servers.js"
import { startServer } from "./servers.js"
import { sleep } from "./time.js"

/** The figures of one server in one round; a figure it has no answer for (effect-app's probes) is absent. */
export interface Figures {
  /** Spawn to the first 200, ms. */
  startupMs: number
  /** VmRSS after start (settled), MiB. */
  idleRssMiB: number
  /** VmRSS after the loads, MiB. */
  loadRssMiB?: number
  rps50?: number
  p50at50Ms?: number
  p99at50Ms?: number
  /** Server CPU time (user + system) per request at 50 connections, µs. */
  cpuPerRequest50Us?: number
  rps1?: number
  p50at1Ms?: number
  p99at1Ms?: number
  cpuPerRequest1Us?: number
  /** Non-2xx responses and socket errors during the healthy loads (should be 0). */
  healthyErrors?: number
  /** PINGs Redis executed during the load at 50 connections, per 10,000 probes. */
  pingsPer10k?: number
  /** Of those, above what the background loop sends in that time (one per interval, plus one). */
  probePings?: number
  /** p99 at 50 connections while Redis is frozen (SIGSTOP), ms. */
  frozenP99Ms?: number
  /** Redis SIGKILLed to the first 5xx, ms. */
  detectionMs?: number
  /** redis-server restarted to the server's client connected again, ms. */
  reconnectMs?: number
  /** redis-server restarted to the first 200, ms. */
  recoveryMs?: number
  /** Client connected again to the first 200, ms. */
  afterReconnectMs?: number
}

interface Measured {
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly cpuPerRequestUs: number
  readonly errors: number
  readonly pings: number
  readonly requests: number
  readonly seconds: number
}

/** A load with the server's CPU time and Redis' PING count read around it. */
const measuredLoad = async (
  server: RunningServer,
  redis: RedisServer,
  connections: number,
  seconds: number
): Promise<Measured> => {
  const pingsBefore = await redis.pings()
  const cpuBefore = cpuSeconds(server.pid)
  const result = await load(server.probeUrl!, connections, seconds)
  const cpu = cpuSeconds(server.pid) - cpuBefore
  const pings = (await redis.pings()) - pingsBefore
  return {
    rps: result.requestsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    cpuPerRequestUs: (cpu / result.requests) * 1e6,
    errors: result.non2xx + result.errors,
    pings,
    requests: result.requests,
    seconds: result.seconds
  }
}

const recoveryTimeoutMs = 15_000

/** Freeze, then kill and restart Redis, timing what the probes say. Leaves Redis running. */
const failures = async (server: RunningServer, redis: RedisServer, mode: Mode): Promise<Partial<Figures>> => {
  const url = server.probeUrl!
  const agent = pollingAgent()
  try {
    redis.freeze()
    let frozen
    try {
      frozen = await load(url, 50, mode.freezeSeconds)
    } finally {
      redis.thaw()
    }
    const thawed = performance.now()
    if (await pollUntil(url, isOk, { since: thawed, timeoutMs: recoveryTimeoutMs, gapMs: 2, agent }) === undefined) {
      throw new Error(`${server.spec.name} did not answer 200 again after Redis was thawed`)
    }
    // The freeze may have left failures counted short of the threshold (timeouts at 1 s, 2.5 s, ...): wait for
    // a successful PING to reset the count, or the kill below would be detected one or two failures early.
    await sleep(2 * health.pingIntervalMs + 100)

    const killed = performance.now()
    await redis.kill()
    const detectionMs = await pollUntil(url, isUnavailable, { since: killed, timeoutMs: 15_000, gapMs: 2, agent })

    const restarted = performance.now()
    await redis.start()
    const [reconnectMs, recoveryMs] = await Promise.all([
      redis.firstClient(restarted, recoveryTimeoutMs),
      pollUntil(url, isOk, { since: restarted, timeoutMs: recoveryTimeoutMs, gapMs: 2, agent })
    ])
    return {
      frozenP99Ms: frozen.p99Ms,
      ...(detectionMs === undefined ? {} : { detectionMs }),
      ...(reconnectMs === undefined ? {} : { reconnectMs }),
      ...(recoveryMs === undefined ? {} : { recoveryMs }),
      ...(reconnectMs === undefined || recoveryMs === undefined ? {} : { afterReconnectMs: recoveryMs - reconnectMs })
    }
  } finally {
    agent.destroy()
  }
}

export const measureServer = async (spec: ServerSpec, redis: RedisServer, mode: Mode): Promise<Figures> => {
  const server = await startServer(spec, redis.url)
  try {
    await sleep(mode.settleMs)
    const figures: Figures = { startupMs: server.startupMs, idleRssMiB: rssMiB(server.pid) }
    if (server.probeUrl === undefined || spec.startupOnly === true) return figures

    await load(server.probeUrl, 50, mode.warmupSeconds)
    const at50 = await measuredLoad(server, redis, 50, mode.loadSeconds)
    const at1 = await measuredLoad(server, redis, 1, mode.singleSeconds)
    const backgroundPings = Math.ceil((at50.seconds * 1000) / health.pingIntervalMs) + 1
    Object.assign(figures, {
      loadRssMiB: rssMiB(server.pid),
      rps50: at50.rps,
      p50at50Ms: at50.p50Ms,
      p99at50Ms: at50.p99Ms,
      cpuPerRequest50Us: at50.cpuPerRequestUs,
      rps1: at1.rps,
      p50at1Ms: at1.p50Ms,
      p99at1Ms: at1.p99Ms,
      cpuPerRequest1Us: at1.cpuPerRequestUs,
      healthyErrors: at50.errors + at1.errors,
      pingsPer10k: (at50.pings / at50.requests) * 10_000,
      probePings: Math.max(0, at50.pings - backgroundPings)
    })
    Object.assign(figures, await failures(server, redis, mode))
    return figures
  } finally {
    await server.stop()
  }
}
