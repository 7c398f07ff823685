import { anomalyText } from "./anomalies";

/**
 * An anomaly as a badge: a short label, with what it means as a tooltip and,
 * for screen readers, as text read after the label.
 */
export function AnomalyBadge({ id, as: Tag = "span" }: { id: string; as?: "span" | "li" }) {
  const { label, description } = anomalyText(id);
  return (
    <Tag className="badge badge--warn" title={description} data-anomaly={id}>
      <span aria-hidden="true">⚠</span> {label}
      <span className="visually-hidden">: {description}</span>
    </Tag>
  );
}
