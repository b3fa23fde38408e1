// effect4-app+ioredis: effect4-app (effect-app.mjs) that also owns a connected ioredis client (ioredis 6), as an
// app that uses Redis does. Start-up and idle RSS only. The Effect 4 twin of ../servers/effect-app-ioredis.mjs.
import { Redis } from "ioredis"
import "./effect-app.mjs"

new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379")
