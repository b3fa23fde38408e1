/**
 * Redis Sentinel set-ups for integration tests (re-exported by `redisTopology.ts`): a primary, its replica and
 * three sentinels (quorum 2), `down-after-milliseconds` 1 s and `failover-timeout` 3 s, on loopback ports of
 * their own, each process in a directory of its own, killed by its pid at release; `nextSwitch` reports each
 * `+switch-master`, as a sentinel publishes it.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { eventually } from "./health.js"
import type { RedisServer } from "./redisServer.js"
import * as Redis from "./redisServer.js"
import { ask, subdir, tempDir } from "./redisServer.js"

const within = (duration: Duration.Input, what: string) => () =>
  Effect.fail(new Error(`${what} within ${Duration.format(Duration.fromInputUnsafe(duration))}`))

/** A `redis-server` in sentinel mode; released by SIGKILL. */
export interface Sentinel {
  readonly port: number
}

const sentinelPorts = { from: 20_000, to: 32_000 }

/** Kills `child` by its pid and waits until it is gone. */
const killed = (child: ChildProcess.ChildProcess): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

/**
 * Starts a sentinel monitoring `primaryPort` as `name`, in a directory of its own below `root` and on a port of
 * its own: a random one, another when it is taken (the sentinel says `Address already in use` and exits).
 */
const startSentinel = (root: string, name: string, primaryPort: number): Effect.Effect<Sentinel, never, Scope.Scope> =>
  Effect.gen(function*() {
    for (let attempt = 1;; attempt++) {
      const port = sentinelPorts.from + Math.floor(Math.random() * (sentinelPorts.to - sentinelPorts.from))
      const dir = Fs.mkdtempSync(Path.join(root, "sentinel-"))
      const conf = Path.join(dir, "sentinel.conf")
      Fs.writeFileSync(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 3000`,
          ""
        ].join("\n")
      )
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          ChildProcess.spawn("redis-server", [conf, "--sentinel"], { stdio: ["ignore", "pipe", "ignore"] })
        ),
        killed
      )
      // Its own word: its ID once it listens, or its output when it exits (e.g. its port was taken).
      const said = yield* Effect.callback<string>((resume) => {
        let output = ""
        // Read all along (a pipe nobody reads would block it once full); keep only the start.
        child.stdout.on("data", (chunk: Buffer) => {
          if (output.length < 16_384) output += chunk.toString("utf8")
          if (output.includes("Sentinel ID is")) resume(Effect.succeed("ready"))
        })
        // "close", not "exit": the whole of its output, `Address already in use` included.
        child.once("close", () => resume(Effect.succeed(output)))
      }).pipe(Effect.timeoutOrElse({ duration: "10 seconds", orElse: within("10 seconds", "sentinel not ready") }))
      if (said === "ready") return { port }
      if (!said.includes("Address already in use") || attempt === 20) {
        return yield* Effect.die(new Error(`sentinel did not start:\n${said}`))
      }
    }
  }).pipe(Effect.orDie)

export interface Sentinels {
  readonly name: string
  readonly primary: RedisServer
  readonly replica: RedisServer
  readonly sentinels: ReadonlyArray<Sentinel>
  /** The sentinels as `RedisClient.Options.sentinel.sentinels`. */
  readonly addresses: ReadonlyArray<{ readonly host: string; readonly port: number }>
  /** Every port: the two servers and the sentinels (for `clientConnections`). */
  readonly ports: ReadonlyArray<number>
  /** The port of the next `+switch-master`'s new primary, waiting for it up to `within`. */
  readonly nextSwitch: (within: Duration.Input) => Effect.Effect<number, Error>
  /** `down-after-milliseconds` on every sentinel. */
  readonly setDownAfter: (millis: number) => Effect.Effect<void>
}

/** Subscribes to `+switch-master` on the sentinel on `port` and queues each new primary's port. */
const watchSwitches = (port: number): Effect.Effect<Queue.Queue<number>, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const switches = yield* Queue.unbounded<number>()
    // A message's payload: `<name> <old ip> <old port> <new ip> <new port>`.
    const message = /\+switch-master\r\n\$\d+\r\n\S+ \S+ \d+ \S+ (\d+)\r\n/
    yield* Effect.acquireRelease(
      Effect.callback<Net.Socket, Error>((resume) => {
        const socket = Net.connect({ host: "127.0.0.1", port })
        let buffer = ""
        socket.setEncoding("utf8")
        socket.once("connect", () => {
          socket.write("CLIENT SETNAME test-watch\r\nSUBSCRIBE +switch-master\r\n")
          resume(Effect.succeed(socket))
        })
        socket.once("error", (error) => resume(Effect.fail(error)))
        socket.on("data", (chunk: string) => {
          buffer += chunk
          for (let match = message.exec(buffer); match !== null; match = message.exec(buffer)) {
            Queue.offerUnsafe(switches, Number(match[1]))
            buffer = buffer.slice(match.index + match[0].length)
          }
        })
      }),
      (socket) => Effect.sync(() => socket.destroy())
    )
    return switches
  })

/** A primary, its replica and three sentinels that all know both and one another. */
export const sentinels = (name = "mymaster"): Effect.Effect<Sentinels, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const root = yield* tempDir
    const primary = yield* Redis.make({ args: ["--dir", subdir(root, "primary"), "--repl-diskless-sync-delay", "0"] })
    const replica = yield* Redis.make({
      args: ["--dir", subdir(root, "replica"), "--replicaof", "127.0.0.1", String(primary.port)]
    })
    const started = yield* Effect.forEach([1, 2, 3], () => startSentinel(root, name, primary.port), {
      concurrency: "unbounded"
    })
    // Ready for a failover: every sentinel sees the replica and the two other sentinels.
    yield* eventually(
      Effect.forEach(started, ({ port }) => ask(port, "INFO sentinel")),
      (infos) => infos.every((info) => /status=ok,.*slaves=1,sentinels=3/.test(info)),
      "30 seconds"
    )
    const switches = yield* watchSwitches(started[0].port)
    return {
      name,
      primary,
      replica,
      sentinels: started,
      addresses: started.map(({ port }) => ({ host: "127.0.0.1", port })),
      ports: [primary.port, replica.port, ...started.map(({ port }) => port)],
      nextSwitch: (duration) =>
        Queue.take(switches).pipe(
          Effect.timeoutOrElse({ duration, orElse: within(duration, "no +switch-master") })
        ),
      setDownAfter: (millis) =>
        Effect.forEach(
          started,
          ({ port }) => ask(port, `SENTINEL SET ${name} down-after-milliseconds ${millis}`),
          { discard: true }
        )
    }
  })
