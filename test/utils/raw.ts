/**
 * HTTP spoken byte by byte over a plain TCP socket: for requests no HTTP client would send (bad request lines,
 * broken chunking, HTTP/0.9, near-miss paths, any method), for connections that misbehave (slow, idle, many)
 * and to see whether anything still listens on a port. Effect-free (promises), for every suite. Event-driven,
 * with real-time timeouts only where said, so that it works under `TestClock` too.
 */
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
): Promise<Exchange> =>
  new Promise((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    let text = ""
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ text, closed })
    }
    const timer = setTimeout(() => finish(false), options.within ?? 5_000)
    socket.on("connect", () => socket.write(request))
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1")
      if (options.until?.(text)) finish(false)
    })
    socket.on("close", () => finish(true))
    socket.on("error", () => finish(true))
  })

/** The status codes of every response in `text`, in order. */
export const statuses = (text: string): Array<number> =>
  [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((match) => Number(match[1]))

export interface RawReply {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** One request of `method` and `path` (sent as written), with `connection: close`; the raw response. */
export const request = async (
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {}
): Promise<RawReply> => {
  const { text } = await exchange(
    port,
    `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n` +
      Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n"
  )
  const [head, ...rest] = text.split("\r\n\r\n")
  const [statusLine, ...lines] = head.split("\r\n")
  const parsed: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(" ")[1]), headers: parsed, body: rest.join("\r\n\r\n") }
}

/**
 * Opens `count` TCP connections that send nothing, or only `send` (e.g. the start of a request head, a stalled
 * request), once each is connected and its bytes written; `close` destroys those still open.
 */
export const idleConnections = (
  port: number,
  count: number,
  options: { readonly send?: string } = {}
): Promise<{ readonly open: () => number; readonly close: () => void }> =>
  new Promise((resolve) => {
    const sockets: Array<Net.Socket> = []
    const connections = {
      open: () => sockets.filter((socket) => !socket.closed).length,
      close: () => sockets.forEach((socket) => socket.destroy())
    }
    let ready = 0
    const counted = () => {
      if (++ready === count) resolve(connections)
    }
    for (let i = 0; i < count; i++) {
      const socket = Net.connect({ host: "127.0.0.1", port })
      socket.on("error", () => {})
      socket.once("connect", () => options.send === undefined ? counted() : socket.write(options.send, counted))
      sockets.push(socket)
    }
  })

/**
 * Opens a TCP connection to `port` and says how that went: `connected` (then closes it) or the error's code,
 * e.g. `ECONNREFUSED` once nothing listens there.
 */
export const connectOutcome = (port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resolve("connected")
    })
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })

/** A GET whose body is asked as JSON (`Accept: application/json`), parsed; bounded by 5 s in real time. */
export const getJson = async (port: number, path: string): Promise<{ readonly status: number; readonly body: any }> => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { accept: "application/json", connection: "close" },
    signal: AbortSignal.timeout(5_000)
  })
  return { status: response.status, body: await response.json() }
}
