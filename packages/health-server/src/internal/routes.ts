/**
 * The probe routes. The plain answers (no query, no JSON) are responses built once at module load: a handler
 * reads the cached state and picks one, so a probe never does I/O. `?verbose`, `?exclude=<name>` and
 * `Accept: application/json` render the verdict per request, still from the cached state only.
 *
 * @internal
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import Negotiator from "negotiator"
import * as HealthStatus from "../HealthStatus.js"

/** What the routes read: the cached state and how to present it. @internal */
export interface Source {
  readonly status: Effect.Effect<HealthStatus.HealthStatus>
  readonly settings: {
    readonly gates: HealthStatus.Gates
    readonly exposeDetails: boolean
  }
}

const noStore = Headers.fromInput({ "cache-control": "no-store" })
const text = (body: string, status = 200) => HttpServerResponse.text(body, { status, headers: noStore })

const unavailable = text("Service Unavailable", 503)
/** The probe server's answer to any path it does not document. @internal */
export const notFound = text("Not Found", 404)
const methodNotAllowed = HttpServerResponse.text("Method Not Allowed", {
  status: 405,
  headers: Headers.fromInput({ "cache-control": "no-store", allow: "GET, HEAD" })
})

interface Endpoint {
  /** The word in the verbose summary line: `readyz check passed`. */
  readonly word: "healthz" | "livez" | "readyz" | "startupz"
  /** `/` and the word. */
  readonly path: string
  readonly probe: HealthStatus.Probe
  readonly ok: HttpServerResponse.HttpServerResponse
  readonly passes: (status: HealthStatus.HealthStatus) => boolean
}

const endpoints: ReadonlyArray<Endpoint> = [
  { word: "healthz", path: "/healthz", probe: "liveness", ok: text("OK"), passes: (status) => status.live },
  { word: "livez", path: "/livez", probe: "liveness", ok: text("OK"), passes: (status) => status.live },
  { word: "readyz", path: "/readyz", probe: "readiness", ok: text("Ready"), passes: (status) => status.ready },
  { word: "startupz", path: "/startupz", probe: "startup", ok: text("Started"), passes: (status) => status.started }
]

const isoOrNull = (time: Option.Option<DateTime.Utc>) => Option.getOrNull(Option.map(time, DateTime.formatIso))

const renderText = (endpoint: Endpoint, verdict: HealthStatus.Verdict, exposeDetails: boolean): string => {
  const lines = verdict.lines.map((line) => {
    switch (line.result) {
      case "pass":
        return `[+]${line.name} ok`
      case "excluded":
        return `[+]${line.name} excluded: ok`
      case "fail":
        return `[-]${line.name} failed: ${exposeDetails || line.kind === "flag" ? line.reason : "reason withheld"}`
    }
  })
  lines.push(`${endpoint.word} check ${verdict.pass ? "passed" : "failed"}`)
  return lines.join("\n") + "\n"
}

const renderJson = (
  endpoint: Endpoint,
  verdict: HealthStatus.Verdict,
  status: HealthStatus.HealthStatus,
  exposeDetails: boolean
) => {
  const checks: Record<string, unknown> = {}
  for (const line of verdict.lines) {
    const check = status.checks.find((check) => check.name === line.name)
    if (line.kind !== "check" || check === undefined) continue
    checks[line.name] = {
      status: line.result,
      consecutiveFailures: check.consecutiveFailures,
      consecutiveSuccesses: check.consecutiveSuccesses,
      lastCheckedAt: isoOrNull(check.lastCheckedAt),
      lastSuccessAt: isoOrNull(check.lastSuccessAt),
      lastDurationMillis: Option.getOrNull(Option.map(check.lastDuration, Duration.toMillis)),
      ...(exposeDetails && line.reason !== undefined ? { reason: line.reason } : {})
    }
  }
  return {
    status: verdict.pass ? "pass" : "fail",
    probe: endpoint.word,
    markedNotReady: status.markedNotReady,
    draining: status.draining,
    checks
  }
}

