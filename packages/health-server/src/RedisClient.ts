/**
 * The Redis connection the health server pings: a service holding an ioredis client.
 *
 * - `layer` / `layerConfig` create a client the library owns: built for probing (no offline queue, so a
 *   PING sent while disconnected fails at once instead of queueing), connected at acquire, closed at release.
 * - `layerFromClient` wraps a client the application already owns and never closes it.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Cluster, RedisOptions } from "ioredis"
import { Redis } from "ioredis"

/**
 * The service: the ioredis client and a PING that never overlaps itself.
 *
 * `ping` sends `PING` unless one it sent earlier is still unanswered, in which case it waits for that one
 * instead of sending another: however long Redis hangs, the health server adds at most one command to the
 * client's queues. It is unbounded; the health server bounds each wait with `pingTimeout`.
 *
 * @since 0.1.0
 * @category tags
 */
export class RedisClient extends Context.Tag("@stargazer/health-server/RedisClient")<RedisClient, {
  readonly client: Redis | Cluster
  readonly ping: Effect.Effect<void, RedisPingError>
}>() {}

/**
 * A `PING` that Redis or the client rejected (`Connection is closed.`, `NOAUTH ...`, a refused connection, ...).
 *
 * @since 0.1.0
 * @category errors
 */
export class RedisPingError extends Data.TaggedError("RedisPingError")<{
  /** What went wrong, without the server's address or credentials. */
  readonly reason: string
  readonly cause: unknown
}> {
  override get message() {
    return `Redis PING failed: ${this.reason}`
  }
}

/**
 * Describes an error of `client` without its address or credentials, so that it can be logged and shown in
 * probe bodies: a network error is its system call and code (`connect ECONNREFUSED`), and any host, port,
 * user name or password of the client left in a message is replaced by `[redacted]`.
 */
const describeError = (client: Redis | Cluster, error: unknown): string => {
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string") {
    const { code, syscall } = error as NodeJS.ErrnoException
    if (syscall !== undefined) return `${syscall} ${code}`
  }
  let text = error instanceof Error ? error.message : String(error)
  for (const secret of secretsOf(client)) text = text.split(secret).join("[redacted]")
  return text
}

/** The strings of `client`'s configuration that must never be shown: credentials, then addresses. */
const secretsOf = (client: Redis | Cluster): Array<string> => {
  const secrets: Array<string> = []
  const add = (
    options: {
      readonly host?: string | undefined
      readonly port?: number | undefined
      readonly username?: string | undefined
      readonly password?: string | undefined
    }
  ) => {
    for (const value of [options.password, options.username]) if (value) secrets.push(value)
    if (options.host) {
      secrets.push(options.port === undefined ? options.host : `${options.host}:${options.port}`, options.host)
    }
  }
  if (client instanceof Redis) add(client.options)
  else {
    add(client.options.redisOptions ?? {})
    for (const node of client.nodes("all")) add(node.options)
  }
  return secrets.sort((a, b) => b.length - a.length)
}

/**
 * The client could not be created: the URL is not a `redis://` or `rediss://` URL.
 *
 * The message never repeats the URL, which may hold a password.
 *
 * @since 0.1.0
 * @category errors
 */
export class RedisClientError extends Data.TaggedError("RedisClientError")<{
  readonly reason: "InvalidUrl"
  readonly cause?: unknown
}> {
  override get message() {
    return "Invalid Redis URL: expected redis://[user:password@]host[:port][/db] or rediss://..."
  }
}

/**
 * Options of a client the library owns.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default `redis://127.0.0.1:6379`. */
  readonly url?: Redacted.Redacted | string | undefined
  /** Bound on the connection awaited at acquire; default `5 seconds`. */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /** Bound on `QUIT` at release before the socket is dropped; default `1 second`. */
  readonly closeTimeout?: Duration.DurationInput | undefined
  /** Further ioredis options, applied over the library's. */
  readonly redisOptions?: RedisOptions | undefined
}

/**
 * Whether `url` is a URL ioredis can connect to (`redis:` or `rediss:`).
 *
 * @since 0.1.0
 * @category utils
 */
export const isRedisUrl = (url: string): boolean => {
  if (!URL.canParse(url)) return false
  const protocol = new URL(url).protocol
  return protocol === "redis:" || protocol === "rediss:"
}

