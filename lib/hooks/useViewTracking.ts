import { useEffect, type RefObject } from 'react';

export type ViewTrackingMode = 'feed' | 'page';

/**
 * Calls `onView` once: on mount ('page'), or once the element has been at least half visible for
 * `dwellMs` ('feed'). StrictMode's double effects may call it twice in 'page' mode; the engine
 * keeps one view op per expose, so that is harmless.
 */
export function useViewTracking(
  target: RefObject<Element | null>,
  mode: ViewTrackingMode,
  onView: () => void,
  dwellMs = 1000,
): void {
  useEffect(() => {
    if (mode === 'page') {
      onView();
      return;
    }
    const el = target.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const observer = new IntersectionObserver(
      (entries) => {
        const visible = entries.some((e) => e.isIntersecting && e.intersectionRatio >= 0.5);
        if (visible && timer === undefined) {
          timer = setTimeout(() => {
            observer.disconnect();
            onView();
          }, dwellMs);
        } else if (!visible && timer !== undefined) {
          clearTimeout(timer);
          timer = undefined;
        }
      },
      { threshold: [0, 0.5] },
    );
    observer.observe(el);
    return () => {
      observer.disconnect();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [target, mode, onView, dwellMs]);
}
