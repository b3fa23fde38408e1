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
const notFound = text("Not Found", 404)
const methodNotAllowed = HttpServerResponse.text("Method Not Allowed", {
  status: 405,
  headers: Headers.fromInput({ "cache-control": "no-store", allow: "GET, HEAD" })
})

interface Endpoint {
  /** The word in the verbose summary line: `readyz check passed`. */
  readonly word: "healthz" | "livez" | "readyz" | "startupz"
  readonly probe: HealthStatus.Probe
  readonly ok: HttpServerResponse.HttpServerResponse
  readonly passes: (status: HealthStatus.HealthStatus) => boolean
}

const endpoints: ReadonlyArray<Endpoint> = [
  { word: "healthz", probe: "liveness", ok: text("OK"), passes: (status) => status.live },
  { word: "livez", probe: "liveness", ok: text("OK"), passes: (status) => status.live },
  { word: "readyz", probe: "readiness", ok: text("Ready"), passes: (status) => status.ready },
  { word: "startupz", probe: "startup", ok: text("Started"), passes: (status) => status.started }
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
  perCheck: boolean,
  json: boolean
) =>
  Effect.gen(function*() {
    const { settings } = source
    const query = request.url.indexOf("?")
    const params = new URLSearchParams(query === -1 ? "" : request.url.slice(query + 1))
    const known = new Set(status.checks.map((check) => check.name))
    const excluded = new Set(params.getAll("exclude"))
    for (const name of excluded) if (!known.has(name)) return notFound
    let scope: Pick<HealthStatus.HealthStatus, "checks" | "markedNotReady" | "draining"> = status
    if (perCheck) {
      const name = (yield* HttpRouter.params).name ?? ""
      const isProbed = endpoint.probe !== "liveness" || settings.gates.liveness.has(name)
      if (!known.has(name) || !isProbed) return notFound
      scope = {
        checks: status.checks.filter((check) => check.name === name),
        markedNotReady: false,
        draining: false
      }
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
  })

/** The hot path, a plain probe, picks one of the prebuilt responses; everything else goes to `detailed`. */
const handler = <R>(source: Effect.Effect<Source, never, R>, endpoint: Endpoint, perCheck: boolean) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return Effect.succeed(methodNotAllowed)
    return Effect.flatMap(source, (resolved) =>
      Effect.flatMap(resolved.status, (status) => {
        const json = request.headers.accept !== undefined && request.headers.accept.includes("application/json")
        if (!perCheck && !json && !request.url.includes("?")) {
          return Effect.succeed(endpoint.passes(status) ? endpoint.ok : unavailable)
        }
        return detailed(request, resolved, status, endpoint, perCheck, json)
      }))
  })

/**
 * `/healthz`, `/livez`, `/readyz`, `/startupz` and the per-check `/livez/<name>`, `/readyz/<name>`: `GET` and
 * `HEAD` (Node sends no body for `HEAD`), `405` with `Allow: GET, HEAD` for other methods; any other path is a
 * `404` from the router.
 *
 * @internal
 */
export const make = <R>(source: Effect.Effect<Source, never, R>): HttpRouter.HttpRouter<never, R> => {
  let router: HttpRouter.HttpRouter<never, R> = HttpRouter.empty
  for (const endpoint of endpoints) {
    router = router.pipe(HttpRouter.all(`/${endpoint.word}`, handler(source, endpoint, false)))
    if (endpoint.word === "livez" || endpoint.word === "readyz") {
      router = router.pipe(HttpRouter.all(`/${endpoint.word}/:name`, handler(source, endpoint, true)))
    }
  }
  return router
}
