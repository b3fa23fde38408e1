/**
 * Redis for health checks, independent of Effect: a command that never overlaps itself, and errors described
 * without the server's address or credentials.
 */
import type { Cluster, Redis } from "ioredis"

export type Client = Redis | Cluster

/**
 * `send`, never overlapping itself: while a command it sent is unanswered, a call waits for that one instead
 * of sending another, so a hung Redis cannot pile commands up in the client's queues.
 */
export const nonOverlapping = <A>(send: () => Promise<A>): () => Promise<A> => {
  let inFlight: Promise<A> | undefined
  return () => {
    if (inFlight === undefined) {
      const sent = send()
      const settle = () => {
        if (inFlight === sent) inFlight = undefined
      }
      sent.then(settle, settle)
      inFlight = sent
    }
    return inFlight
  }
}

/** Whether `client` is a Redis Cluster client. */
export const isCluster = (client: Client): client is Cluster => typeof (client as Cluster).nodes === "function"

interface Endpoint {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly username?: string | undefined
  readonly password?: string | undefined
}

/** The strings of `client`'s configuration that must never be shown: credentials, then addresses. */
const secretsOf = (client: Client): Array<string> => {
  const secrets: Array<string> = []
  const add = (options: Endpoint) => {
    for (const value of [options.password, options.username]) if (value) secrets.push(value)
    if (options.host) {
      secrets.push(options.port === undefined ? options.host : `${options.host}:${options.port}`, options.host)
    }
  }
  if (isCluster(client)) {
    add(client.options.redisOptions ?? {})
    // The seeds it was given, and every node it has met since.
    for (const seed of (client as unknown as { startupNodes: ReadonlyArray<unknown> }).startupNodes) {
      if (typeof seed === "string") secrets.push(seed)
      else if (typeof seed === "object" && seed !== null) add(seed)
    }
    for (const node of client.nodes("all")) add(node.options)
  } else {
    const { sentinelPassword, sentinelUsername, sentinels } = client.options
    add(client.options)
    add({ password: sentinelPassword ?? undefined, username: sentinelUsername ?? undefined })
    for (const sentinel of sentinels ?? []) add(sentinel)
  }
  return secrets.sort((a, b) => b.length - a.length)
}

/**
 * Describes an error of `client` so that it can be logged and shown in probe bodies: a network error is its
 * system call and code (`connect ECONNREFUSED`), and any host, port, user name or password of the client left
 * in a message is replaced by `[redacted]`.
 */
export const describeError = (client: Client, error: unknown): string => {
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string") {
    const { code, syscall } = error as NodeJS.ErrnoException
    if (syscall !== undefined) return `${syscall} ${code}`
  }
  let text = error instanceof Error ? error.message : String(error)
  for (const secret of secretsOf(client)) text = text.split(secret).join("[redacted]")
  return text
}

/** Whether `url` is a URL ioredis can connect to (`redis:` or `rediss:`). */
export const isRedisUrl = (url: string): boolean => {
  if (!URL.canParse(url)) return false
  const protocol = new URL(url).protocol
  return protocol === "redis:" || protocol === "rediss:"
}
