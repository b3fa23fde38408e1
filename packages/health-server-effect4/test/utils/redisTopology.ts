/**
 * The repository's `test/utils/redisTopology.ts` for this package's tests: a Cluster or a Sentinel set-up
 * scoped to the test; and the library's readiness changes, timed.
 */
import type * as HealthServer from "@stargazer/health-server-effect4/HealthServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Raw from "../../../../test/utils/raw.js"
import * as Plain from "../../../../test/utils/redisTopology.js"
import type { RedisServer } from "./redisServer.js"
import { fromPlain } from "./redisServer.js"
import { attempt, scoped } from "./scoped.js"

/** Connections of clients to the servers on `ports` (`redisTopology.clientConnections`). */
export const clientConnections = (ports: ReadonlyArray<number>): Effect.Effect<number> =>
  Effect.orDie(attempt(() => Plain.clientConnections(ports)))

/** The client connections on `ports` now, and `back`: waits until there are as many again (up to 10 s). */
export const connectionsNow = (ports: ReadonlyArray<number>) =>
  Effect.promise(() => Plain.connectionsNow(ports)).pipe(
    Effect.map(({ back, baseline }) => ({ baseline, back: attempt(back) }))
  )

export interface Cluster {
  readonly nodes: ReadonlyArray<RedisServer>
  readonly seeds: ReadonlyArray<{ readonly host: string; readonly port: number }>
  readonly state: (node: RedisServer) => Effect.Effect<string>
  readonly awaitState: (state: string, nodes?: ReadonlyArray<RedisServer>) => Effect.Effect<void, Error>
  readonly infoCalls: (node: RedisServer) => Effect.Effect<number>
}

/** Three primaries (no replicas), every slot assigned and `cluster_state:ok` on each node. */
export const cluster = (): Effect.Effect<Cluster, never, Scope.Scope> =>
  scoped(Plain.cluster).pipe(Effect.map((plain) => ({
    nodes: plain.nodes.map(fromPlain),
    seeds: plain.seeds,
    state: (node) => Effect.promise(() => plain.state(node.plain)),
    awaitState: (state, nodes) => attempt(() => plain.awaitState(state, nodes?.map((node) => node.plain))),
    infoCalls: (node) => Effect.promise(() => plain.infoCalls(node.plain))
  })))

export interface Sentinels {
  readonly name: string
  readonly primary: RedisServer
  readonly replica: RedisServer
  readonly sentinels: ReadonlyArray<{ readonly port: number }>
  readonly addresses: ReadonlyArray<{ readonly host: string; readonly port: number }>
  readonly ports: ReadonlyArray<number>
  /** The port of the next `+switch-master`'s new primary, waiting for it up to `within`. */
  readonly nextSwitch: (within: Duration.Input) => Effect.Effect<number, Error>
  readonly setDownAfter: (millis: number) => Effect.Effect<void>
}

/** A primary, its replica and three sentinels (quorum 2) that all know both and one another. */
export const sentinels = (name?: string): Effect.Effect<Sentinels, never, Scope.Scope> =>
  scoped(() => Plain.sentinels(name)).pipe(Effect.map((plain) => ({
    ...plain,
    primary: fromPlain(plain.primary),
    replica: fromPlain(plain.replica),
    nextSwitch: (within) => attempt(() => plain.nextSwitch(Duration.toMillis(Duration.fromInputUnsafe(within)))),
    setDownAfter: (millis) => Effect.promise(() => plain.setDownAfter(millis))
  })))

/**
 * When the probes next answer readiness `ready` (at once when they already do), as `Date.now()` when the
 * state changed, waiting up to `duration`.
 */
export const readyAt = (
  health: HealthServer.HealthState,
  ready: boolean,
  duration: Duration.Input
): Effect.Effect<number, Error> =>
  health.changes.pipe(
    Stream.filter((status) => status.ready === ready),
    Stream.map(() => Date.now()),
    Stream.runHead,
    Effect.flatMap((head) =>
      head._tag === "Some" ? Effect.succeed(head.value) : Effect.fail(new Error("the changes ended"))
    ),
    Effect.timeoutOrElse({
      duration,
      orElse: () =>
        Effect.fail(
          new Error(`readiness not ${ready} within ${Duration.format(Duration.fromInputUnsafe(duration))}`)
        )
    })
  )

/** A GET whose body is asked as JSON (`Accept: application/json`), parsed; bounded by 5 s. */
export const getJson = (port: number, path: string): Effect.Effect<{ readonly status: number; readonly body: any }> =>
  Effect.promise(() => Raw.getJson(port, path))
