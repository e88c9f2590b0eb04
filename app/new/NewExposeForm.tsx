'use client';

import { useRouter } from 'next/navigation';
import { useId, useState, type FormEvent } from 'react';
import { LIMITS } from '@/lib/contracts/core';

type FieldErrors = Partial<Record<'title' | 'body' | 'ttlHours' | 'form', string>>;

const LIFETIMES = [
  { label: 'No expiry', hours: '' },
  { label: '1 hour', hours: '1' },
  { label: '12 hours', hours: '12' },
  { label: '1 day', hours: '24' },
  { label: '1 week', hours: '168' },
  { label: '30 days', hours: '720' },
];

/** Checks what the server will check, so most mistakes show before a round trip. */
function validate(title: string, body: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!title.trim()) errors.title = 'Give it a title.';
  else if (title.trim().length > LIMITS.titleMax) errors.title = `At most ${LIMITS.titleMax} characters.`;
  if (!body.trim()) errors.body = 'Write something.';
  else if (body.trim().length > LIMITS.exposeBodyMax) errors.body = `At most ${LIMITS.exposeBodyMax} characters.`;
  return errors;
}

/** Maps the API's `invalid_input` message ("body.title: …") onto the field it names. */
function fieldOf(message: string): keyof FieldErrors {
  const m = /^body\.(title|body|ttlHours)\b/.exec(message);
  return (m?.[1] as keyof FieldErrors | undefined) ?? 'form';
}

export function NewExposeForm() {
  const router = useRouter();
  const id = useId();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [submitting, setSubmitting] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const title = String(data.get('title') ?? '');
    const body = String(data.get('body') ?? '');
    const ttl = String(data.get('ttlHours') ?? '');
    const local = validate(title, body);
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setSubmitting(true);
    try {
      const res = await fetch('/api/exposes', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title, body, ...(ttl ? { ttlHours: Number(ttl) } : {}) }),
      });
      const payload: unknown = await res.json().catch(() => null);
      if (res.ok && payload && typeof payload === 'object' && 'exposeId' in payload) {
        router.push(`/expose/${String(payload.exposeId)}?published=1`);
        router.refresh();
        return;
      }
      const message =
        (payload as { error?: { message?: string } } | null)?.error?.message ?? `The server said ${res.status}.`;
      setErrors({ [fieldOf(message)]: message.replace(/^body\.\w+: /, '') });
    } catch {
      setErrors({ form: 'Could not reach the server. Check your connection and try again.' });
    } finally {
      setSubmitting(false);
    }
  }

  const describedBy = (field: keyof FieldErrors) => (errors[field] ? `${id}-${field}-error` : undefined);
  const fieldError = (field: keyof FieldErrors) =>
    errors[field] ? (
      <p id={`${id}-${field}-error`} className="ec-field__error">
        {errors[field]}
      </p>
    ) : null;

  return (
    <form className="ec-form" onSubmit={onSubmit} noValidate>
      {errors.form ? (
        <p role="alert" className="ec-alert">
          {errors.form}
        </p>
      ) : null}
      <div className="ec-field">
        <label htmlFor={`${id}-title`}>Title</label>
        <input
          id={`${id}-title`}
          name="title"
          maxLength={LIMITS.titleMax}
          required
          aria-invalid={Boolean(errors.title)}
          aria-describedby={describedBy('title')}
        />
        {fieldError('title')}
      </div>
      <div className="ec-field">
        <label htmlFor={`${id}-body`}>Body</label>
        <textarea
          id={`${id}-body`}
          name="body"
          rows={6}
          maxLength={LIMITS.exposeBodyMax}
          required
          aria-invalid={Boolean(errors.body)}
          aria-describedby={describedBy('body')}
        />
        {fieldError('body')}
      </div>
      <div className="ec-field">
        <label htmlFor={`${id}-ttl`}>Lifetime</label>
        <select id={`${id}-ttl`} name="ttlHours" defaultValue="" aria-describedby={describedBy('ttlHours')}>
          {LIFETIMES.map((l) => (
            <option key={l.label} value={l.hours}>
              {l.label}
            </option>
          ))}
        </select>
        {fieldError('ttlHours')}
      </div>
      <button type="submit" className="ec-button ec-button--primary" disabled={submitting}>
        {submitting ? 'Publishing…' : 'Publish'}
      </button>
    </form>
  );
}
