/**
 * The probe server's request listener for `node:http`, independent of Effect: plain probes (`GET`/`HEAD` of
 * `/healthz`, `/livez`, `/readyz`, `/startupz`, no query, no `Accept` but `*\/*`) are answered here from the
 * cached state with prebuilt bytes, synchronously; everything else goes to `route` (the `HttpRouter`), which
 * answers it with the same `responses`.
 *
 * A connection that pipelines more than `pipelineLimit` requests in one turn of the event loop gets the answers
 * to those, then is closed: a burst of pipelined requests would otherwise hold the thread, and with it every
 * other client and the checks. Probes send one request at a time.
 */
import type * as Http from "node:http"
import type * as Net from "node:net"
import type { Answer, Endpoint } from "./responses.js"
import { endpoints, plain } from "./responses.js"
import type { State } from "./state.js"

/** Requests one connection may pipeline in one turn of the event loop. */
export const pipelineLimit = 128

type Listener = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

interface Prebuilt {
  readonly status: number
  readonly headers: Http.OutgoingHttpHeaders
  readonly body: Buffer
}

const prebuilt = new WeakMap<Answer, Prebuilt>()

/** `answer` as bytes and headers, built once per answer. */
const bytesOf = (answer: Answer): Prebuilt => {
  let built = prebuilt.get(answer)
  if (built === undefined) {
    const body = Buffer.from(answer.body)
    built = {
      status: answer.status,
      headers: { ...answer.headers, "content-type": answer.contentType, "content-length": String(body.length) },
      body
    }
    prebuilt.set(answer, built)
  }
  return built
}

/** Writes `answer` (no body for `HEAD`). */
export const write = (request: Http.IncomingMessage, response: Http.ServerResponse, answer: Answer): void => {
  const { body, headers, status } = bytesOf(answer)
  response.writeHead(status, headers)
  if (request.method === "HEAD") response.end()
  else response.end(body)
}

const byPath = new Map(endpoints.map((endpoint) => [endpoint.path, endpoint]))

/**
 * Counts requests per connection in this turn: `false` within the limit; `"last"` for the first request past
 * it (answered, then the connection closes); `true` for the ones after it (ignored).
 */
const turnKey = Symbol("@stargazer/health-server/turn")
const countKey = Symbol("@stargazer/health-server/count")
const cutKey = Symbol("@stargazer/health-server/cut")

interface Counted {
  [turnKey]?: number
  [countKey]?: number
  [cutKey]?: boolean
}

const makeGuard = () => {
  // The count lives on the socket, tagged with the turn it counts: no map, no allocation per request.
  let turn = 0
  let nextScheduled = false
  const next = () => {
    turn++
    nextScheduled = false
  }
  return (socket: Net.Socket & Counted): boolean | "last" => {
    if (socket[cutKey] === true) return true
    if (!nextScheduled) {
      nextScheduled = true
      setImmediate(next)
    }
    if (socket[turnKey] !== turn) {
      socket[turnKey] = turn
      socket[countKey] = 1
      return false
    }
    const count = socket[countKey]! + 1
    socket[countKey] = count
    if (count <= pipelineLimit) return false
    // This one is answered with `Connection: close`: Node writes the queued answers in order, then closes.
    socket[cutKey] = true
    return "last"
  }
}

/**
 * The listener: the guard, then the fast path, then `route` for anything else. `read` returns the current
 * state (a plain read, no allocation); `count` is told of each probe answered here.
 */
export const listener = (
  read: () => State,
  route: Listener,
  count: (endpoint: Endpoint, status: number) => void = () => {}
): Listener => {
  const overPipelined = makeGuard()
  return (request, response) => {
    const over = overPipelined(request.socket)
    if (over === true) return
    if (over === "last") response.shouldKeepAlive = false
    const endpoint = request.method === "GET" || request.method === "HEAD" ? byPath.get(request.url!) : undefined
    const accept = request.headers.accept
    if (endpoint !== undefined && (accept === undefined || accept === "*/*")) {
      const answer = plain(endpoint, read())
      count(endpoint, answer.status)
      write(request, response, answer)
      return
    }
    route(request, response)
  }
}
