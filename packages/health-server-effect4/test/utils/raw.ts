/**
 * HTTP spoken byte by byte over a plain TCP socket: for requests no HTTP client would send (near-miss paths,
 * any method) and to see whether anything still listens on a port.
 */
import * as Effect from "effect/Effect"
import * as Net from "node:net"

export interface Exchange {
  /** Everything the server sent, as latin1 text. */
  readonly text: string
  /** Whether the server closed (or reset) the connection before `until` held. */
  readonly closed: boolean
}

/**
 * Connects, writes `request`, and collects the reply until `until` holds on it, the server closes the
 * connection, or `within` milliseconds pass in real time (then `closed` is false and `text` is what came).
 */
export const exchange = (
  port: number,
  request: string | Buffer,
  options: { readonly until?: (text: string) => boolean; readonly within?: number } = {}
): Effect.Effect<Exchange> =>
  Effect.callback<Exchange>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    let text = ""
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resume(Effect.succeed({ text, closed }))
    }
    const timer = setTimeout(() => finish(false), options.within ?? 5_000)
    socket.on("connect", () => socket.write(request))
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1")
      if (options.until?.(text)) finish(false)
    })
    socket.on("close", () => finish(true))
    socket.on("error", () => finish(true))
    return Effect.sync(() => finish(false))
  })

export interface RawReply {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** One request of `method` and `path` (sent as written), with `connection: close`; the raw response. */
export const request = (
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {}
): Effect.Effect<RawReply> =>
  Effect.map(
    exchange(
      port,
      `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n` +
        Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n"
    ),
    ({ text }) => {
      const [head, ...rest] = text.split("\r\n\r\n")
      const [statusLine, ...lines] = head.split("\r\n")
      const parsed: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(":")
        parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      return { status: Number(statusLine.split(" ")[1]), headers: parsed, body: rest.join("\r\n\r\n") }
    }
  )

/**
 * Opens a TCP connection to `port` and says how that went: `connected` (then closes it) or the error's code,
 * e.g. `ECONNREFUSED` once nothing listens there. Event-driven only, so it works under TestClock too.
 */
export const connectOutcome = (port: number): Effect.Effect<string> =>
  Effect.callback<string>((resume) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed("connected"))
    })
    socket.once("error", (error: NodeJS.ErrnoException) => resume(Effect.succeed(error.code ?? error.message)))
    return Effect.sync(() => socket.destroy())
  })
