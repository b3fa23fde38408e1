// The Redis side of the servers that do not use the library (baseline, terminus, lightship): an ioredis
// client configured as @stargazer/health-server configures its own, and a cached health flag refreshed by a
// PING loop that behaves as the library's check loop does:
//
// - the client: offline queue off (a PING while disconnected fails at once), one retry per command,
//   ioredis' default reconnection, connection awaited (up to 5 s) before the server starts listening;
// - one PING at a time: a PING still unanswered is waited on, never sent again;
// - each PING bounded by BENCH_PING_TIMEOUT_MS (1 s), the next one BENCH_PING_INTERVAL_MS (500 ms) after the
//   previous one ended;
// - unhealthy at the BENCH_FAILURE_THRESHOLD-th (3rd) consecutive failure, healthy again at the first
//   success; the flag starts healthy.
import { Redis } from "ioredis"

const numberFromEnv = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value)) throw new Error(`${name} is not a number`)
  return value
}

/** The bench's settings, from the environment run.ts passes to every server. */
export const settings = {
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  port: numberFromEnv("BENCH_PORT", 9090),
  intervalMs: numberFromEnv("BENCH_PING_INTERVAL_MS", 500),
  timeoutMs: numberFromEnv("BENCH_PING_TIMEOUT_MS", 1000),
  failureThreshold: numberFromEnv("BENCH_FAILURE_THRESHOLD", 3)
}

/** A connected ioredis client with the library's options (a Redis that is down is left to reconnect). */
export const connectRedis = async () => {
  const client = new Redis(settings.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000
  })
  client.on("error", () => {}) // one per failed (re)connection attempt; the PINGs report the outage
  await client.connect().catch(() => {})
  return client
}

/** `promise`, rejected after `ms` if it has not settled by then. */
export const withTimeout = (promise, ms) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error) => {
        clearTimeout(timer)
        reject(error)
      }
    )
  })

/**
 * Starts the PING loop on `client`. `onChange(healthy)` is called on each change of the flag.
 * Returns `isHealthy()` and `stop()`.
 */
export const startPingLoop = (client, onChange = () => {}) => {
  let healthy = true
  let failures = 0
  let inFlight
  let timer
  let stopped = false

  const ping = () => {
    if (inFlight === undefined) {
      const sent = client.ping()
      const settle = () => {
        if (inFlight === sent) inFlight = undefined
      }
      sent.then(settle, settle)
      inFlight = sent
    }
    return inFlight
  }

  const set = (next) => {
    if (next !== healthy) {
      healthy = next
      onChange(next)
    }
  }

  const run = async () => {
    try {
      await withTimeout(ping(), settings.timeoutMs)
      failures = 0
      set(true)
    } catch {
      failures += 1
      if (failures >= settings.failureThreshold) set(false)
    }
    if (!stopped) timer = setTimeout(run, settings.intervalMs)
  }

  void run()
  return {
    isHealthy: () => healthy,
    stop: () => {
      stopped = true
      clearTimeout(timer)
    }
  }
}
