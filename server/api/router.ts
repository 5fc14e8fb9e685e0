import { auditRouter, secretRouter, tokenRouter } from "./routers/admin";
import { authRouter } from "./routers/auth";
import { runRouter } from "./routers/run";
import { systemRouter } from "./routers/system";
import { userRouter } from "./routers/user";
import { workflowRouter } from "./routers/workflow";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  workflow: workflowRouter,
  run: runRouter,
  user: userRouter,
  system: systemRouter,
  audit: auditRouter,
  token: tokenRouter,
  secret: secretRouter,
});

/** The API's type: the only thing components/ may import from server/ (as a type). */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
