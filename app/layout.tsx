import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TrpcProvider } from "../components/trpc/client";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Petrel", template: "%s · Petrel" },
  description: "Design workflows, prove them sound, run them durably.",
  icons: { icon: "/favicon.svg" },
};

// Every page renders per request: its scripts carry the nonce of that response's Content-Security-Policy.
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TrpcProvider>{children}</TrpcProvider>
      </body>
    </html>
  );
}
