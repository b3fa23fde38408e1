/**
 * Helpers of the hostile-input suites (`test/hostile.*.test.ts`): the example service started with a way to
 * collect its garbage on demand, what the server process holds (`/proc/<pid>/fd`, VmRSS), a prober that keeps
 * asking the probes during an attack and checks each answer against the latency target, and a cheap driver of
 * pipelined probes for sustained load.
 */
import { assert } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import type { Scope } from "effect"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as RedisServer from "./effect3/redisServer.js"
import { eventually } from "./http.js"
import type { Service } from "./process.js"
import type { Started } from "./service.js"
import { launch } from "./service.js"
import type { Target } from "./targets.js"

/**
 * The latency target: kubelet's default probe `timeoutSeconds` is 1, so a probe answered later than this
 * counts as a failed probe.
 */
export const latencyTargetMillis = 1_000

const gcHook = new URL("./gcOnSignal.mjs", import.meta.url).href

/**
 * Starts `examples/service/main.ts` with `node` (so `service.pid` is the server process), a `redis-server` of
 * its own (`redis` options, e.g. extra arguments) and `gcOnSignal.mjs` preloaded; waits for `/readyz` 200, then
 * warms the server up with 5,000 probes.
 */
export const startService = (
  target: Target,
  env: Record<string, string> = {},
  redis: RedisServer.Options = {}
): Effect.Effect<Started, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const started = yield* launch(yield* RedisServer.make(redis), { via: "node", script: target.service }, {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${gcHook}`.trim(),
      ...env
    })
    // Warm up (JIT, pools), so that baselines and first probes measure the server, not its first requests.
    yield* pipelined(started.port, 5_000, { connections: 2, depth: 50 })
    return started
  })

/** Open file descriptors of the process (sockets included). */
export const openFds = (pid: number): number => Fs.readdirSync(`/proc/${pid}/fd`).length

/** VmRSS of the process, in bytes. */
export const vmRss = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024

/** Waits until the process holds at most `baseline + slack` descriptors again (it drops sockets by itself). */
export const fdsBackTo = (pid: number, baseline: number, slack = 2) =>
  eventually(Effect.sync(() => openFds(pid)), (fds) => fds <= baseline + slack, "30 seconds").pipe(
    Effect.mapError(() => new Error(`fds did not come back to ${baseline} (+${slack}): ${openFds(pid)} open`))
  )

export interface Memory {
  /** VmRSS right after two full collections, in bytes. */
  readonly rss: number
  /** V8's `heapUsed` right after them, as the service reported it. */
  readonly heapUsed: number
}

const collections = (output: string) => [...output.matchAll(/hostile_gc_done \d+ heapUsed=(\d+)/g)]

/** Makes the service collect its garbage (SIGWINCH to `gcOnSignal.mjs`), then reads what it holds. */
export const memory = (service: Service): Effect.Effect<Memory, Error> =>
  Effect.gen(function*() {
    const before = collections(service.output()).length
    yield* service.signal("SIGWINCH")
    const done = yield* eventually(
      Effect.sync(() => collections(service.output())),
      (lines) => lines.length > before,
      "10 seconds"
    )
    return { rss: vmRss(service.pid), heapUsed: Number(done[done.length - 1][1]) }
  })

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

/**
 * Asserts that the service holds no more after the second of two identical rounds of an attack than after the
 * first, both measured after a full collection: V8's heap by `bounds.heap` bytes, VmRSS by `bounds.rss` bytes
 * (given a few seconds, as the pages a collection frees go back to the OS from V8's background threads).
 */
export const assertNoGrowth = (
  service: Service,
  first: Memory,
  second: Memory,
  bounds: { readonly heap: number; readonly rss: number },
  what: string
) =>
  Effect.gen(function*() {
    const growth = `${what}: heap ${mb(first.heapUsed)} -> ${mb(second.heapUsed)}, ` +
      `VmRSS ${mb(first.rss)} -> ${mb(second.rss)}`
    assert.isAtMost(second.heapUsed - first.heapUsed, bounds.heap, growth)
    yield* eventually(Effect.sync(() => vmRss(service.pid)), (rss) => rss <= first.rss + bounds.rss, "10 seconds")
      .pipe(Effect.mapError(() => new Error(`${growth}; VmRSS now ${mb(vmRss(service.pid))}`)))
  })

export interface Answer {
  readonly path: string
  /** 0 when no complete response came (refused, reset, closed early, or nothing within 5 s). */
  readonly status: number
  readonly body: string
  /** From connecting to the last byte of the body. */
  readonly millis: number
  /** Milliseconds since the prober started, to place a bad answer in the attack. */
  readonly at: number
}

/** One probe as kubelet sends it: a new connection, `GET path`, the whole response read; never fails. */
export const probe = (port: number, path: string, at = 0): Effect.Effect<Answer> =>
  Effect.async<Answer>((resume) => {
    const started = performance.now()
    const socket = Net.connect({ host: "127.0.0.1", port })
    let text = ""
    let done = false
    const finish = (status: number, body: string) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.succeed({ path, status, body, millis: performance.now() - started, at }))
    }
    const timer = setTimeout(() => finish(0, ""), 5_000)
    socket.on("connect", () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nuser-agent: kube-probe/1.31\r\nconnection: close\r\n\r\n`
      ))
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1")
      const end = text.indexOf("\r\n\r\n")
      if (end === -1) {
        return
      }
      const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))
      if (length === null) return finish(0, text)
      const body = text.slice(end + 4)
      if (body.length >= Number(length[1])) finish(Number(text.slice(9, 12)), body)
    })
    socket.on("close", () => finish(0, text))
    socket.on("error", () => finish(0, text))
    return Effect.sync(() => finish(0, text))
  })

