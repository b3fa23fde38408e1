/**
 * The probe routes on `HttpRouter`: each handler reads the cached state and answers with `core/responses`,
 * the same answers the fast path writes. Loaded only when a request needs the router (the standalone server
 * answers plain probes without it) or when the application mounts `HealthRouter.router`.
 *
 * @internal
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Options from "@stargazer/health-core/options"
import type { Answer, Endpoint } from "@stargazer/health-core/responses"
import * as Responses from "@stargazer/health-core/responses"
import * as Effect from "effect/Effect"
import type * as HealthServer from "../HealthServer.js"
import * as Metrics from "./metrics.js"
import { HealthState } from "./service.js"
import { fromStatus } from "./status.js"

const responses = new WeakMap<Answer, HttpServerResponse.HttpServerResponse>()
/** `answer` as a platform response; the constant answers are converted once. @internal */
export const toResponse = (answer: Answer): HttpServerResponse.HttpServerResponse => {
  let response = responses.get(answer)
  if (response === undefined) {
    response = HttpServerResponse.text(answer.body, {
      status: answer.status,
      contentType: answer.contentType,
      headers: Headers.fromInput(answer.headers)
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

/** @internal */
export const router: HttpRouter.HttpRouter<never, HealthServer.HealthState> = Responses.endpoints.reduce(
  (router, endpoint) => {
    const withPlain = HttpRouter.all(router, endpoint.path as HttpRouter.PathInput, handler(endpoint, false))
    return endpoint.perCheck
      ? HttpRouter.all(withPlain, `${endpoint.path}/:name` as HttpRouter.PathInput, handler(endpoint, true))
      : withPlain
  },
  HttpRouter.empty as HttpRouter.HttpRouter<never, HealthServer.HealthState>
)

/** The router as the probe server serves it: its own `404` for any other path. @internal */
export const app = Effect.catchTag(router, "RouteNotFound", () => Effect.succeed(toResponse(Responses.notFound)))
