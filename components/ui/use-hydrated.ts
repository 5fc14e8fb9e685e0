"use client";
import { useEffect, useState } from "react";

/**
 * False in the server-rendered HTML and until React has hydrated in the browser. Buttons that
 * act through JavaScript stay disabled until then, so an early click is not silently lost (and a
 * form is never submitted natively with its fields in the URL).
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