/**
 * Probes every path of `expected` every 100 ms on new connections, in the background of the current scope,
 * until `check`: that stops it and asserts that there were probes, that every one was answered with one of its
 * path's expected statuses, and within the latency target.
 */
export const prober = (port: number, expected: Record<string, ReadonlyArray<number>>) =>
  Effect.gen(function*() {
    const answers: Array<Answer> = []
    const start = performance.now()
    const fiber = yield* Effect.forEach(
      Object.keys(expected),
      (path) => Effect.map(probe(port, path, Math.round(performance.now() - start)), (answer) => answers.push(answer)),
      { concurrency: "unbounded", discard: true }
    ).pipe(Effect.repeat(Schedule.spaced("100 millis")), Effect.forkScoped)
    return {
      answers: () => answers.slice(),
      check: Effect.gen(function*() {
        yield* Fiber.interrupt(fiber)
        const slowest = answers.reduce((max, answer) => Math.max(max, answer.millis), 0)
        for (const answer of answers) {
          const what = `${answer.path} at +${answer.at} ms: ${answer.status} in ${answer.millis.toFixed(0)} ms`
          assert.include(expected[answer.path], answer.status, what)
          assert.isAtMost(answer.millis, latencyTargetMillis, what)
        }
        for (const path of Object.keys(expected)) {
          assert.isAtLeast(answers.filter((answer) => answer.path === path).length, 3, `probes of ${path}`)
        }
        return { answers: answers.slice(), slowestMillis: slowest }
      })
    }
  })

/**
 * The client of `pipelined`, run in a process of its own: its event loop is not the test's, so the test's
 * prober measures the server alone. argv: port, count, connections, depth, path; prints `Pipelined`.
 */
const pipelinedClient = `
const Net = require("node:net")
const [port, count, connections, depth] = process.argv.slice(1, 5).map(Number)
const request = "GET " + process.argv[5] + " HTTP/1.1\\r\\nhost: 127.0.0.1\\r\\n\\r\\n"
let sent = 0, ok = 0, other = 0, cut = 0, finished = 0
const statuses = {}
const sockets = Math.min(connections, count)
const done = () => {
  if (++finished === sockets) process.stdout.write(JSON.stringify({ ok, other, cut, statuses }), () => process.exit(0))
}
for (let i = 0; i < sockets; i++) {
  const socket = Net.connect({ host: "127.0.0.1", port })
  let outstanding = 0
  let ended = false
  // A status line split across two chunks is completed by the tail kept from the previous one; the tail is
  // shorter than a status line, so no line is counted twice.
  let tail = ""
  const next = () => {
    if (sent >= count) {
      ended = true
      socket.destroy()
      return done()
    }
    const n = Math.min(depth, count - sent)
    sent += n
    outstanding += n
    socket.write(request.repeat(n))
  }
  socket.on("connect", next)
  socket.on("data", (chunk) => {
    const text = tail + chunk.toString("latin1")
    for (const match of text.matchAll(/HTTP\\/1\\.1 (\\d{3}) /g)) {
      if (match[1] === "200") ok++
      else other++
      statuses[match[1]] = (statuses[match[1]] ?? 0) + 1
      outstanding--
    }
    tail = text.slice(-12)
    if (outstanding === 0) next()
  })
  socket.on("error", () => {})
  socket.on("close", () => {
    if (ended) return
    ended = true
    cut++
    done()
  })
}
`

export interface Pipelined {
  /** `200` responses. */
  readonly ok: number
  /** Responses with another status. */
  readonly other: number
  /** Connections the server closed before every request sent on them was answered. */
  readonly cut: number
  /** Responses by status code. */
  readonly statuses: Record<string, number>
}

/**
 * Sends `count` `GET path` over `connections` connections, `depth` pipelined requests per write (the next write
 * once all are answered), and counts the responses by status: from a child process, cheap for the client, so
 * the server is what is measured. Interrupted, it kills the child by its pid.
 */
export const pipelined = (
  port: number,
  count: number,
  options: { readonly connections?: number; readonly depth?: number; readonly path?: string } = {}
): Effect.Effect<Pipelined, Error> =>
  Effect.async<Pipelined, Error>((resume) => {
    const { connections = 4, depth = 64, path = "/readyz" } = options
    const child = ChildProcess.spawn(process.execPath, [
      "-e",
      pipelinedClient,
      String(port),
      String(count),
      String(connections),
      String(depth),
      path
    ], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => stdout += chunk)
    child.stderr.on("data", (chunk) => stderr += chunk)
    // "close", not "exit": the whole of its output.
    child.once("close", (code) =>
      resume(
        code === 0
          ? Effect.succeed(JSON.parse(stdout))
          : Effect.fail(new Error(`pipelined client exited ${code}: ${stderr}`))
      ))
    return Effect.sync(() => {
      if (child.exitCode === null) child.kill("SIGKILL")
    })
  })

/** Lines of the service's own log at ERROR or FATAL level, and stack frames it printed. */
export const errorsIn = (output: string): Array<string> =>
  output.split("\n").filter((line) => /\] (ERROR|FATAL) \(|^\s+at .+:\d+:\d+\)?$/.test(line))

/**
 * After an attack on the HTTP side, with Redis up all along: nothing logged at ERROR, no stack trace, and no
 * check changed state (one that did was starved by the attack: a failed or stale check flips the probes).
 */
export const assertQuiet = (service: Service) => {
  const output = service.output()
  assert.deepStrictEqual(errorsIn(output), [])
  const changes = output.slice(output.indexOf("health_started")).split(/\n(?=\[)/)
    .filter((entry) => entry.includes("health_state_changed"))
  assert.deepStrictEqual(changes, [], "the checks changed state during the attack")
}