/** `?verbose`, `?exclude=`, JSON and per-check answers: rendered per request from the cached state. */
const detailed = (
  request: HttpServerRequest.HttpServerRequest,
  source: Source,
  status: HealthStatus.HealthStatus,
  endpoint: Endpoint,
  check: string | undefined,
  json: boolean
): HttpServerResponse.HttpServerResponse => {
  const { settings } = source
  const query = request.url.indexOf("?")
  const params = new URLSearchParams(query === -1 ? "" : request.url.slice(query + 1))
  const known = new Set(status.checks.map((check) => check.name))
  const excluded = new Set(params.getAll("exclude"))
  for (const name of excluded) if (!known.has(name)) return notFound
  let scope: Pick<HealthStatus.HealthStatus, "checks" | "markedNotReady" | "draining"> = status
  if (check !== undefined) {
    scope = { checks: status.checks.filter((status) => status.name === check), markedNotReady: false, draining: false }
  }
  const verdict = HealthStatus.evaluate(scope, endpoint.probe, settings.gates, excluded)
  const code = verdict.pass ? 200 : 503
  if (json) {
    return HttpServerResponse.unsafeJson(renderJson(endpoint, verdict, status, settings.exposeDetails), {
      status: code,
      headers: noStore
    })
  }
  if (params.has("verbose")) {
    return text(renderText(endpoint, verdict, settings.exposeDetails), code)
  }
  return verdict.pass ? endpoint.ok : unavailable
}

/**
 * Whether the client prefers JSON to plain text, by the `Accept` header's q-values and wildcards. No header,
 * or `*\/*` (kubelet, curl), is plain text without parsing; a header that accepts neither is answered in plain
 * text too.
 */
const prefersJson = (accept: string | undefined): boolean =>
  accept !== undefined && accept !== "*/*" &&
  new Negotiator({ headers: { accept } }).mediaType(mediaTypes) === "application/json"
const mediaTypes = ["text/plain", "application/json"]

/**
 * Whether the request's path is exactly `path` (a query may follow). The router matches paths
 * case-insensitively and ignores a trailing slash, repeated slashes and `;` parameters; the probe server
 * answers only the paths it documents.
 */
const isExactly = (url: string, path: string): boolean =>
  url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === 63 /* ? */)

/** Whether `/<endpoint>/<check>` exists: a check of that name, which (under `/livez`) gates liveness. */
const hasCheck = (source: Source, status: HealthStatus.HealthStatus, endpoint: Endpoint, check: string) =>
  status.checks.some((status) => status.name === check) &&
  (endpoint.probe !== "liveness" || source.settings.gates.liveness.has(check))

/**
 * Answers one request for `endpoint` (or one `check` of it). The hot path, a plain probe, picks one of the
 * prebuilt responses; everything else goes to `detailed`.
 */
const respond = <R>(
  source: Effect.Effect<Source, never, R>,
  request: HttpServerRequest.HttpServerRequest,
  endpoint: Endpoint,
  check: string | undefined
) => {
  if (!isExactly(request.url, check === undefined ? endpoint.path : `${endpoint.path}/${check}`)) {
    return Effect.succeed(notFound)
  }
  return Effect.flatMap(source, (resolved) =>
    Effect.map(resolved.status, (status) => {
      if (check !== undefined && !hasCheck(resolved, status, endpoint, check)) return notFound
      if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed
      const json = prefersJson(request.headers.accept)
      if (check === undefined && !json && request.url.length === endpoint.path.length) {
        return endpoint.passes(status) ? endpoint.ok : unavailable
      }
      return detailed(request, resolved, status, endpoint, check, json)
    }))
}

/**
 * `/healthz`, `/livez`, `/readyz`, `/startupz` and the per-check `/livez/<name>`, `/readyz/<name>`: `GET` and
 * `HEAD` (Node sends no body for `HEAD`), `405` with `Allow: GET, HEAD` for other methods. Paths match exactly:
 * a near miss the router would take (`/READYZ`, `/readyz/`, `//readyz`, `/readyz;x`) is `notFound`; any other
 * path fails with the router's `RouteNotFound` (the probe server answers it with `notFound`).
 *
 * @internal
 */
export const make = <R>(source: Effect.Effect<Source, never, R>): HttpRouter.HttpRouter<never, R> => {
  let router: HttpRouter.HttpRouter<never, R> = HttpRouter.empty
  for (const endpoint of endpoints) {
    router = router.pipe(HttpRouter.all(
      endpoint.path as HttpRouter.PathInput,
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => respond(source, request, endpoint, undefined))
    ))
    if (endpoint.word === "livez" || endpoint.word === "readyz") {
      router = router.pipe(HttpRouter.all(
        `${endpoint.path}/:name` as HttpRouter.PathInput,
        Effect.flatMap(
          Effect.zip(HttpServerRequest.HttpServerRequest, HttpRouter.params),
          ([request, params]) => respond(source, request, endpoint, params.name ?? "")
        )
      ))
    }
  }
  return router
}
