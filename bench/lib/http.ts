/** Single GETs and polling, for start-up, detection and recovery times. */
import * as Http from "node:http"
import { sleep } from "./time.js"

/** The status of one GET (body discarded), or undefined if it failed (refused, reset, 2 s without answer). */
export const status = (url: string, agent: Http.Agent | false): Promise<number | undefined> =>
  new Promise((resolve) => {
    const request = Http.get(url, { agent, timeout: 2000 }, (response) => {
      response.resume()
      response.on("end", () => resolve(response.statusCode))
      response.on("error", () => resolve(undefined))
    })
    request.on("timeout", () => request.destroy(new Error("timeout")))
    request.on("error", () => resolve(undefined))
  })

export interface PollOptions {
  /** performance.now() of the event the time is counted from. */
  readonly since: number
  readonly timeoutMs: number
  /** Pause between two GETs; 0 polls in a tight loop. */
  readonly gapMs: number
  /** false: a new connection per GET (before the server listens); an Agent: keep-alive. */
  readonly agent: Http.Agent | false
}

/** Milliseconds from `since` to the first response whose status satisfies `done`; undefined on timeout. */
export const pollUntil = async (
  url: string,
  done: (status: number | undefined) => boolean,
  options: PollOptions
): Promise<number | undefined> => {
  while (performance.now() - options.since < options.timeoutMs) {
    if (done(await status(url, options.agent))) return performance.now() - options.since
    if (options.gapMs > 0) await sleep(options.gapMs)
  }
  return undefined
}

/** A keep-alive agent with one connection, for polling a running server. */
export const pollingAgent = (): Http.Agent => new Http.Agent({ keepAlive: true, maxSockets: 1 })

export const isOk = (code: number | undefined): boolean => code === 200

/** Unhealthy: the server answered, with a 5xx (503; lightship answers 500). */
export const isUnavailable = (code: number | undefined): boolean => code !== undefined && code >= 500
