'use client';

import { useId, useState, type FormEvent } from 'react';

type State = { kind: 'idle' | 'sending' | 'done' } | { kind: 'error'; message: string };

/** Posts the token as JSON; the server sets an HttpOnly cookie, so nothing is kept here. */
export function AdminLoginForm() {
  const id = useId();
  const [state, setState] = useState<State>({ kind: 'idle' });

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const token = String(new FormData(form).get('token') ?? '');
    setState({ kind: 'sending' });
    try {
      const res = await fetch('/api/admin/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      if (res.ok) {
        form.reset();
        setState({ kind: 'done' });
        return;
      }
      const payload = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      setState({ kind: 'error', message: payload?.error?.message ?? `Login failed (${res.status}).` });
    } catch {
      setState({ kind: 'error', message: 'The server could not be reached.' });
    }
  }

  return (
    <form onSubmit={onSubmit} className="ec-form" noValidate>
      <div className="ec-field">
        <label htmlFor={`${id}-token`}>Admin token</label>
        <input id={`${id}-token`} name="token" type="password" autoComplete="current-password" required />
      </div>
      <button type="submit" className="ec-button" disabled={state.kind === 'sending'}>
        Log in
      </button>
      {state.kind === 'error' && <p role="alert">{state.message}</p>}
      {state.kind === 'done' && (
        <p role="status">
          Logged in for 12 hours. <a href="/dashboard">Open the dashboard</a> or <a href="/api/metrics">/api/metrics</a>
        </p>
      )}
    </form>
  );
}
