// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Type checking is `npm run typecheck` (part of `npm test`); the build does not repeat it.
  typescript: { ignoreBuildErrors: true },
  // forbidden() renders app/forbidden.tsx with HTTP 403.
  experimental: { authInterrupts: true },
  // Server code is never bundled by Next (see app/_server/petrel.ts); keep these out regardless.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "@node-rs/argon2", "@prisma/client"],
};

export default nextConfig;
