import type { Metadata } from 'next';
import { NewExposeForm } from './NewExposeForm';

export const metadata: Metadata = { title: 'New expose' };

export default function NewExposePage() {
  return (
    <section className="ec-panel" aria-labelledby="new-heading">
      <h1 id="new-heading">New expose</h1>
      <p className="ec-muted">Say what you found. Keep it short; add a lifetime if it stops mattering after a while.</p>
      <NewExposeForm />
    </section>
  );
}
