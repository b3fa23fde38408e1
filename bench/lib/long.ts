/**
 * The long checks of the issue, for each of `longCheckServers` (the library's servers standalone, and baseline as
 * the reference), one after the other, each on a fresh process after the rounds, warmed up:
 * - RSS after 1,000,000 probes against RSS after the first 100,000 (full run only), each read as its load ends,
 *   so that both are read in the same state of the garbage collector;
 * - then RSS over a long Redis freeze (full: 60 s, quick: 5 s), sampled every second, with a probe every 100 ms.
 *
 * The 1,000,000 probes come first: after the freeze's idle minute V8's memory reducer has shrunk the heap, and the
 * first 100,000 probes would then be read while it grows back (a run that read them in that order saw +22 MiB for
 * one server and -22 MiB for the other, steps of the young generation's size, not growth).
 */
import { isOk, pollingAgent, pollUntil, status } from "./http.js"
import { load } from "./load.js"
import type { Mode } from "./options.js"
import { rssMiB } from "./proc.js"
import type { RedisServer } from "./redis.js"
import type { RunningServer } from "./servers.js"
import { serverByName, startServer } from "./servers.js"
import { sleep } from "./time.js"

export interface FreezeCheck {
  readonly seconds: number
  readonly rssBeforeMiB: number
  readonly rssMaxMiB: number
  readonly rssEndMiB: number
  /** End of the freeze minus its start. */
  readonly growthMiB: number
  /** PINGs Redis executed from the freeze to the first 200 after it (sent while frozen, answered at the thaw). */
  readonly pingsAtThaw: number
  /** Probes sent during the freeze, and the slowest of them. */
  readonly probes: number
  readonly probeMaxMs: number
}

export interface MillionCheck {
  readonly firstRequests: number
  readonly rssAfterFirstMiB: number
  readonly totalRequests: number
  readonly rssAfterTotalMiB: number
  /** After the total minus after the first. */
  readonly differenceMiB: number
}

export interface LongChecks {
  readonly freeze: FreezeCheck
  readonly million: MillionCheck | undefined
}

const freezeCheck = async (server: RunningServer, redis: RedisServer, seconds: number): Promise<FreezeCheck> => {
  const url = server.probeUrl!
  const agent = pollingAgent()
  const pingsBefore = await redis.pings()
  const rssBeforeMiB = rssMiB(server.pid)
  let rssMaxMiB = rssBeforeMiB
  let probes = 0
  let probeMaxMs = 0
  redis.freeze()
  try {
    const end = performance.now() + seconds * 1000
    let nextSample = performance.now() + 1000
    while (performance.now() < end) {
      const sent = performance.now()
      await status(url, agent)
      probes += 1
      probeMaxMs = Math.max(probeMaxMs, performance.now() - sent)
      if (performance.now() >= nextSample) {
        rssMaxMiB = Math.max(rssMaxMiB, rssMiB(server.pid))
        nextSample += 1000
      }
      await sleep(100)
    }
  } finally {
    redis.thaw()
  }
  const rssEndMiB = rssMiB(server.pid)
  rssMaxMiB = Math.max(rssMaxMiB, rssEndMiB)
  await pollUntil(url, isOk, { since: performance.now(), timeoutMs: 15_000, gapMs: 2, agent })
  agent.destroy()
  return {
    seconds,
    rssBeforeMiB,
    rssMaxMiB,
    rssEndMiB,
    growthMiB: rssEndMiB - rssBeforeMiB,
    pingsAtThaw: (await redis.pings()) - pingsBefore,
    probes,
    probeMaxMs
  }
}

/**
 * Loads at 50 connections until at least `count` more probes are done: a 1 s run to learn the rate, then runs
 * sized from it (wrk durations are whole seconds, so the count overshoots by less than a second of probes).
 */
const probe = async (url: string, count: number): Promise<number> => {
  let done = 0
  let rate: number | undefined
  while (done < count) {
    const seconds = rate === undefined ? 1 : Math.min(30, Math.max(1, Math.round((count - done) / rate)))
    const result = await load(url, 50, seconds)
    done += result.requests
    rate = Math.max(1, result.requestsPerSecond)
  }
  return done
}

const millionCheck = async (server: RunningServer): Promise<MillionCheck> => {
  const firstRequests = await probe(server.probeUrl!, 100_000)
  const rssAfterFirstMiB = rssMiB(server.pid)
  const totalRequests = firstRequests + (await probe(server.probeUrl!, 1_000_000 - firstRequests))
  const rssAfterTotalMiB = rssMiB(server.pid)
  return {
    firstRequests,
    rssAfterFirstMiB,
    totalRequests,
    rssAfterTotalMiB,
    differenceMiB: rssAfterTotalMiB - rssAfterFirstMiB
  }
}

export const longChecks = async (redis: RedisServer, mode: Mode, name: string): Promise<LongChecks> => {
  const server = await startServer(serverByName(name), redis.url)
  try {
    // Warm it up first, as in the rounds, so that the checks start from a process past its first allocations.
    await load(server.probeUrl!, 50, mode.warmupSeconds)
    const million = mode.millionProbes ? await millionCheck(server) : undefined
    await sleep(2000)
    const freeze = await freezeCheck(server, redis, mode.longFreezeSeconds)
    return { freeze, million }
  } finally {
    await server.stop()
  }
}
