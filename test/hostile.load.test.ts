/**
 * Sustained load against the example service run as a real process (`node examples/service/main.ts`, a real
 * `redis-server`, raw TCP on 127.0.0.1): a million probes, as fast as a cheap client drives them (pipelined
 * over a few connections, from a process of its own), and the server's memory stays flat.
 *
 * The service must stay up and answer its probes within the latency target throughout: every probe that the
 * test's own prober sends (a new connection every 100 ms, as kubelet does) is answered 200 within 1 second
 * (kubelet's default probe `timeoutSeconds`). It must leak nothing: its open descriptors (`/proc/<pid>/fd`)
 * come back to where they were, and what it holds after the millionth probe is what it held after the first
 * 100,000 (V8 heap and VmRSS, read after a full collection, see `test/utils/gcOnSignal.mjs`).
 */
import { assert, describe } from "@effect/vitest"
import { Duration, Effect } from "effect"
import {
  assertNoGrowth,
  assertQuiet,
  fdsBackTo,
  memory,
  openFds,
  pipelined,
  prober,
  startService
} from "./utils/hostile.js"
import { get, live } from "./utils/http.js"
import { targets } from "./utils/targets.js"

/** Probes in all; 1,000,000 in the suite (lower it only to try the test out). */
const probes = 1_000_000
/** Probes before the first reading of memory: enough for every pool and JIT tier to have settled. */
const warmUp = 100_000

/**
 * Memory growth allowed between the reading after `warmUp` probes and the reading after all of them, both
 * after a full collection. Measured on a 2-core machine: under 1 MB of heap and 5 MB of VmRSS. A leak of 4
 * bytes a probe (far less than any object kept per request) is 3.6 MB of heap over 900,000 probes; VmRSS gets
 * more room, as V8 keeps some pages it freed.
 */
const heapBound = 3_600_000
const rssBound = 20 * 1024 * 1024

for (const target of targets) {
  describe(`${target.name}: hostile load`, () => {
    live(
      `${probes.toLocaleString("en")} probes: answered 200, probes within 1 s, memory flat`,
      () =>
        Effect.gen(function*() {
          const { port, service } = yield* startService(target)
          const fds = openFds(service.pid)
          const kubelet = yield* prober(port, { "/livez": [200], "/readyz": [200] })

          // 4 connections, 64 requests a write: saturates the server (one core), a small fraction of a core for
          // the client. Deeper pipelines are the burst case of hostile.http.test.ts.
          const load = { connections: 4, depth: 64 }
          const first = yield* pipelined(port, warmUp, load)
          assert.deepStrictEqual(first, { ok: warmUp, other: 0, cut: 0, statuses: { 200: warmUp } })
          yield* fdsBackTo(service.pid, fds)
          const before = yield* memory(service)

          const [rest, millis] = yield* pipelined(port, probes - warmUp, load).pipe(
            Effect.timed,
            Effect.map(([duration, result]) => [result, Duration.toMillis(duration)] as const)
          )
          assert.deepStrictEqual(
            rest,
            { ok: probes - warmUp, other: 0, cut: 0, statuses: { 200: probes - warmUp } },
            `${millis} ms`
          )
          yield* fdsBackTo(service.pid, fds)
          const after = yield* memory(service)
          yield* assertNoGrowth(service, before, after, { heap: heapBound, rss: rssBound }, `${probes} probes`)

          yield* kubelet.check
          assert.deepStrictEqual([(yield* get(port, "/readyz")).status, (yield* get(port, "/livez")).status], [
            200,
            200
          ])
          assertQuiet(service)
          assert.isTrue(service.groupAlive())
        }),
      600_000
    )
  })
}
