import { useEffect, useId, useRef, type ReactNode } from "react";
import "./Modal.css";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** True while any modal dialog is open; global shortcuts stand down then. */
export function isModalOpen(doc: Document = document): boolean {
  return doc.querySelector('[role="dialog"][aria-modal="true"], [role="alertdialog"][aria-modal="true"]') !== null;
}

interface ModalProps {
  title: string;
  onClose(): void;
  children: ReactNode;
  /** "alertdialog" for confirmations that interrupt a decision. */
  role?: "dialog" | "alertdialog";
  /** Element to focus first; defaults to the first focusable one. */
  initialFocus?: React.RefObject<HTMLElement | null>;
  className?: string;
}

/**
 * A modal dialog: focus moves in and is trapped, Escape closes, and focus
 * returns to where it was. Hand-rolled rather than <dialog> because the
 * behaviour has to be identical in the test DOM and every browser we support.
 */
export function Modal({ title, onClose, children, role = "dialog", initialFocus, className }: ModalProps) {
  const panel = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    const previouslyFocused = document.activeElement as HTMLElement | null;
    const target = initialFocus?.current ?? panel.current?.querySelector<HTMLElement>(FOCUSABLE) ?? panel.current;
    target?.focus();
    return () => {
      if (previouslyFocused?.isConnected) previouslyFocused.focus();
    };
    // Focus once on open only; later renders must not steal focus back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Escape must close the dialog even if something moved focus outside it.
  useEffect(() => {
    function onDocumentKey(event: KeyboardEvent) {
      if (event.key !== "Escape" || event.defaultPrevented || !panel.current) return;
      if (panel.current.contains(event.target as Node)) return; // handled below
      const modals = document.querySelectorAll('[aria-modal="true"]');
      if (modals[modals.length - 1] !== panel.current) return;
      event.preventDefault();
      closeRef.current();
    }
    document.addEventListener("keydown", onDocumentKey);
    return () => document.removeEventListener("keydown", onDocumentKey);
  }, []);

  function onKeyDown(event: React.KeyboardEvent) {
    if (event.key === "Escape") {
      event.preventDefault();
      closeRef.current();
      return;
    }
    if (event.key !== "Tab" || !panel.current) return;
    const items = Array.from(panel.current.querySelectorAll<HTMLElement>(FOCUSABLE));
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) {
      event.preventDefault();
      return;
    }
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  return (
    <div className="modal__backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={panel}
        role={role}
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        className={`modal ${className ?? ""}`}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId} className="modal__title">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}
