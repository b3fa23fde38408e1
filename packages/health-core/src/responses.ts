/**
 * Every answer of the probe server, independent of Effect and of the HTTP stack: the routes (through
 * `HttpRouter`) and the fast path (plain `node:http`) both answer with these. The plain answers are built
 * once; `?verbose`, `?exclude=` and JSON are rendered per request, from the cached state only.
 */
import Negotiator from "negotiator"
import type { AnswerSettings } from "./options.js"
import type { Probe, State, Verdict } from "./state.js"
import { evaluate } from "./state.js"

/** A response: status, headers besides `content-length`, and body. */
export interface Answer {
  readonly status: number
  readonly contentType: "text/plain" | "application/json"
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const noStore = { "cache-control": "no-store" } as const
const text = (body: string, status = 200): Answer => ({ status, contentType: "text/plain", headers: noStore, body })

export const unavailable: Answer = text("Service Unavailable", 503)
/** The answer to any path the probe server does not document. */
export const notFound: Answer = text("Not Found", 404)
export const methodNotAllowed: Answer = {
  status: 405,
  contentType: "text/plain",
  headers: { "cache-control": "no-store", allow: "GET, HEAD" },
  body: "Method Not Allowed"
}

export interface Endpoint {
  /** The word in the verbose summary line: `readyz check passed`. */
  readonly word: "healthz" | "livez" | "readyz" | "startupz"
  readonly path: string
  readonly probe: Probe
  readonly ok: Answer
  /** Whether `/<word>/<check>` exists. */
  readonly perCheck: boolean
  readonly passes: (state: State) => boolean
}

const live = (state: State) => state.live

export const endpoints: ReadonlyArray<Endpoint> = [
  { word: "healthz", path: "/healthz", probe: "liveness", ok: text("OK"), perCheck: false, passes: live },
  { word: "livez", path: "/livez", probe: "liveness", ok: text("OK"), perCheck: true, passes: live },
  {
    word: "readyz",
    path: "/readyz",
    probe: "readiness",
    ok: text("Ready"),
    perCheck: true,
    passes: (state) => state.ready
  },
  {
    word: "startupz",
    path: "/startupz",
    probe: "startup",
    ok: text("Started"),
    perCheck: false,
    passes: (state) => state.started
  }
]

/** The answer to a plain probe (`GET` or `HEAD`, no query, no JSON): one of two prebuilt answers. */
export const plain = (endpoint: Endpoint, state: State): Answer => endpoint.passes(state) ? endpoint.ok : unavailable

const iso = (millis: number | undefined) => millis === undefined ? null : new Date(millis).toISOString()

/** ` (key=value ...)` of a check's details, when they are exposed. */
const detailsText = (state: State, name: string, exposeDetails: boolean): string => {
  const details = exposeDetails ? state.checks.find((check) => check.name === name)?.details : undefined
  if (details === undefined) return ""
  return ` (${Object.entries(details).map(([key, value]) => `${key}=${value}`).join(" ")})`
}

const renderText = (endpoint: Endpoint, verdict: Verdict, state: State, exposeDetails: boolean): string => {
  const lines = verdict.lines.map((line) => {
    const details = line.kind === "check" ? detailsText(state, line.name, exposeDetails) : ""
    switch (line.result) {
      case "pass":
        return `[+]${line.name} ok${details}`
      case "excluded":
        return `[+]${line.name} excluded: ok`
      case "fail":
        return `[-]${line.name} failed: ${
          exposeDetails || line.kind === "flag" ? line.reason : "reason withheld"
        }${details}`
    }
  })
  lines.push(`${endpoint.word} check ${verdict.pass ? "passed" : "failed"}`)
  return lines.join("\n") + "\n"
}

const renderJson = (endpoint: Endpoint, verdict: Verdict, state: State, exposeDetails: boolean): string => {
  const checks: Record<string, unknown> = {}
  for (const line of verdict.lines) {
    const check = state.checks.find((check) => check.name === line.name)
    if (line.kind !== "check" || check === undefined) continue
    checks[line.name] = {
      status: line.result,
      consecutiveFailures: check.consecutiveFailures,
      consecutiveSuccesses: check.consecutiveSuccesses,
      lastCheckedAt: iso(check.lastCheckedAt),
      lastSuccessAt: iso(check.lastSuccessAt),
      lastDurationMillis: check.lastDurationMillis ?? null,
      ...(exposeDetails && line.reason !== undefined ? { reason: line.reason } : {}),
      ...(check.details !== undefined ? { details: check.details } : {})
    }
  }
  return JSON.stringify({
    status: verdict.pass ? "pass" : "fail",
    probe: endpoint.word,
    markedNotReady: state.markedNotReady,
    draining: state.draining,
    checks
  })
}

const mediaTypes = ["text/plain", "application/json"]

/**
 * Whether the client prefers JSON to plain text, by the `Accept` header's q-values and wildcards. No header,
 * or `*\/*` (kubelet, curl), is plain text without parsing; a header that accepts neither gets plain text.
 */
export const prefersJson = (accept: string | undefined): boolean =>
  accept !== undefined && accept !== "*/*" &&
  new Negotiator({ headers: { accept } }).mediaType(mediaTypes) === "application/json"

/**
 * Whether `url` is exactly `path`, a query allowed. (`HttpRouter` matches paths case-insensitively and ignores
 * a trailing slash, repeated slashes and `;` parameters; the probe server answers only the paths it documents.)
 */
export const isExactly = (url: string, path: string): boolean =>
  url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === 63 /* ? */)

/** A request as the answers need it. */
export interface Request {
  readonly method: string
  /** The request target as received: path and query. */
  readonly url: string
  readonly accept: string | undefined
}

/**
 * The answer to `request` routed to `endpoint` (or to its `check`): `notFound` for a near miss of the path or
 * an unknown check, `methodNotAllowed` for a method other than `GET`/`HEAD`, the plain answer for a plain
 * probe, else the verdict rendered as text (`?verbose`) or JSON.
 */
export const answer = (
  endpoint: Endpoint,
  check: string | undefined,
  request: Request,
  state: State,
  settings: AnswerSettings
): Answer => {
  const path = check === undefined ? endpoint.path : `${endpoint.path}/${check}`
  if (!isExactly(request.url, path)) return notFound
  if (
    check !== undefined &&
    (!state.checks.some((status) => status.name === check) ||
      (endpoint.probe === "liveness" && !settings.gates.liveness.has(check)))
  ) return notFound
  if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed
  const json = prefersJson(request.accept)
  if (check === undefined && !json && request.url.length === path.length) return plain(endpoint, state)

  const params = new URLSearchParams(request.url.slice(path.length + 1))
  const excluded = new Set(params.getAll("exclude"))
  for (const name of excluded) if (!state.checks.some((status) => status.name === name)) return notFound
  const scope = check === undefined
    ? state
    : { checks: state.checks.filter((status) => status.name === check), markedNotReady: false, draining: false }
  const verdict = evaluate(scope, endpoint.probe, settings.gates, excluded)
  const status = verdict.pass ? 200 : 503
  if (json) {
    return {
      status,
      contentType: "application/json",
      headers: noStore,
      body: renderJson(endpoint, verdict, state, settings.exposeDetails)
    }
  }
  if (params.has("verbose")) return text(renderText(endpoint, verdict, state, settings.exposeDetails), status)
  return verdict.pass ? endpoint.ok : unavailable
}