/**
 * A `PING` on `client` that never overlaps itself: while one it sent is unanswered, it waits for that one
 * instead of sending another, so a hung Redis cannot pile PINGs up in the client's queues. Make it once per
 * client and reuse it, e.g. as an application check on a second Redis:
 * `HealthCheck.make({ name: "sessions", check: RedisClient.makePing(sessions) })`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePing = (
  client: Redis | Cluster,
  connectionError: () => Error | undefined = () => undefined
): Effect.Effect<void, RedisPingError> => {
  let inFlight: Promise<unknown> | undefined
  return Effect.tryPromise({
    try: () => {
      if (inFlight === undefined) {
        const sent = client.ping()
        const settle = () => {
          if (inFlight === sent) inFlight = undefined
        }
        sent.then(settle, settle)
        inFlight = sent
      }
      return inFlight
    },
    // A PING refused because the connection is not up says only that; the connection's own error says why.
    catch: (error) => {
      const cause = client.status === "ready" ? error : connectionError() ?? error
      return new RedisPingError({ reason: describeError(client, cause), cause })
    }
  }).pipe(Effect.asVoid)
}

/**
 * Wraps a client the application owns. The layer never connects, quits or disconnects it; the health server
 * only sends `PING`, one at a time, however the client is configured.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromClient = (client: Redis | Cluster): Layer.Layer<RedisClient> =>
  Layer.sync(RedisClient, () => RedisClient.of({ client, ping: makePing(client) }))

/**
 * Creates a client the library owns, built for probing: offline queue off, one retry per command, and
 * reconnection with ioredis' default back-off. Acquiring it connects and waits up to `connectTimeout`; a
 * Redis that is down then is logged at `Warning` and left to the reconnection (the health server reports
 * it). Releasing it sends `QUIT`, bounded by `closeTimeout`, then drops the socket.
 *
 * Fails with `RedisClientError` if the URL is not a Redis URL.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RedisClient, RedisClientError> =>
  Layer.scoped(
    RedisClient,
    Effect.gen(function*() {
      const url = options.url === undefined
        ? "redis://127.0.0.1:6379"
        : Redacted.isRedacted(options.url)
        ? Redacted.value(options.url)
        : options.url
      if (!isRedisUrl(url)) {
        return yield* new RedisClientError({ reason: "InvalidUrl" })
      }
      const connectTimeout = Duration.decode(options.connectTimeout ?? "5 seconds")
      let connectionError: Error | undefined
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => {
          const client = new Redis(url, {
            lazyConnect: true,
            enableOfflineQueue: false,
            maxRetriesPerRequest: 1,
            connectTimeout: Duration.toMillis(connectTimeout),
            ...options.redisOptions
          })
          // ioredis emits "error" once per failed (re)connection attempt; without a listener it prints them.
          client.on("error", (error: Error) => connectionError = error)
          client.on("ready", () => connectionError = undefined)
          return client
        }),
        (client) =>
          Effect.tryPromise(() => client.quit()).pipe(
            Effect.timeout(options.closeTimeout ?? "1 second"),
            Effect.ignore,
            Effect.ensuring(Effect.sync(() => client.disconnect()))
          )
      )
      yield* Effect.tryPromise(() => client.connect()).pipe(
        Effect.timeout(connectTimeout),
        Effect.catchAll((error) =>
          Effect.logWarning("redis_connect_failed").pipe(
            Effect.annotateLogs({
              package: "@stargazer/health-server",
              // The connection's own error (ECONNREFUSED, WRONGPASS, ...) says more than the rejected promise.
              reason: describeError(
                client,
                connectionError ?? (error._tag === "UnknownException" ? error.error : error)
              )
            })
          )
        )
      )
      return RedisClient.of({ client, ping: makePing(client, () => connectionError) })
    })
  )

/**
 * `layer` with its options read from `Config`. By default the URL is the redacted `REDIS_URL`
 * (default `redis://127.0.0.1:6379`), validated so that a bad value names the variable.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Options> = {
    url: Config.redacted(
      Config.string("REDIS_URL").pipe(
        Config.validate({ message: "Expected a redis:// or rediss:// URL", validation: isRedisUrl }),
        Config.withDefault("redis://127.0.0.1:6379")
      )
    )
  }
): Layer.Layer<RedisClient, RedisClientError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))
