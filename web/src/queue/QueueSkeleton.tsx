/** Placeholder cards with the real cards' rough height, so loading does not jump. */
export function QueueSkeleton() {
  return (
    <div className="skeleton" aria-busy="true">
      <p className="visually-hidden" role="status">
        Loading the queue…
      </p>
      {[0, 1, 2].map((i) => (
        <div key={i} className="skeleton__card" aria-hidden="true">
          <div className="skeleton__line skeleton__line--short" />
          <div className="skeleton__block" />
          <div className="skeleton__line" />
          <div className="skeleton__line skeleton__line--buttons" />
        </div>
      ))}
    </div>
  );
}
