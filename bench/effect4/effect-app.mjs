// effect4-app: the Effect 4 application alone (no health server, no Redis): the reference for
// effect4-app+health. The Effect 4 twin of ../servers/effect-app.mjs.
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Layer } from "effect"
import { AppLive } from "./effect-app-layer.mjs"

NodeRuntime.runMain(Layer.launch(AppLive))
