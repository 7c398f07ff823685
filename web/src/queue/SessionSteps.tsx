import type { CommandSession } from "../api";

type StepState = "done" | "current" | "todo";

export function stepState(index: number, current: number | null): StepState {
  if (current === null) return "todo";
  if (index < current) return "done";
  return index === current ? "current" : "todo";
}

const STATE_TEXT: Record<StepState, string> = { done: "already run", current: "current step", todo: "remaining" };

/** The agent's goal and plan, with where it is now. */
export function SessionSteps({ session }: { session: CommandSession }) {
  const steps = session.steps ?? [];
  if (!session.goal && steps.length === 0) return null;
  return (
    <div className="session__plan">
      {session.goal && (
        <p className="session__goal">
          <span className="meta-label">Goal</span> {session.goal}
        </p>
      )}
      {steps.length > 0 && (
        <ol className="steps" aria-label="Session steps">
          {steps.map((step, i) => {
            const state = stepState(i, session.current_step);
            return (
              <li key={i} className={`step step--${state}`} aria-current={state === "current" ? "step" : undefined}>
                <span className="step__mark" aria-hidden="true">
                  {state === "done" ? "✓" : state === "current" ? "▶" : "○"}
                </span>
                <span className="step__text">{step}</span>
                <span className="visually-hidden"> ({STATE_TEXT[state]})</span>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
