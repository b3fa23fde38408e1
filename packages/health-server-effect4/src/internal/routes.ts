/**
 * The probe routes on `HttpRouter`: each handler reads the cached state and answers with
 * `@stargazer/health-core/responses`, the same answers the fast path writes. Loaded only when a request needs
 * the router (the standalone server answers plain probes without it) or when the application mounts
 * `HealthRouter.router`.
 *
 * @internal
 */
import * as Options from "@stargazer/health-core/options"
import type { Answer, Endpoint } from "@stargazer/health-core/responses"
import * as Responses from "@stargazer/health-core/responses"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as HealthServer from "../HealthServer.js"
import * as Metrics from "./metrics.js"
import { HealthState } from "./service.js"
import { fromStatus } from "./status.js"

const responses = new WeakMap<Answer, HttpServerResponse.HttpServerResponse>()
/** `answer` as an `effect/http` response; the constant answers are converted once. @internal */
export const toResponse = (answer: Answer): HttpServerResponse.HttpServerResponse => {
  let response = responses.get(answer)
  if (response === undefined) {
    response = HttpServerResponse.text(answer.body, {
      status: answer.status,
      contentType: answer.contentType,
      headers: answer.headers
    })
    responses.set(answer, response)
  }
  return response
}

const handler = (endpoint: Endpoint, perCheck: boolean) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const check = perCheck ? (yield* HttpRouter.params).name ?? "" : undefined
    const health = yield* HealthState
    const state = fromStatus(yield* health.status)
    const answer = Responses.answer(
      endpoint,
      check,
      { method: request.method, url: request.url, accept: request.headers.accept },
      state,
      Options.answerSettings(health.settings, state.checks)
    )
    Metrics.countRequest(endpoint, answer.status)
    return toResponse(answer)
  })

/** Every probe route, on every method (the handlers answer `405` themselves). @internal */
export const routes: ReadonlyArray<HttpRouter.Route<never, HealthServer.HealthState>> = Responses.endpoints.flatMap(
  (endpoint) => {
    const plain = HttpRouter.route("*", endpoint.path as HttpRouter.PathInput, handler(endpoint, false))
    return endpoint.perCheck
      ? [plain, HttpRouter.route("*", `${endpoint.path}/:name` as HttpRouter.PathInput, handler(endpoint, true))]
      : [plain]
  }
)

/** @internal */
export const router: Layer.Layer<
  never,
  never,
  HttpRouter.HttpRouter | HttpRouter.Request<"Requires", HealthServer.HealthState>
> = HttpRouter.addAll(routes)

/**
 * The router as the probe server serves it, built in the current scope: its own `404` for any other path.
 *
 * @internal
 */
export const app: Effect.Effect<
  Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    HttpServerError.HttpServerError,
    HttpServerRequest.HttpServerRequest | Scope.Scope | HealthServer.HealthState
  >,
  never,
  Scope.Scope
> = Effect.map(
  HttpRouter.toHttpEffect(router),
  (httpEffect) =>
    Effect.catchReason(
      httpEffect,
      "HttpServerError",
      "RouteNotFound",
      () => Effect.succeed(toResponse(Responses.notFound))
    )
)
