import { useEffect, useState } from 'react';

/** The current time, re-read every `intervalMs` (for "3h ago" labels). */
export function useNow(initial?: number, intervalMs = 60_000): number {
  const [now, setNow] = useState(() => initial ?? Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(id);
  }, [intervalMs]);
  return now;
}
